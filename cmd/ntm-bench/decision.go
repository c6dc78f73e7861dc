package main

// writerDecision is the conclusion drawn from section 6's figures; it is text, not a
// measurement, and is revised when the figures change it.
const writerDecision = `Decision: pending the writer benchmarks.`
