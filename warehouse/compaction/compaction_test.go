package compaction_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
	"github.com/thanhhoa-ntm/ntm/warehouse/compaction"
)

func open(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh
}

// smallFlushes ingests what the broker holds with tiny flushes, as a day of trickling reports
// would: many commits of small files (small fetches, so that the backlog does not arrive in
// one poll and one flush).
func smallFlushes(t *testing.T, addr string, wh *warehouse.Warehouse, log *slog.Logger) ingest.Stats {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	st, err := ingest.Run(context.Background(), ingest.Config{Brokers: []string{addr}, Topics: []string{kit.Topic},
		Group: "g", Warehouse: wh, UntilCaughtUp: true, FlushBytes: 128 << 10, Log: log,
		ClientOpts: []kgo.Opt{kgo.FetchMaxBytes(256 << 10), kgo.FetchMaxPartitionBytes(64 << 10)}})
	require.NoError(t, err)
	return st
}

// merge is batch.Merge on a checked allocator: every merge must release what it allocated.
func merge(t *testing.T) compaction.MergeFunc {
	return func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		return batch.Merge(ctx, mem, out, sources, meta)
	}
}

// state is what readers see of the warehouse: a checksum over every column of every row
// (the transaction time committed_at included), per table, from DuckDB over the pinned
// snapshot, and the number of files it reads.
type state struct {
	Events, Dead          string
	EventFiles, DeadFiles int
}

func readState(t *testing.T, wh *warehouse.Warehouse) state {
	t.Helper()
	s, err := tryReadState(wh)
	require.NoError(t, err)
	return s
}

// tryReadState is readState for goroutines other than the test's.
func tryReadState(wh *warehouse.Warehouse) (state, error) {
	var s state
	db, snap, err := session.Open(context.Background(), wh)
	if err != nil {
		return s, err
	}
	defer db.Close()
	if s.Events, err = checksum(db, "events_log_data", "committed_at"); err != nil {
		return s, err
	}
	if s.Dead, err = checksum(db, "dead_letters", "received_at"); err != nil {
		return s, err
	}
	s.EventFiles, s.DeadFiles = len(snap.Tables[warehouse.EventsLog].Files), len(snap.Tables[warehouse.DeadLetters].Files)
	return s, nil
}

// checksum is the rows of rel: how many, a hash over all their columns, and how many distinct
// values of the time column.
func checksum(db *sql.DB, rel, timeCol string) (string, error) {
	var n, times int64
	var sum string
	err := db.QueryRowContext(context.Background(),
		"SELECT count(*), coalesce(sum(hash(x))::VARCHAR, ''), count(DISTINCT "+timeCol+") FROM "+rel+" x").Scan(&n, &sum, &times)
	return fmt.Sprintf("%d rows, hash %s, %d distinct %s", n, sum, times, timeCol), err
}

// scanned is the table as iceberg-go's own scan reads it: rows and content hashes per type.
func scanned(t *testing.T, wh *warehouse.Warehouse) map[string][2]int64 {
	t.Helper()
	tbl, err := wh.Catalog().LoadTable(context.Background(), warehouse.Ident(warehouse.EventsLog))
	require.NoError(t, err)
	_, itr, err := tbl.Scan(table.WithSelectedFields("event_type", "content_hash")).ToArrowRecords(context.Background())
	require.NoError(t, err)
	out := map[string][2]int64{}
	for rec, err := range itr {
		require.NoError(t, err)
		types := rec.Column(rec.Schema().FieldIndices("event_type")[0])
		hashes := rec.Column(rec.Schema().FieldIndices("content_hash")[0]).(*array.Int64)
		for i := range int(rec.NumRows()) {
			v := out[types.ValueStr(i)]
			v[0]++
			v[1] += hashes.Value(i)
			out[types.ValueStr(i)] = v
		}
		rec.Release()
	}
	return out
}

func load(t *testing.T, wh *warehouse.Warehouse, name string) *table.Table {
	t.Helper()
	tbl, err := wh.Load(context.Background(), name)
	require.NoError(t, err)
	return tbl
}

