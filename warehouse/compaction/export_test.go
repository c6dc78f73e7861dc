package compaction

// BeforeCommit makes the compaction run f before each of its catalog commits.
func BeforeCommit(o *Options, f func()) { o.beforeCommit = f }
