package warehouse

// CommitKey is the snapshot summary property holding a commit's token (Retry.Token).
const CommitKey = commitKey
