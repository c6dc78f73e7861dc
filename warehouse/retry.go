package warehouse

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/apache/iceberg-go/table"
)

// Retry says how RetryCommit commits.
type Retry struct {
	// What names the commit in errors (default "commit to <table>").
	What string
	// Attempts is the most attempts made (default 30).
	Attempts int
	// Token, when set, names the commit: the snapshot the stage makes must carry it in its
	// summary under the commit key (CompactionSummary and Commit put it there; NewCommitToken
	// makes one). After a failed attempt, whose outcome may be unknown, the reloaded table is
	// searched for it first: a snapshot that carries it is this commit, applied after all
	// (CommitResult.Already). Without a token the stage must itself recognize work already
	// done, on the table as reloaded.
	Token string
	// Judge, when set, judges the freshly loaded table before each attempt (after the search
	// for the token): an error ends RetryCommit, returned as is, without counting an attempt.
	// Commit fences stale bases here.
	Judge func(t *table.Table) error
}

// Stage builds one attempt on the table as just loaded: a transaction to commit, or nil when
// there is nothing (left) to commit. An error is permanent: RetryCommit returns it as is.
type Stage func(t *table.Table) (*table.Transaction, error)

// RetryCommit is the one retry loop of the warehouse's catalog commits (ingest commits,
// compactions, schema evolution). Each attempt loads the table, looks for the token of an
// earlier attempt, runs Judge, and stages a transaction on the table as loaded; the file
// system is synced (syncfs) before the catalog commit, so that the new metadata never names a
// manifest that is not on stable storage, and after it. A failed catalog commit, or a failed
// sync after it, is a conflict with another writer or an outcome unknown: RetryCommit waits
// (5 ms doubling up to 500 ms, with jitter, so that two writers do not collide in step),
// reloads and judges again. It never commits the same transaction twice: each attempt is
// staged anew by the stage, which should assert what it relies on (Commit and compaction
// assert the snapshot they were built on, so that no concurrent commit is overwritten).
//
// Errors that do not come from Judge or the stage (the context's, a failed load or sync,
// attempts exhausted) may follow an attempt whose outcome is unknown: with a Token, the
// caller can look (FindCommit).
func (w *Warehouse) RetryCommit(ctx context.Context, name string, r Retry, stage Stage) (CommitResult, error) {
	if r.What == "" {
		r.What = "commit to " + name
	}
	if r.Attempts <= 0 {
		r.Attempts = 30
	}
	var res CommitResult
	backoff := 5 * time.Millisecond
	var lastErr error
	for res.Attempts < r.Attempts {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		t, err := w.Load(ctx, name)
		if err != nil {
			return res, err
		}
		if res.Attempts > 0 && r.Token != "" {
			if id, ok := FindCommit(t, r.Token); ok {
				res.Already = true
				res.Snapshot = id
				return res, nil
			}
		}
		if r.Judge != nil {
			if err := r.Judge(t); err != nil {
				return res, err
			}
		}
		res.Attempts++
		txn, err := stage(t)
		if err != nil {
			return res, err
		}
		if txn == nil {
			return res, nil
		}
		// The stage may have written manifests, without fsync: sync them first.
		if err := w.sync(); err != nil {
			return res, fmt.Errorf("warehouse: %s: %w", r.What, err)
		}
		nt, err := txn.Commit(ctx)
		if err != nil {
			err = fmt.Errorf("commit: %w", err)
		} else {
			err = w.sync()
		}
		if err == nil {
			if s := nt.CurrentSnapshot(); s != nil {
				res.Snapshot = s.SnapshotID
			}
			return res, nil
		}
		lastErr = err
		d := backoff + time.Duration(rand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(d):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
	return res, fmt.Errorf("warehouse: %s failed after %d attempts: %w", r.What, res.Attempts, lastErr)
}

// NewCommitToken makes a token to name a commit (Retry.Token).
func NewCommitToken() string { return strconv.FormatUint(rand.Uint64(), 36) }

// commitKey is the snapshot summary property holding a commit's token.
const commitKey = "ntm.commit"

// FindCommit looks for the snapshot of the commit named token among the latest snapshots of
// the table.
func FindCommit(t *table.Table, token string) (int64, bool) {
	s := t.CurrentSnapshot()
	for range 64 {
		if s == nil {
			return 0, false
		}
		if s.Summary != nil && s.Summary.Properties[commitKey] == token {
			return s.SnapshotID, true
		}
		if s.ParentSnapshotID == nil {
			return 0, false
		}
		s = t.Metadata().SnapshotByID(*s.ParentSnapshotID)
	}
	return 0, false
}