// requireFieldIDs checks that every column of a data file carries the Iceberg field ID of the
// table's column of that name.
func requireFieldIDs(t *testing.T, tbl *table.Table, path string) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	require.NoError(t, err)
	defer pf.Close()
	sc, err := pqarrow.FromParquet(pf.MetaData().Schema, nil, nil)
	require.NoError(t, err)
	for _, f := range sc.Fields() {
		col, ok := tbl.Schema().FindFieldByName(f.Name)
		require.True(t, ok, f.Name)
		id, ok := f.Metadata.GetValue("PARQUET:field_id")
		require.True(t, ok, "%s has no field id in %s", f.Name, path)
		assert.Equal(t, strconv.Itoa(col.ID), id, f.Name)
	}
	require.Positive(t, pf.NumRowGroups())
	cc, err := pf.MetaData().RowGroup(0).ColumnChunk(0)
	require.NoError(t, err)
	assert.Equal(t, "ZSTD", strings.ToUpper(cc.Compression().String()))
}

// requireKept checks that the files in both lists are the same, with the snapshot that added
// them and its commit time, and returns how many there are.
func requireKept(t *testing.T, before, after []warehouse.DataFile) int {
	t.Helper()
	old := map[string]warehouse.DataFile{}
	for _, f := range before {
		old[f.Path] = f
	}
	n := 0
	for _, f := range after {
		if o, ok := old[f.Path]; ok {
			require.Equal(t, o, f, "a file left alone keeps the commit that added it")
			n++
		}
	}
	return n
}

