package warehouse

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
)

// Compaction merges a table's small data files, per partition, into files near a target size
// and commits them as one Iceberg "replace" snapshot (iceberg-go's RewriteFiles: the old files
// leave and the new ones arrive in the same snapshot, and the table's data is unchanged). It
// changes how the rows are stored, never which rows there are or what the warehouse knew when:
//
//   - the Kafka offsets stay in the table properties, and the snapshot summary repeats them;
//   - each row keeps its transaction time, the commit time of the snapshot that first stored
//     it: a merged events_log file records its rows' commit times (CommitTimesKey), and the
//     summary records each merged file's latest one (committedAtPrefix), which Files reports
//     as its CommittedAt;
//   - the replaced files stay on disk for readers that pinned an older snapshot, and are
//     deleted by a later compaction once they have been out of the table for Retain.

// Keys of a compaction snapshot's summary.
const (
	// operationKey marks the snapshots of ntm's own maintenance operations.
	operationKey     = "ntm.operation"
	operationCompact = "compact"
	// committedAtPrefix + a merged file's base name holds the latest commit time of its rows
	// (milliseconds since the epoch).
	committedAtPrefix = "ntm.committed_at."
)

// CommitTimesKey is the Parquet key-value metadata of a merged events_log file that keeps its
// rows' transaction times: "ingested_at:committed_at" pairs (microseconds and milliseconds
// since the epoch) separated by commas, one per commit whose rows the file holds. An ingest
// flush stamps all its rows with one ingested_at, so a row's ingested_at names its commit.
const CommitTimesKey = "ntm.commit_times"

// ErrCompactConflict means that another writer replaced files that the compaction was about
// to replace (another compaction ran at the same time). Nothing was committed, the new files
// were removed, and the table is as the other writer left it.
var ErrCompactConflict = errors.New("compaction conflict: files to be replaced have left the table")

// MergeFunc writes the rows of the source files, in the order given, into a new Parquet file
// at out with the table's field IDs, adds meta to the file's key-value metadata, fsyncs the
// file and returns its size. ntm uses warehouse/batch.Merge.
type MergeFunc func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error)

