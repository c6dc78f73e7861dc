package warehouse_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/hadoop"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// requireURIs fails unless every location the warehouse's metadata records is a file:// URI,
// and returns how many name data files.
func requireURIs(t *testing.T, dir string) int {
	t.Helper()
	locs := kit.RecordedLocations(t, dir)
	data := 0
	for _, l := range locs {
		require.True(t, strings.HasPrefix(l, "file:///"), "not a file:// URI: %q", l)
		if strings.HasSuffix(l, ".parquet") {
			data++
		}
	}
	return data
}

func TestMetadataRecordsFileURIs(t *testing.T) {
	wh := kit.Warehouse(t, kit.Fixture(t, "units.ndjson", "gov.ndjson"))
	assert.Positive(t, requireURIs(t, wh.Dir()))
	kit.RequireIntact(t, wh)
}

// move renames the warehouse of wh to a new folder and opens it there.
func move(t *testing.T, wh *warehouse.Warehouse, create bool) *warehouse.Warehouse {
	t.Helper()
	old := wh.Dir()
	require.NoError(t, wh.Close())
	moved := filepath.Join(t.TempDir(), "moved")
	require.NoError(t, os.Rename(old, moved))
	wh, err := warehouse.Open(context.Background(), moved, create)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh
}

// A moved warehouse reads and writes where it is now: its metadata keeps the locations it was
// written with, under the table location, which map to the folder it was opened at.
func TestMovedWarehouse(t *testing.T) {
	ctx := context.Background()
	wh := kit.Warehouse(t, kit.Fixture(t, "units.ndjson", "gov.ndjson"))
	old := wh.Dir()
	ev, dl := kit.Counts(t, wh)
	require.NotEmpty(t, ev)

	wh = move(t, wh, false)
	r := kit.RequireIntact(t, wh)
	assert.Positive(t, r.Files[warehouse.EventsLog])
	gotEv, gotDl := kit.Counts(t, wh)
	assert.Equal(t, ev, gotEv)
	assert.Equal(t, dl, gotDl)
	snap, err := wh.Current(ctx)
	require.NoError(t, err)
	for _, f := range snap.Tables[warehouse.EventsLog].Files {
		require.True(t, strings.HasPrefix(f.Path, wh.Dir()+string(filepath.Separator)), f.Path)
	}

	// A commit after the move writes its manifests in the new folder, never in the old one.
	_, err = wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{
		Base: warehouse.Offsets{tp0: snap.Tables[warehouse.EventsLog].Offsets[tp0]},
		Next: warehouse.Offsets{tp0: snap.Tables[warehouse.EventsLog].Offsets[tp0]},
	})
	require.NoError(t, err)
	_, err = os.Stat(old)
	require.ErrorIs(t, err, os.ErrNotExist)
	kit.RequireIntact(t, wh)
	requireURIs(t, wh.Dir())

	// And an ingest after the move adds its files there too, moved a second time.
	wh = kit.WarehouseIn(t, move(t, wh, true).Dir(), kit.Fixture(t, "eco_soc.ndjson"))
	kit.RequireIntact(t, wh)
	requireURIs(t, wh.Dir())
}

// A warehouse whose tables iceberg-go's Hadoop catalog created records bare local paths: it
// reads as before, takes new commits, and can be moved.
func TestBarePathsStillRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := hadoop.NewCatalog("ntm", filepath.Join(dir, "iceberg"), iceberg.Properties{})
	require.NoError(t, err)
	require.NoError(t, cat.CreateNamespace(ctx, table.Identifier{warehouse.Namespace}, nil))
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		cols, err := warehouse.Columns(name)
		require.NoError(t, err)
		opts := []catalog.CreateTableOpt{catalog.WithProperties(iceberg.Properties{table.PropertyFormatVersion: "2"})}
		if name == warehouse.EventsLog {
			spec := iceberg.NewPartitionSpec(iceberg.PartitionField{
				SourceIDs: []int{2}, FieldID: 1000, Name: "event_type", Transform: iceberg.IdentityTransform{},
			})
			opts = append(opts, catalog.WithPartitionSpec(&spec))
		}
		tbl, err := cat.CreateTable(ctx, warehouse.Ident(name), warehouse.Schema(cols), opts...)
		require.NoError(t, err)
		require.False(t, strings.HasPrefix(tbl.Location(), "file:"), tbl.Location())
	}
	require.NoError(t, cat.Close())

	wh := kit.WarehouseIn(t, dir, kit.Fixture(t, "units.ndjson"))
	ev, dl := kit.Counts(t, wh)
	require.NotEmpty(t, ev)
	kit.RequireIntact(t, wh)
	bare := 0
	for _, l := range kit.RecordedLocations(t, wh.Dir()) {
		if !strings.HasPrefix(l, "file:") {
			bare++
		}
	}
	assert.Positive(t, bare, "what the tables recorded before keeps its bare paths")
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		tbl, err := wh.Load(ctx, name)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(tbl.Location(), "file:///"), "the ingest records the location as a URI: %s", tbl.Location())
		snap := tbl.CurrentSnapshot()
		require.NotNil(t, snap)
		assert.True(t, strings.HasPrefix(snap.ManifestList, "file:///"), snap.ManifestList)
	}

	wh = move(t, wh, false)
	kit.RequireIntact(t, wh)
	gotEv, gotDl := kit.Counts(t, wh)
	assert.Equal(t, ev, gotEv)
	assert.Equal(t, dl, gotDl)
}
