package warehouse

// BeforeCommit makes the compaction run f before each of its catalog commits.
func BeforeCommit(o *CompactOptions, f func()) { o.beforeCommit = f }