// CompactOptions configure Compact.
type CompactOptions struct {
	// Tables to compact; both when empty.
	Tables []string
	// TargetSize is the size merged files aim for (default 128 MiB). Files smaller than 3/4 of
	// it are merged; bigger ones are left alone.
	TargetSize int64
	// MinFiles is the number of small files a partition needs before it is compacted
	// (default 5): fewer are not worth rewriting.
	MinFiles int
	// Retain is how long files replaced by a compaction stay on disk for readers that pinned
	// an older snapshot (default 1 hour). Compact deletes those older than that.
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

func (o *CompactOptions) defaults() {
	if len(o.Tables) == 0 {
		o.Tables = []string{EventsLog, DeadLetters}
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

// TableCompaction says what Compact did to one table.
type TableCompaction struct {
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

// Compact merges the small files of the tables. Each table gets at most one new snapshot.
//
// Durability: the merged files are fsynced by Merge, and the file system is synced (syncfs)
// before and after the catalog commit, as in Commit: a snapshot never names a file that is not
// on stable storage.
//
// Concurrency: readers see the old snapshot until the commit and the new one after it, with
// the same rows. Each commit attempt is built on the table as it is loaded then and asserts
// that snapshot, so it never overwrites a concurrent ingest commit: on a conflict it reloads
// the table and, since ingest only adds files, builds the same replacement on the new snapshot
// (the merged files are not written again); if the files it replaces have left the table, it
// fails with ErrCompactConflict. The merged files carry the name of a writer (NewWriter) that
// Compact holds until it returns, so that an ingest starting meanwhile does not take them for
// a crashed writer's orphans.
func (w *Warehouse) Compact(ctx context.Context, o CompactOptions) ([]TableCompaction, error) {
	o.defaults()
	if o.Merge == nil {
		return nil, errors.New("BUG: warehouse: CompactOptions.Merge is not set")
	}
	for _, name := range o.Tables {
		if _, err := Columns(name); err != nil {
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
	var out []TableCompaction
	committed := false
	for _, name := range o.Tables {
		tc, err := w.compactTable(ctx, name, wr, o)
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
		n, err := w.deleteReplaced(ctx, out[i].Table, o.Retain)
		out[i].Deleted = n
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// liveFile is a data file of the current snapshot with its manifest entry.
type liveFile struct {
	DataFile
	df  iceberg.DataFile
	seq int64 // data sequence number: the order of the commits
}

// liveFiles lists the data files of the table's current snapshot with their Iceberg entries.
func liveFiles(ctx context.Context, t *table.Table) ([]liveFile, error) {
	var out []liveFile
	err := eachFile(ctx, t, 0, func(f DataFile, e iceberg.ManifestEntry) {
		out = append(out, liveFile{DataFile: f, df: e.DataFile(), seq: e.SequenceNum()})
	})
	return out, err
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
func plan(files []liveFile, o CompactOptions) [][]liveFile {
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

func (w *Warehouse) compactTable(ctx context.Context, name string, wr *Writer, o CompactOptions) (TableCompaction, error) {
	start := time.Now()
	tc := TableCompaction{Table: name}
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
		g, err := w.commitTimes(name, srcs)
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
			return tc, fmt.Errorf("warehouse: compact %s: %w", name, err)
		}
		g.size = size
		written = append(written, g.out)
	}

	snap, attempts, err := w.commitCompaction(ctx, name, groups, o)
	tc.Attempts = attempts
	if err != nil {
		// The merged files are removed unless the commit may have succeeded after all: then
		// they stay, and if they are not in the table they are orphans of a dead writer that
		// the next ingest or compaction removes.
		if errors.Is(err, ErrCompactConflict) || errors.Is(err, errNotCommitted) {
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
func (w *Warehouse) commitTimes(name string, srcs []liveFile) (*mergeGroup, error) {
	g := &mergeGroup{}
	times := map[int64]int64{} // ingested_at µs → committed_at ms
	for _, s := range srcs {
		if name != EventsLog {
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
	if name == EventsLog {
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
		g.meta = map[string]string{CommitTimesKey: b.String()}
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
		return nil, false, fmt.Errorf("warehouse: compact: open %s: %w", s.Path, err)
	}
	defer pf.Close()
	md := pf.MetaData()
	if s.Rewritten {
		v := md.KeyValueMetadata().FindValue(CommitTimesKey)
		if v == nil {
			return nil, false, nil
		}
		times, err := ParseCommitTimes(*v)
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
			return nil, false, fmt.Errorf("warehouse: compact: %s: %w", s.Path, err)
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

// ParseCommitTimes reads a CommitTimesKey value: ingested_at (µs) → committed_at (ms).
func ParseCommitTimes(v string) (map[int64]int64, error) {
	out := map[int64]int64{}
	if v == "" {
		return out, nil
	}
	for _, pair := range strings.Split(v, ",") {
		a, b, ok := strings.Cut(pair, ":")
		in, err1 := strconv.ParseInt(a, 10, 64)
		at, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("warehouse: bad commit time %q", pair)
		}
		out[in] = at
	}
	return out, nil
}

// errNotCommitted means that the compaction's commit failed and is known not to have
// happened.
var errNotCommitted = errors.New("not committed")

// commitCompaction replaces each group's sources with its merged file in one snapshot.
func (w *Warehouse) commitCompaction(ctx context.Context, name string, groups []*mergeGroup, o CompactOptions) (int64, int, error) {
	token := strconv.FormatUint(rand.Uint64(), 36)
	summary := iceberg.Properties{operationKey: operationCompact, commitKey: token}
	for _, g := range groups {
		summary[committedAtPrefix+filepath.Base(g.out)] = strconv.FormatInt(g.latest.UnixMilli(), 10)
	}
	attempts := 0
	backoff := 5 * time.Millisecond
	var lastErr error
	for attempts < 30 {
		if err := ctx.Err(); err != nil {
			return 0, attempts, w.notCommitted(name, token, err)
		}
		t, err := w.Load(ctx, name)
		if err != nil {
			return 0, attempts, err
		}
		if attempts > 0 {
			if id, ok := findCommit(t, token); ok {
				return id, attempts, nil
			}
		}
		attempts++
		snap, retry, err := w.tryCompaction(ctx, t, groups, summary, o)
		if err == nil {
			return snap, attempts, nil
		}
		if errors.Is(err, ErrCompactConflict) {
			return 0, attempts, err
		}
		if !retry {
			return 0, attempts, fmt.Errorf("warehouse: compact %s: %w (%w)", name, err, errNotCommitted)
		}
		lastErr = err
		d := backoff + time.Duration(rand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return 0, attempts, w.notCommitted(name, token, ctx.Err())
		case <-time.After(d):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
	return 0, attempts, w.notCommitted(name, token,
		fmt.Errorf("warehouse: compact %s failed after %d attempts: %w", name, attempts, lastErr))
}

// notCommitted wraps err with errNotCommitted when the table shows that the commit with token
// did not happen.
func (w *Warehouse) notCommitted(name, token string, err error) error {
	t, lerr := w.Load(context.Background(), name)
	if lerr != nil {
		return err
	}
	if _, ok := findCommit(t, token); ok {
		return fmt.Errorf("%w (the compaction was committed nevertheless)", err)
	}
	return fmt.Errorf("%w (%w)", err, errNotCommitted)
}

// tryCompaction makes one attempt on the table as loaded.
func (w *Warehouse) tryCompaction(ctx context.Context, t *table.Table, groups []*mergeGroup, summary iceberg.Properties, o CompactOptions) (snap int64, retry bool, err error) {
	live, err := liveFiles(ctx, t)
	if err != nil {
		return 0, false, err
	}
	byPath := make(map[string]iceberg.DataFile, len(live))
	for _, f := range live {
		byPath[f.Path] = f.df
	}
	fsys, err := t.FS(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("warehouse: %w", err)
	}
	txn := t.NewTransaction()
	if err := txn.AssertRefSnapshotID(""); err != nil {
		return 0, false, fmt.Errorf("assert snapshot: %w", err)
	}
	props := iceberg.Properties{}
	for k, v := range summary {
		props[k] = v
	}
	// The offsets do not move: the summary repeats the table's, so that a reader of the latest
	// snapshot's summary finds them there too.
	for tp, n := range OffsetsOf(t) {
		props[offsetKey(tp)] = strconv.FormatInt(n, 10)
	}
	rw := txn.NewRewrite(props)
	for _, g := range groups {
		for _, s := range g.sources {
			df, ok := byPath[s.Path]
			if !ok {
				return 0, false, fmt.Errorf("%w: %s", ErrCompactConflict, s.Path)
			}
			rw.DeleteFile(df)
		}
		df, err := table.FileToDataFile(ctx, fsys, g.out, t.Schema(), t.Spec(), 0, t.Properties())
		if err != nil {
			return 0, false, fmt.Errorf("merged file %s: %w", g.out, err)
		}
		rw.AddDataFile(df)
	}
	if err := rw.Commit(ctx); err != nil {
		return 0, false, fmt.Errorf("stage rewrite: %w", err)
	}
	if err := w.sync(); err != nil {
		return 0, false, err
	}
	if o.beforeCommit != nil {
		o.beforeCommit()
	}
	nt, err := txn.Commit(ctx)
	if err != nil {
		return 0, true, fmt.Errorf("commit: %w", err)
	}
	if err := w.sync(); err != nil {
		return 0, true, err
	}
	if s := nt.CurrentSnapshot(); s != nil {
		return s.SnapshotID, false, nil
	}
	return 0, false, nil
}

// Replaced lists, per compaction snapshot in the table's history, the data files it replaced.
// Those files are no longer in the table but are not orphans: readers that pinned an earlier
// snapshot may still read them until Compact deletes them.
func Replaced(ctx context.Context, t *table.Table) (map[int64][]string, error) {
	out := map[int64][]string{}
	fsys, err := t.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	for s := t.CurrentSnapshot(); s != nil; {
		if s.Summary != nil && s.Summary.Properties[operationKey] == operationCompact {
			manifests, err := s.Manifests(fsys)
			if err != nil {
				return nil, fmt.Errorf("warehouse: manifests of %s: %w", t.Identifier(), err)
			}
			paths := []string{}
			for _, m := range manifests {
				// The entries of the files a snapshot removed are in the manifests it wrote.
				if m.ManifestContent() != iceberg.ManifestContentData || m.SnapshotID() != s.SnapshotID {
					continue
				}
				entries, err := m.FetchEntries(fsys, false)
				if err != nil {
					return nil, fmt.Errorf("warehouse: manifest %s: %w", m.FilePath(), err)
				}
				for _, e := range entries {
					if e.Status() == iceberg.EntryStatusDELETED && e.SnapshotID() == s.SnapshotID {
						paths = append(paths, LocalPath(e.DataFile().FilePath()))
					}
				}
			}
			out[s.SnapshotID] = paths
		}
		if s.ParentSnapshotID == nil {
			break
		}
		s = t.Metadata().SnapshotByID(*s.ParentSnapshotID)
	}
	return out, nil
}

// deleteReplaced deletes the files that compactions replaced at least retain ago.
func (w *Warehouse) deleteReplaced(ctx context.Context, name string, retain time.Duration) (int, error) {
	t, err := w.Load(ctx, name)
	if err != nil {
		return 0, err
	}
	replaced, err := Replaced(ctx, t)
	if err != nil {
		return 0, err
	}
	files, err := Files(ctx, t, 0)
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
				return n, fmt.Errorf("BUG: warehouse: %s was replaced by snapshot %d but is in the table", p, id)
			}
			err := os.Remove(p)
			switch {
			case err == nil:
				n++
			case !errors.Is(err, os.ErrNotExist):
				return n, fmt.Errorf("warehouse: delete replaced file: %w", err)
			}
		}
	}
	return n, nil
}
