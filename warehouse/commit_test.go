package warehouse_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

var tp0 = warehouse.TopicPartition{Topic: "ntm.events.v1", Partition: 0}

func open(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh
}

func offsets(t *testing.T, wh *warehouse.Warehouse, name string) warehouse.Offsets {
	t.Helper()
	tbl, err := wh.Load(context.Background(), name)
	require.NoError(t, err)
	return warehouse.OffsetsOf(tbl)
}

func TestCommitMovesOffsetsAndFencesStaleBases(t *testing.T) {
	ctx := context.Background()
	wh := open(t)
	res, err := wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
		Base: warehouse.Offsets{tp0: -1}, Next: warehouse.Offsets{tp0: 100}})
	require.NoError(t, err)
	assert.NotZero(t, res.Snapshot)
	assert.Equal(t, warehouse.Offsets{tp0: 100}, offsets(t, wh, warehouse.EventsLog))
	assert.Empty(t, offsets(t, wh, warehouse.DeadLetters), "tables keep their own offsets")

	_, err = wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
		Base: warehouse.Offsets{tp0: 50}, Next: warehouse.Offsets{tp0: 150}})
	require.ErrorIs(t, err, warehouse.ErrStale)
	_, err = wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
		Base: warehouse.Offsets{tp0: -1}, Next: warehouse.Offsets{tp0: 100}})
	require.ErrorIs(t, err, warehouse.ErrStale, "a commit of records already judged is stale, never applied twice")

	_, err = wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
		Base: warehouse.Offsets{tp0: 100}, Next: warehouse.Offsets{tp0: 160}})
	require.NoError(t, err)
	assert.Equal(t, warehouse.Offsets{tp0: 160}, offsets(t, wh, warehouse.EventsLog))

	r, err := wh.Verify(ctx)
	require.NoError(t, err)
	assert.Empty(t, r.Problems)
	assert.Equal(t, 2, r.Snapshots[warehouse.EventsLog])
}

// Writers racing from the same base: exactly one commit is applied, the others are stale.
func TestConcurrentCommitsFromOneBase(t *testing.T) {
	ctx := context.Background()
	wh := open(t)
	const writers = 4
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer opens the warehouse itself, as separate processes do.
			w, err := warehouse.Open(ctx, wh.Dir(), false)
			if err != nil {
				errs[i] = err
				return
			}
			defer w.Close()
			_, errs[i] = w.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
				Base: warehouse.Offsets{tp0: -1}, Next: warehouse.Offsets{tp0: int64(10 * (i + 1))}})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		assert.True(t, errors.Is(err, warehouse.ErrStale), "%v", err)
	}
	assert.Equal(t, 1, ok)
	r, err := wh.Verify(ctx)
	require.NoError(t, err)
	assert.Empty(t, r.Problems)
	assert.Equal(t, 1, r.Snapshots[warehouse.EventsLog])
}

func TestCheckAbortsTheCommit(t *testing.T) {
	wh := open(t)
	boom := errors.New("batch conflicts with another writer")
	_, err := wh.Commit(context.Background(), warehouse.EventsLog, warehouse.Commit{
		Base: warehouse.Offsets{tp0: -1}, Next: warehouse.Offsets{tp0: 5},
		Check: func(*table.Table) error { return boom }})
	require.ErrorIs(t, err, boom)
	assert.Empty(t, offsets(t, wh, warehouse.EventsLog))
}

// Opening what is no warehouse says what is at the path, since a wrong path is likelier than a
// warehouse never ingested; only where the path could be a new warehouse does it name ingest.
func TestOpenWithoutCreate(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, t.TempDir(), true)
	require.NoError(t, err)
	require.NoError(t, wh.Close())
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, tc := range []struct {
		name, dir, want string
		ingest          bool
	}{
		{"empty directory", t.TempDir(), "the directory holds no warehouse (no iceberg/ntm/events_log/metadata); check the path, or", true},
		{"missing directory", filepath.Join(t.TempDir(), "typo"), "the directory does not exist; check the path, or", true},
		{"a file", file, "it is a file, not a directory; check the path", false},
		{"inside a warehouse", filepath.Join(wh.Dir(), "iceberg", "ntm"), "it is inside the warehouse " + wh.Dir() + "; give --warehouse " + wh.Dir(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := warehouse.Open(ctx, tc.dir, false)
			require.ErrorIs(t, err, warehouse.ErrNoWarehouse)
			require.ErrorContains(t, err, tc.want)
			if tc.ingest {
				require.ErrorContains(t, err, `to create a warehouse there, run "ntm ingest --warehouse `+tc.dir+`"`)
			} else {
				require.NotContains(t, err.Error(), "ntm ingest")
			}
		})
	}
}