// The whole story: many small flushes, a compaction while a reader polls, more ingest, another
// compaction. Readers only ever see the same rows with the same transaction times; the offsets
// stay; ingest resumes after a compaction and stores every event once, without reading the
// merged files again; verify is clean throughout; replaced files go only after Retain.
func TestCompactKeepsRowsOffsetsAndTimes(t *testing.T) {
	ctx := context.Background()
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:24000]
	kit.Produce(t, addr, lines[:20000])
	wh := open(t)
	smallFlushes(t, addr, wh, nil)

	before := readState(t, wh)
	scanBefore := scanned(t, wh)
	offsets := map[string]warehouse.Offsets{}
	oldFiles := map[string][]warehouse.DataFile{}
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		tbl := load(t, wh, name)
		offsets[name] = warehouse.OffsetsOf(tbl)
		oldFiles[name], _ = warehouse.Files(ctx, tbl, 0)
	}
	require.Greater(t, before.EventFiles, 50, "many small files to merge")
	pinned, err := wh.Current(ctx)
	require.NoError(t, err)

	// A reader polls while the compaction runs: every state it sees has the same rows.
	stop := make(chan struct{})
	var seen []state
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s, err := tryReadState(wh)
			if !assert.NoError(t, err) {
				return
			}
			seen = append(seen, s)
		}
	}()
	res, err := compaction.Run(ctx, wh, compaction.Options{Merge: merge(t), OnCommit: session.DBFileHook(wh)})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	require.Len(t, res, 2)
	for _, r := range res {
		t.Logf("%s: %d -> %d files, %d -> %d bytes, %d rows, %s", r.Table, r.FilesBefore, r.FilesAfter, r.BytesBefore, r.BytesAfter, r.Rows, r.Duration)
		assert.NotZero(t, r.Snapshot, r.Table)
		assert.Less(t, r.FilesAfter, r.FilesBefore, r.Table)
		assert.Equal(t, r.FilesBefore-r.Replaced+r.Written, r.FilesAfter, r.Table)
		assert.Zero(t, r.Deleted, "replaced files stay for readers of earlier snapshots")
	}

	after := readState(t, wh)
	assert.Equal(t, res[0].FilesAfter, after.EventFiles)
	assert.Equal(t, before.Events, after.Events, "the same rows with the same transaction times")
	assert.Equal(t, before.Dead, after.Dead)
	assert.Equal(t, scanBefore, scanned(t, wh), "iceberg-go's scan reads the same rows")
	require.NotEmpty(t, seen)
	for _, s := range seen {
		assert.Equal(t, before.Events, s.Events, "a reader during the compaction")
		assert.Equal(t, before.Dead, s.Dead, "a reader during the compaction")
		assert.Contains(t, []int{before.EventFiles, after.EventFiles}, s.EventFiles, "the old files or the new, never a mix")
	}

	now, err := wh.Current(ctx)
	require.NoError(t, err)
	assert.Equal(t, pinned.KnownAt(nil), now.KnownAt(nil), "the warehouse knows what it knew, as of when it knew it")
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		tbl := load(t, wh, name)
		assert.Equal(t, offsets[name], warehouse.OffsetsOf(tbl), "the table's offsets stay")
		t.Logf("%s: %d files left alone", name, requireKept(t, pinned.Tables[name].Files, now.Tables[name].Files))
		cur := tbl.CurrentSnapshot()
		assert.Equal(t, table.OpReplace, cur.Summary.Operation)
		fromSummary := warehouse.Offsets{}
		for tp := range offsets[name] {
			v, ok := cur.Summary.Properties["ntm.kafka.offset."+tp.Topic+"."+strconv.Itoa(int(tp.Partition))]
			require.True(t, ok, "the compaction's summary repeats the offsets")
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			fromSummary[tp] = n
		}
		assert.Equal(t, offsets[name], fromSummary)
		files, err := warehouse.Files(ctx, tbl, 0)
		require.NoError(t, err)
		for _, f := range files {
			if f.Rewritten {
				requireFieldIDs(t, tbl, f.Path)
			}
		}
		for _, f := range oldFiles[name] {
			assert.FileExists(t, f.Path, "a reader of the old snapshot may still read it")
		}
		orphans, err := wh.Orphans(ctx, name, false)
		require.NoError(t, err)
		assert.Empty(t, orphans, "replaced files are not orphans")
	}
	kit.RequireIntact(t, wh)
	for _, l := range kit.RecordedLocations(t, wh.Dir()) {
		require.True(t, strings.HasPrefix(l, "file:///"), "the merged files too are recorded as URIs: %q", l)
	}

	// The database file for outside clients names the merged files.
	db, err := sql.Open("duckdb", wh.DBFile()+"?access_mode=read_only")
	require.NoError(t, err)
	fromFile, err := checksum(db, "events_log_data", "committed_at")
	db.Close()
	require.NoError(t, err)
	assert.Equal(t, before.Events, fromFile)

	// Ingest resumes from the offsets and stores the rest once; its event-id index takes the
	// merged files for what they are (the rows it had) and does not read them again.
	kit.Produce(t, addr, lines[20000:])
	var logs bytes.Buffer
	smallFlushes(t, addr, wh, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	wantEv, wantDl := kit.Judged(lines)
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, wantEv, gotEv, "every event once")
	require.Equal(t, wantDl, gotDl, "no false conflicts")
	assert.NotContains(t, logs.String(), "event-id index caught up")
	kit.RequireIntact(t, wh)

	// A second compaction merges the new small files with the merged ones (their rows keep
	// their transaction times through both), and deletes the files that both replaced once
	// they are older than Retain: in the folder the warehouse was moved to.
	require.NoError(t, wh.Close())
	moved := filepath.Join(t.TempDir(), "moved")
	require.NoError(t, os.Rename(wh.Dir(), moved))
	wh, err = warehouse.Open(ctx, moved, false)
	require.NoError(t, err)
	defer wh.Close()
	replaced, err := warehouse.Replaced(ctx, load(t, wh, warehouse.EventsLog))
	require.NoError(t, err)
	require.Len(t, replaced, 1)
	before = readState(t, wh)
	pinned, err = wh.Current(ctx)
	require.NoError(t, err)
	res2, err := compaction.Run(ctx, wh, compaction.Options{Merge: merge(t), Retain: time.Nanosecond})
	require.NoError(t, err)
	after = readState(t, wh)
	now, err = wh.Current(ctx)
	require.NoError(t, err)
	assert.Equal(t, pinned.KnownAt(nil), now.KnownAt(nil))
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		t.Logf("%s: %d files left alone by the second compaction", name, requireKept(t, pinned.Tables[name].Files, now.Tables[name].Files))
	}
	assert.Equal(t, before.Events, after.Events)
	assert.Equal(t, before.Dead, after.Dead)
	deleted := 0
	for i, r := range res2 {
		assert.Equal(t, res[i].Replaced+r.Replaced, r.Deleted, r.Table)
		deleted += r.Deleted
	}
	for _, paths := range replaced {
		for _, p := range paths {
			assert.NoFileExists(t, p)
		}
	}
	kit.RequireIntact(t, wh)
}

