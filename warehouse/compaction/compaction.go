// Package compaction merges a warehouse table's small data files, per partition, into files
// near a target size and commits them as one Iceberg "replace" snapshot (iceberg-go's
// RewriteFiles: the old files leave and the new ones arrive in the same snapshot, and the
// table's data is unchanged). It changes how the rows are stored, never which rows there are
// or what the warehouse knew when:
//
//   - the Kafka offsets stay in the table properties, and the snapshot summary repeats them;
//   - each row keeps its transaction time, the commit time of the snapshot that first stored
//     it: a merged events_log file records its rows' commit times (warehouse.CommitTimesKey),
//     and the summary records each merged file's latest one (warehouse.CompactionSummary),
//     which warehouse.Files reports as its CommittedAt;
//   - the replaced files stay on disk for readers that pinned an older snapshot, and are
//     deleted by a later compaction once they have been out of the table for Retain.
//
// The snapshot format is the warehouse's (package warehouse reads it: Files, Replaced,
// Orphans); the catalog commit goes through warehouse.RetryCommit, like the ingest commits.
package compaction

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// ErrConflict means that another writer replaced files that the compaction was about to
// replace (another compaction ran at the same time). Nothing was committed, the new files
// were removed, and the table is as the other writer left it.
var ErrConflict = errors.New("compaction conflict: files to be replaced have left the table")

// MergeFunc writes the rows of the source files, in the order given, into a new Parquet file
// at out with the table's field IDs, adds meta to the file's key-value metadata, fsyncs the
// file and returns its size. ntm uses warehouse/batch.Merge.
type MergeFunc func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error)

// Options configure Run.
type Options struct {
	// Tables to compact; both when empty.
	Tables []string
	// TargetSize is the size merged files aim for (default 128 MiB). Files smaller than 3/4 of
	// it are merged; bigger ones are left alone.
	TargetSize int64
	// MinFiles is the number of small files a partition needs before it is compacted
	// (default 5): fewer are not worth rewriting.
	MinFiles int
	// Retain is how long files replaced by a compaction stay on disk for readers that pinned
	// an older snapshot (default 1 hour). Run deletes those older than that.
	Retain time.Duration
	// Merge writes a merged file. Required.
	Merge MergeFunc
	// OnCommit, when set, runs after a compaction committed and before replaced files are
	// deleted: ntm rewrites the DuckDB database file there, which names data files.
	OnCommit func(ctx context.Context) error

	// beforeCommit, when set, runs before each catalog commit: tests commit there as another
	// writer would.
	beforeCommit func()
}

func (o *Options) defaults() {
	if len(o.Tables) == 0 {
		o.Tables = []string{warehouse.EventsLog, warehouse.DeadLetters}
	}
	if o.TargetSize <= 0 {
		o.TargetSize = 128 << 20
	}
	if o.MinFiles <= 0 {
		o.MinFiles = 5
	}
	if o.Retain <= 0 {
		o.Retain = time.Hour
	}
}

// Result says what Run did to one table.
type Result struct {
	Table string
	// The data files of the snapshot compacted, and their total size, before and after (not
	// counting files other writers committed meanwhile).
	FilesBefore, FilesAfter int
	BytesBefore, BytesAfter int64
	Rows                    int64 // rows in the table (the same before and after)
	Replaced, Written       int   // files merged, and files they were merged into
	Snapshot                int64 // the compaction's snapshot, 0 when there was nothing to merge
	Attempts                int   // catalog commits tried
	Deleted                 int   // replaced files (of this or earlier compactions) deleted from disk
	Duration                time.Duration
}