// RetryCommit, the loop of every catalog commit: a stage that lost a race is staged again on
// the reloaded table, a judge's error is no attempt, nothing to commit is no snapshot, and an
// attempt whose outcome was unknown is recognized by its token.
func TestRetryCommit(t *testing.T) {
	ctx := context.Background()
	wh := open(t)
	other, err := warehouse.Open(ctx, wh.Dir(), false)
	require.NoError(t, err)
	defer other.Close()
	// stage moves the offset of tp0 by one from the table's; the first time, another writer
	// commits meanwhile (and, with token, commits it under that token, as an attempt whose
	// outcome is unknown would have done).
	stage := func(first *bool, token string) warehouse.Stage {
		return func(tbl *table.Table) (*table.Transaction, error) {
			next := int64(0)
			if n, ok := warehouse.OffsetsOf(tbl)[tp0]; ok {
				next = n + 1
			}
			txn := tbl.NewTransaction()
			require.NoError(t, txn.AssertRefSnapshotID(""))
			require.NoError(t, txn.AddFiles(ctx, nil, iceberg.Properties{"n": strconv.FormatInt(next, 10)}, true))
			if *first {
				*first = false
				base, err := other.Load(ctx, warehouse.EventsLog)
				require.NoError(t, err)
				cur := warehouse.OffsetsOf(base)[tp0]
				if token != "" {
					mid := base.NewTransaction()
					require.NoError(t, mid.AddFiles(ctx, nil, iceberg.Properties{warehouse.CommitKey: token}, true))
					_, err = mid.Commit(ctx)
					require.NoError(t, err)
				} else {
					_, err = other.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
						Base: warehouse.Offsets{tp0: cur}, Next: warehouse.Offsets{tp0: cur + 1}})
					require.NoError(t, err)
				}
			}
			return txn, nil
		}
	}
	_, err = wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{Base: warehouse.Offsets{tp0: -1}, Next: warehouse.Offsets{tp0: 0}})
	require.NoError(t, err)

	first := true
	res, err := wh.RetryCommit(ctx, warehouse.EventsLog, warehouse.Retry{}, stage(&first, ""))
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts, "the first attempt lost to the other writer")
	assert.False(t, res.Already)
	tbl, err := wh.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	assert.Equal(t, res.Snapshot, tbl.CurrentSnapshot().SnapshotID)
	assert.Equal(t, "2", tbl.CurrentSnapshot().Summary.Properties["n"], "staged again on the other writer's commit")

	token := warehouse.NewCommitToken()
	first = true
	res, err = wh.RetryCommit(ctx, warehouse.EventsLog, warehouse.Retry{Token: token}, stage(&first, token))
	require.NoError(t, err)
	assert.True(t, res.Already, "the token says the commit is in the table")
	assert.Equal(t, 1, res.Attempts)
	tbl, err = wh.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	id, ok := warehouse.FindCommit(tbl, token)
	require.True(t, ok)
	assert.Equal(t, id, res.Snapshot)
	snaps := len(tbl.Metadata().Snapshots())

	boom := errors.New("judged stale")
	res, err = wh.RetryCommit(ctx, warehouse.EventsLog, warehouse.Retry{Judge: func(*table.Table) error { return boom }},
		func(*table.Table) (*table.Transaction, error) { panic("not staged after a judge's error") })
	require.ErrorIs(t, err, boom)
	assert.Zero(t, res.Attempts)
	res, err = wh.RetryCommit(ctx, warehouse.EventsLog, warehouse.Retry{},
		func(*table.Table) (*table.Transaction, error) { return nil, nil })
	require.NoError(t, err)
	assert.Equal(t, warehouse.CommitResult{Attempts: 1}, res, "nothing to commit")
	res, err = wh.RetryCommit(ctx, warehouse.EventsLog, warehouse.Retry{},
		func(*table.Table) (*table.Transaction, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 1, res.Attempts, "a stage's error is not retried")
	tbl, err = wh.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	assert.Len(t, tbl.Metadata().Snapshots(), snaps)
}