// A compaction races other writers. An ingest that commits while the compaction writes its
// files, or just before its catalog commit (the commit's snapshot assertion fails then), is
// kept: the compaction commits on top of it, without writing its files again, since ingest only
// adds files. Another compaction that replaced the same files first makes it fail cleanly.
func TestCompactRacesOtherWriters(t *testing.T) {
	ctx := context.Background()
	ingestMore := func(t *testing.T, addr string, wh *warehouse.Warehouse) {
		other, err := warehouse.Open(ctx, wh.Dir(), false)
		require.NoError(t, err)
		defer other.Close()
		smallFlushes(t, addr, other, nil)
	}
	compactToo := func(t *testing.T, addr string, wh *warehouse.Warehouse) {
		other, err := warehouse.Open(ctx, wh.Dir(), false)
		require.NoError(t, err)
		defer other.Close()
		_, err = compaction.Run(ctx, other, compaction.Options{Merge: merge(t), MinFiles: 2})
		require.NoError(t, err)
	}
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:12000]
	for _, tc := range []struct {
		name string
		// meanwhile runs once, while the compaction merges or before its first catalog commit.
		meanwhile    func(t *testing.T, addr string, wh *warehouse.Warehouse)
		atCommit     bool
		wantAttempts int
		wantErr      error
	}{
		{"ingest commits while merging", ingestMore, false, 1, nil},
		{"ingest commits before the catalog commit", ingestMore, true, 2, nil},
		{"another compaction while merging", compactToo, false, 1, compaction.ErrConflict},
		{"another compaction before the catalog commit", compactToo, true, 2, compaction.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := kit.StartBroker(t)
			kit.Produce(t, addr, lines[:8000])
			wh := open(t)
			smallFlushes(t, addr, wh, nil)
			kit.Produce(t, addr, lines[8000:])
			var before state
			if tc.wantErr != nil {
				before = readState(t, wh)
			}

			var once sync.Once
			meanwhile := func() { once.Do(func() { tc.meanwhile(t, addr, wh) }) }
			inner := merge(t)
			o := compaction.Options{MinFiles: 2, Merge: func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error) {
				if !tc.atCommit {
					meanwhile()
				}
				return inner(ctx, out, sources, meta)
			}}
			if tc.atCommit {
				compaction.BeforeCommit(&o, meanwhile)
			}
			res, err := compaction.Run(ctx, wh, o)
			require.NotEmpty(t, res)
			assert.Equal(t, tc.wantAttempts, res[0].Attempts)
			n := len(lines)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				n = 8000
				after := readState(t, wh)
				assert.Equal(t, before.Events, after.Events, "the other compaction's result stands")
				assert.Equal(t, before.Dead, after.Dead)
				assert.Less(t, after.EventFiles, before.EventFiles)
			} else {
				require.NoError(t, err)
				assert.NotZero(t, res[0].Snapshot)
			}
			// Whoever won, every event is there once and nothing is left over.
			wantEv, wantDl := kit.Judged(lines[:n])
			gotEv, gotDl := kit.Counts(t, wh)
			require.Equal(t, wantEv, gotEv)
			require.Equal(t, wantDl, gotDl)
			kit.RequireIntact(t, wh)
		})
	}
}

func TestCompactLeavesFewFilesAlone(t *testing.T) {
	ctx := context.Background()
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	kit.Produce(t, addr, lines[:3000])
	wh := open(t)
	_, err := ingest.Run(ctx, ingest.Config{Brokers: []string{addr}, Topics: []string{kit.Topic}, Group: "g",
		Warehouse: wh, UntilCaughtUp: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	snaps := len(load(t, wh, warehouse.EventsLog).Metadata().Snapshots())

	res, err := compaction.Run(ctx, wh, compaction.Options{Merge: merge(t)})
	require.NoError(t, err)
	for _, r := range res {
		assert.Zero(t, r.Snapshot, "one flush left one file per partition: nothing to merge")
		assert.Equal(t, r.FilesBefore, r.FilesAfter)
	}
	assert.Len(t, load(t, wh, warehouse.EventsLog).Metadata().Snapshots(), snaps, "no snapshot")

	_, err = compaction.Run(ctx, wh, compaction.Options{})
	require.Error(t, err, "no merge function")
	_, err = compaction.Run(ctx, wh, compaction.Options{Tables: []string{"nope"}, Merge: merge(t)})
	require.Error(t, err)
}
