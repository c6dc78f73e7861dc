package session_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// derived reports whether a session reads a derived state rather than one it built.
func derived(t *testing.T, db *sql.DB) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(),
		"SELECT count(*) FROM duckdb_tables() WHERE table_name = 'derived_snapshot'").Scan(&n))
	return n > 0
}

// openSession opens a session on the current snapshot and says whether it is derived.
func openSession(t *testing.T, wh *warehouse.Warehouse) (*sql.DB, bool) {
	t.Helper()
	db, _, err := session.Open(context.Background(), wh)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db, derived(t, db)
}

func count(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRowContext(context.Background(), q).Scan(&n))
	return n
}

// TestDerivedStateOfItsSnapshotOnly: a session opens the derived state of exactly the current
// snapshot, never that of an older one, even under the current snapshot's name, nor one that
// is not a complete database (a writer's temporary file left by a crash, a file cut short),
// and then builds itself from the log, answering the same; Refresh keeps the last two files.
func TestDerivedStateOfItsSnapshotOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wh := kit.WarehouseIn(t, dir, kit.Fixture(t, "units.ndjson"))
	_, first, err := session.Refresh(ctx, wh)
	require.NoError(t, err)
	db, ok := openSession(t, wh)
	require.True(t, ok, "the derived state of the current snapshot is opened")
	_, ok = openSession(t, wh)
	require.True(t, ok, "by several sessions at once (a server's)")
	units := count(t, db, "SELECT count(*) FROM admin_units")
	require.Positive(t, units)

	// A crash while writing the next state leaves a temporary file, complete or not.
	snap, err := wh.Current(ctx)
	require.NoError(t, err)
	blob, err := os.ReadFile(first)
	require.NoError(t, err)
	half := session.DerivedFile(wh, snap) + ".4242.tmp"
	require.NoError(t, os.WriteFile(half, blob[:len(blob)/2], 0o644))

	// A second commit: the file of the first snapshot is stale.
	wh = kit.WarehouseIn(t, dir, kit.Fixture(t, "gov.ndjson"))
	db, ok = openSession(t, wh)
	require.False(t, ok, "the derived state of an older snapshot is not used")
	events := count(t, db, "SELECT count(*) FROM events_log")
	require.Equal(t, units, count(t, db, "SELECT count(*) FROM admin_units"))

	snap, err = wh.Current(ctx)
	require.NoError(t, err)
	next := session.DerivedFile(wh, snap)
	require.NotEqual(t, first, next)
	for name, content := range map[string][]byte{
		"the older state under this snapshot's name": blob,
		"half of a database file":                    blob[:len(blob)/2],
		"not a database":                             []byte("not a database"),
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(next, content, 0o644))
			db, ok := openSession(t, wh)
			require.False(t, ok)
			require.Equal(t, events, count(t, db, "SELECT count(*) FROM events_log"))
		})
	}
	require.NoError(t, os.Remove(next))
	_, got, err := session.Refresh(ctx, wh)
	require.NoError(t, err)
	require.Equal(t, next, got)
	// A second refresh of the same snapshot keeps the file.
	before, err := os.Stat(next)
	require.NoError(t, err)
	_, _, err = session.Refresh(ctx, wh)
	require.NoError(t, err)
	after, err := os.Stat(next)
	require.NoError(t, err)
	require.True(t, os.SameFile(before, after), "the usable state is kept")
	db, ok = openSession(t, wh)
	require.True(t, ok)
	require.Equal(t, events, count(t, db, "SELECT count(*) FROM events_log"))

	// A third commit and its refresh: the first file is pruned, the temporary one is left to its
	// writer until it is an hour old.
	wh = kit.WarehouseIn(t, dir, kit.Fixture(t, "eco_soc.ndjson"))
	_, third, err := session.Refresh(ctx, wh)
	require.NoError(t, err)
	names, err := filepath.Glob(filepath.Join(filepath.Dir(first), "*"))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{next, third, half}, names)
}

// TestConcurrentRefreshes: refreshes of one process at once (a commit hook and a watcher) each
// write their own temporary file, and the state they leave is whole.
func TestConcurrentRefreshes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kit.WarehouseIn(t, dir, kit.Fixture(t, "units.ndjson"))
	wh := kit.WarehouseIn(t, dir, kit.Fixture(t, "gov.ndjson"))
	scratch, ok := openSession(t, wh)
	require.False(t, ok)
	want := count(t, scratch, "SELECT count(*) FROM events_log")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := session.RefreshState(ctx, wh)
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
	db, ok := openSession(t, wh)
	require.True(t, ok)
	require.Equal(t, want, count(t, db, "SELECT count(*) FROM events_log"))
	require.Equal(t, count(t, scratch, "SELECT count(*) FROM admin_units"), count(t, db, "SELECT count(*) FROM admin_units"))
}
