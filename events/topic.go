package events

// DefaultTopic is the Kafka topic of the event contract (EVENTS.md, "Kafka topics"). Producers
// and consumers take it as their default; every command lets the operator name others.
const DefaultTopic = "ntm.events.v1"