// Run merges the small files of the tables of w. Each table gets at most one new snapshot.
//
// Durability: the merged files are fsynced by Merge, and the file system is synced (syncfs)
// before and after the catalog commit, as in warehouse.Commit (both commit through
// warehouse.RetryCommit): a snapshot never names a file that is not on stable storage.
//
// Concurrency: readers see the old snapshot until the commit and the new one after it, with
// the same rows. Each commit attempt is built on the table as it is loaded then and asserts
// that snapshot, so it never overwrites a concurrent ingest commit: on a conflict it reloads
// the table and, since ingest only adds files, builds the same replacement on the new snapshot
// (the merged files are not written again); if the files it replaces have left the table, it
// fails with ErrConflict. The merged files carry the name of a writer (warehouse.NewWriter)
// that Run holds until it returns, so that an ingest starting meanwhile does not take them for
// a crashed writer's orphans.
func Run(ctx context.Context, w *warehouse.Warehouse, o Options) ([]Result, error) {
	o.defaults()
	if o.Merge == nil {
		return nil, errors.New("BUG: compaction: Options.Merge is not set")
	}
	for _, name := range o.Tables {
		if _, err := warehouse.Columns(name); err != nil {
			return nil, err
		}
	}
	wr, err := w.NewWriter()
	if err != nil {
		return nil, err
	}
	defer wr.Close()
	// A compaction (or ingest) that crashed before its commit left files no snapshot names.
	if _, err := w.RemoveOrphans(ctx); err != nil {
		return nil, err
	}
	var out []Result
	committed := false
	for _, name := range o.Tables {
		tc, err := compactTable(ctx, w, name, wr, o)
		out = append(out, tc)
		if err != nil {
			return out, err
		}
		committed = committed || tc.Snapshot != 0
	}
	if committed && o.OnCommit != nil {
		// Whatever names data files outside the tables (the database file for outside
		// clients) must name the new ones before the replaced files can go.
		if err := o.OnCommit(ctx); err != nil {
			return out, fmt.Errorf("compaction committed, but its commit hook failed: %w", err)
		}
	}
	for i := range out {
		n, err := deleteReplaced(ctx, w, out[i].Table, o.Retain)
		out[i].Deleted = n
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// liveFile is a data file of the current snapshot with its manifest entry.
type liveFile struct {
	warehouse.DataFile
	df  iceberg.DataFile
	seq int64 // data sequence number: the order of the commits
}

// liveFiles lists the data files of the table's current snapshot with their Iceberg entries.
func liveFiles(ctx context.Context, t *table.Table) ([]liveFile, error) {
	entries, err := warehouse.FileEntries(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make([]liveFile, len(entries))
	for i, e := range entries {
		out[i] = liveFile{DataFile: e.DataFile, df: e.Entry.DataFile(), seq: e.Entry.SequenceNum()}
	}
	return out, nil
}

// mergeGroup is one merged file to be: its sources, in commit order.
type mergeGroup struct {
	sources []liveFile
	meta    map[string]string
	latest  time.Time // the latest commit time of its rows
	out     string
	size    int64
}

// plan groups the small files of each partition, in commit order, into groups of about the
// target size; a partition with fewer than MinFiles small files is left alone.
func plan(files []liveFile, o Options) [][]liveFile {
	small := o.TargetSize / 4 * 3
	parts := map[string][]liveFile{}
	var keys []string
	for _, f := range files {
		if f.Size >= small {
			continue
		}
		k := partitionKey(f.df)
		if _, ok := parts[k]; !ok {
			keys = append(keys, k)
		}
		parts[k] = append(parts[k], f)
	}
	sort.Strings(keys)
	var groups [][]liveFile
	for _, k := range keys {
		fs := parts[k]
		if len(fs) < o.MinFiles {
			continue
		}
		sort.Slice(fs, func(i, j int) bool {
			if fs[i].seq != fs[j].seq {
				return fs[i].seq < fs[j].seq
			}
			return fs[i].Path < fs[j].Path
		})
		var cur []liveFile
		var size int64
		flush := func() {
			if len(cur) >= 2 {
				groups = append(groups, cur)
			}
			cur, size = nil, 0
		}
		for _, f := range fs {
			if len(cur) > 0 && size+f.Size > o.TargetSize {
				flush()
			}
			cur = append(cur, f)
			size += f.Size
		}
		flush()
	}
	return groups
}

// partitionKey names a file's partition: its spec and partition values.
func partitionKey(df iceberg.DataFile) string {
	p := df.Partition()
	ids := make([]int, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "%d", df.SpecID())
	for _, id := range ids {
		fmt.Fprintf(&b, "/%d=%v", id, p[id])
	}
	return b.String()
}

func compactTable(ctx context.Context, w *warehouse.Warehouse, name string, wr *warehouse.Writer, o Options) (Result, error) {
	start := time.Now()
	tc := Result{Table: name}
	t, err := w.Load(ctx, name)
	if err != nil {
		return tc, err
	}
	files, err := liveFiles(ctx, t)
	if err != nil {
		return tc, err
	}
	tc.FilesBefore, tc.FilesAfter = len(files), len(files)
	for _, f := range files {
		tc.BytesBefore += f.Size
		tc.Rows += f.Records
	}
	tc.BytesAfter = tc.BytesBefore
	var groups []*mergeGroup
	for _, srcs := range plan(files, o) {
		g, err := commitTimes(name, srcs)
		if err != nil {
			return tc, err
		}
		if len(g.sources) >= 2 {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		tc.Duration = time.Since(start)
		return tc, nil
	}

	var written []string
	removeWritten := func() {
		for _, p := range written {
			_ = os.Remove(p)
		}
	}
	for i, g := range groups {
		paths := make([]string, len(g.sources))
		for j, s := range g.sources {
			paths[j] = s.Path
		}
		// Beside its sources: in their partition folder, named after our writer.
		g.out = filepath.Join(filepath.Dir(paths[0]), fmt.Sprintf("%s-c%06d.parquet", wr.ID, i+1))
		size, err := o.Merge(ctx, g.out, paths, g.meta)
		if err != nil {
			removeWritten()
			return tc, fmt.Errorf("compaction: %s: %w", name, err)
		}
		g.size = size
		written = append(written, g.out)
	}

	snap, attempts, err := commit(ctx, w, name, groups, o)
	tc.Attempts = attempts
	if err != nil {
		// The merged files are removed unless the commit may have succeeded after all: then
		// they stay, and if they are not in the table they are orphans of a dead writer that
		// the next ingest or compaction removes.
		if errors.Is(err, ErrConflict) || errors.Is(err, errNotCommitted) {
			removeWritten()
		}
		return tc, err
	}
	tc.Snapshot = snap
	for _, g := range groups {
		tc.Replaced += len(g.sources)
		tc.Written++
		tc.FilesAfter += 1 - len(g.sources)
		tc.BytesAfter += g.size
		for _, s := range g.sources {
			tc.BytesAfter -= s.Size
		}
	}
	tc.Duration = time.Since(start)
	return tc, nil
}

// commitTimes works out the metadata that keeps the transaction times of a group's rows.
// Sources whose commit times cannot be told apart from another source's (two commits that
// stamped their rows with the same microsecond) are left out of the group.
func commitTimes(name string, srcs []liveFile) (*mergeGroup, error) {
	g := &mergeGroup{}
	times := map[int64]int64{} // ingested_at µs → committed_at ms
	for _, s := range srcs {
		if name != warehouse.EventsLog {
			g.sources = append(g.sources, s)
			continue
		}
		own, ok, err := rowCommitTimes(s)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		clash := false
		for in, at := range own {
			if have, ok := times[in]; ok && have != at {
				clash = true
			}
		}
		if clash {
			continue
		}
		for in, at := range own {
			times[in] = at
		}
		g.sources = append(g.sources, s)
	}
	for _, s := range g.sources {
		if s.CommittedAt.After(g.latest) {
			g.latest = s.CommittedAt
		}
	}
	if name == warehouse.EventsLog {
		keys := make([]int64, 0, len(times))
		for k := range times {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(k, 10))
			b.WriteByte(':')
			b.WriteString(strconv.FormatInt(times[k], 10))
		}
		g.meta = map[string]string{warehouse.CommitTimesKey: b.String()}
	}
	return g, nil
}

// rowCommitTimes reads the commit times of an events_log file's rows: the map a merged file
// carries, or for a file of one ingest flush, its one ingested_at (from the column statistics)
// and its snapshot's commit time. ok is false when the file says neither (it is then not
// merged).
func rowCommitTimes(s liveFile) (map[int64]int64, bool, error) {
	pf, err := file.OpenParquetFile(s.Path, false)
	if err != nil {
		return nil, false, fmt.Errorf("compaction: open %s: %w", s.Path, err)
	}
	defer pf.Close()
	md := pf.MetaData()
	if s.Rewritten {
		v := md.KeyValueMetadata().FindValue(warehouse.CommitTimesKey)
		if v == nil {
			return nil, false, nil
		}
		times, err := warehouse.ParseCommitTimes(*v)
		return times, err == nil, nil
	}
	col := md.Schema.ColumnIndexByName("ingested_at")
	if col < 0 || md.NumRowGroups() == 0 {
		return nil, false, nil
	}
	var lo, hi int64
	for i := range md.NumRowGroups() {
		cc, err := md.RowGroup(i).ColumnChunk(col)
		if err != nil {
			return nil, false, fmt.Errorf("compaction: %s: %w", s.Path, err)
		}
		st, err := cc.Statistics()
		if err != nil || st == nil {
			return nil, false, nil
		}
		is, ok := st.(*metadata.Int64Statistics)
		if !ok || !is.HasMinMax() {
			return nil, false, nil
		}
		if i == 0 || is.Min() < lo {
			lo = is.Min()
		}
		if i == 0 || is.Max() > hi {
			hi = is.Max()
		}
	}
	if lo != hi || s.CommittedAt.IsZero() {
		return nil, false, nil
	}
	return map[int64]int64{lo: s.CommittedAt.UnixMilli()}, true, nil
}

// errNotCommitted means that the compaction's commit failed and is known not to have
// happened.
var errNotCommitted = errors.New("not committed")

// commit replaces each group's sources with its merged file in one snapshot, through
// warehouse.RetryCommit: each attempt is staged on the table as reloaded, and an attempt whose
// outcome was unknown is recognized by the compaction's token.
func commit(ctx context.Context, w *warehouse.Warehouse, name string, groups []*mergeGroup, o Options) (int64, int, error) {
	token := warehouse.NewCommitToken()
	latest := make(map[string]time.Time, len(groups))
	for _, g := range groups {
		latest[g.out] = g.latest
	}
	res, err := w.RetryCommit(ctx, name, warehouse.Retry{What: "compact " + name, Token: token},
		func(t *table.Table) (*table.Transaction, error) {
			txn, err := stage(ctx, t, groups, warehouse.CompactionSummary(t, token, latest))
			if err != nil {
				if errors.Is(err, ErrConflict) {
					return nil, err
				}
				return nil, fmt.Errorf("compaction: %s: %w (%w)", name, err, errNotCommitted)
			}
			if o.beforeCommit != nil {
				o.beforeCommit()
			}
			return txn, nil
		})
	if err != nil && !errors.Is(err, ErrConflict) && !errors.Is(err, errNotCommitted) {
		// The context's, a failed load or sync, or attempts exhausted: the table tells whether
		// the last attempt happened.
		err = notCommitted(w, name, token, err)
	}
	return res.Snapshot, res.Attempts, err
}

// notCommitted wraps err with errNotCommitted when the table shows that the commit with token
// did not happen.
func notCommitted(w *warehouse.Warehouse, name, token string, err error) error {
	t, lerr := w.Load(context.Background(), name)
	if lerr != nil {
		return err
	}
	if _, ok := warehouse.FindCommit(t, token); ok {
		return fmt.Errorf("%w (the compaction was committed nevertheless)", err)
	}
	return fmt.Errorf("%w (%w)", err, errNotCommitted)
}

// stage builds one attempt on the table as loaded: it asserts the table's snapshot and
// replaces each group's sources, which must all still be in the table, with its merged file.
func stage(ctx context.Context, t *table.Table, groups []*mergeGroup, summary iceberg.Properties) (*table.Transaction, error) {
	live, err := liveFiles(ctx, t)
	if err != nil {
		return nil, err
	}
	byPath := make(map[string]iceberg.DataFile, len(live))
	for _, f := range live {
		byPath[f.Path] = f.df
	}
	fsys, err := t.FS(ctx)
	if err != nil {
		return nil, err
	}
	txn := t.NewTransaction()
	if err := txn.AssertRefSnapshotID(""); err != nil {
		return nil, fmt.Errorf("assert snapshot: %w", err)
	}
	rw := txn.NewRewrite(summary)
	for _, g := range groups {
		for _, s := range g.sources {
			df, ok := byPath[s.Path]
			if !ok {
				return nil, fmt.Errorf("%w: %s", ErrConflict, s.Path)
			}
			rw.DeleteFile(df)
		}
		// The metadata records the merged file as a file:// URI under the table location.
		loc, err := warehouse.FileURI(ctx, t, g.out)
		if err != nil {
			return nil, err
		}
		df, err := table.FileToDataFile(ctx, fsys, loc, t.Schema(), t.Spec(), 0, t.Properties())
		if err != nil {
			return nil, fmt.Errorf("merged file %s: %w", g.out, err)
		}
		rw.AddDataFile(df)
	}
	if err := rw.Commit(ctx); err != nil {
		return nil, fmt.Errorf("stage rewrite: %w", err)
	}
	return txn, nil
}

// deleteReplaced deletes the files that compactions replaced at least retain ago.
func deleteReplaced(ctx context.Context, w *warehouse.Warehouse, name string, retain time.Duration) (int, error) {
	t, err := w.Load(ctx, name)
	if err != nil {
		return 0, err
	}
	replaced, err := warehouse.Replaced(ctx, t)
	if err != nil {
		return 0, err
	}
	files, err := warehouse.Files(ctx, t, 0)
	if err != nil {
		return 0, err
	}
	live := make(map[string]bool, len(files))
	for _, f := range files {
		live[f.Path] = true
	}
	n := 0
	for id, paths := range replaced {
		s := t.Metadata().SnapshotByID(id)
		if s == nil || time.Since(time.UnixMilli(s.TimestampMs)) < retain {
			continue
		}
		for _, p := range paths {
			if live[p] {
				return n, fmt.Errorf("BUG: compaction: %s was replaced by snapshot %d but is in the table", p, id)
			}
			err := os.Remove(p)
			switch {
			case err == nil:
				n++
			case !errors.Is(err, os.ErrNotExist):
				return n, fmt.Errorf("compaction: delete replaced file: %w", err)
			}
		}
	}
	return n, nil
}
