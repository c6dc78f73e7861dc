package warehouse_test

import (
	"context"
	"errors"
	"sync"
	"testing"

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

func TestOpenWithoutCreate(t *testing.T) {
	_, err := warehouse.Open(context.Background(), t.TempDir(), false)
	require.ErrorIs(t, err, warehouse.ErrNoWarehouse)
}
