package warehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// manifestFiles lists the current files of every table from the manifests themselves.
func manifestFiles(t *testing.T, wh *warehouse.Warehouse) map[string][]warehouse.DataFile {
	t.Helper()
	out := map[string][]warehouse.DataFile{}
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		tbl, err := wh.Load(context.Background(), name)
		require.NoError(t, err)
		out[name], err = warehouse.Files(context.Background(), tbl, 0)
		require.NoError(t, err)
	}
	return out
}

func currentFiles(t *testing.T, wh *warehouse.Warehouse) map[string][]warehouse.DataFile {
	t.Helper()
	s, err := wh.Current(context.Background())
	require.NoError(t, err)
	out := map[string][]warehouse.DataFile{}
	for name, ts := range s.Tables {
		out[name] = ts.Files
	}
	return out
}

func problemKinds(t *testing.T, wh *warehouse.Warehouse) []string {
	t.Helper()
	r, err := wh.Verify(context.Background())
	require.NoError(t, err)
	var kinds []string
	for _, p := range r.Problems {
		kinds = append(kinds, p.Kind)
	}
	return kinds
}

// Current reads a snapshot's files from the cached listing it wrote the first time, which
// ntm verify checks against the manifests; a listing that cannot be read is read from the
// manifests again and rewritten, the listings stay right when the warehouse moves, and a table
// keeps only its newest few.
func TestCachedListings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wh := kit.WarehouseIn(t, dir, append(kit.Fixture(t, "units.ndjson", "gov.ndjson"), []byte("not json")))
	cache := filepath.Join(dir, "cache", "files")
	require.NoError(t, os.RemoveAll(cache))
	want := manifestFiles(t, wh)
	require.NotEmpty(t, want[warehouse.EventsLog])
	require.NotEmpty(t, want[warehouse.DeadLetters])

	assert.Equal(t, want, currentFiles(t, wh), "from the manifests")
	listings, err := filepath.Glob(filepath.Join(cache, "*.json"))
	require.NoError(t, err)
	require.Len(t, listings, 2, "one listing per table")
	assert.Equal(t, want, currentFiles(t, wh), "from the listings")
	assert.Empty(t, problemKinds(t, wh))

	// A listing that reads but says otherwise is what Current returns, and verify reports it.
	snap, err := wh.Current(ctx)
	require.NoError(t, err)
	path := filepath.Join(cache, fmt.Sprintf("%s-%d.json", warehouse.EventsLog, snap.Tables[warehouse.EventsLog].SnapshotID))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var l map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // snapshot IDs do not fit a float64
	require.NoError(t, dec.Decode(&l))
	l["files"].([]any)[0].(map[string]any)["records"] = 1_000_000_000
	changed, err := json.Marshal(l)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, changed, 0o644))
	assert.EqualValues(t, 1_000_000_000, currentFiles(t, wh)[warehouse.EventsLog][0].Records, "the listing is read")
	assert.Contains(t, problemKinds(t, wh), "listing_mismatch")

	// A torn listing is read from the manifests again and rewritten.
	require.NoError(t, os.WriteFile(path, changed[:len(changed)/2], 0o644))
	assert.Equal(t, want, currentFiles(t, wh))
	assert.Equal(t, want, currentFiles(t, wh))
	assert.Empty(t, problemKinds(t, wh))

	// The warehouse moved: the listings name the files where they are now.
	require.NoError(t, wh.Close())
	moved := filepath.Join(t.TempDir(), "moved")
	require.NoError(t, os.Rename(dir, moved))
	wh, err = warehouse.Open(ctx, moved, false)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	got := currentFiles(t, wh)
	assert.Equal(t, manifestFiles(t, wh), got)
	for _, f := range got[warehouse.EventsLog] {
		assert.FileExists(t, f.Path)
	}

	// Only the newest listings of a table stay.
	cache = filepath.Join(moved, "cache", "files")
	old := time.Now().Add(-time.Hour)
	for i := range 6 {
		p := filepath.Join(cache, fmt.Sprintf("%s-%d.json", warehouse.EventsLog, i+1))
		require.NoError(t, os.WriteFile(p, []byte("{}"), 0o644))
		require.NoError(t, os.Chtimes(p, old, old))
	}
	require.NoError(t, os.Remove(filepath.Join(cache, filepath.Base(path))))
	assert.Equal(t, manifestFiles(t, wh), currentFiles(t, wh))
	left, err := filepath.Glob(filepath.Join(cache, warehouse.EventsLog+"-*.json"))
	require.NoError(t, err)
	assert.Len(t, left, 4)
	assert.FileExists(t, filepath.Join(cache, filepath.Base(path)), "the newest is kept")
}
