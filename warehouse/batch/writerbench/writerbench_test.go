package writerbench_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch/writerbench"
)

// loadOnce loads scale small once per test binary: about 190 thousand events in 28 typed
// tables, 1.1 times what one ingest flush (64 MiB of events) holds.
var loadOnce = sync.OnceValues(func() (*writerbench.Data, error) {
	dir, err := os.MkdirTemp("", "writerbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	return writerbench.Load(context.Background(), dir, memory.NewGoAllocator(),
		writerbench.Options{Scale: generate.Small, Seed: 1})
})

func load(tb testing.TB) *writerbench.Data {
	tb.Helper()
	d, err := loadOnce()
	require.NoError(tb, err)
	return d
}

// writers are every candidate of this build, the tuned production writer first; their Close
// runs at the end of tb.
func writers(tb testing.TB) []writerbench.Writer {
	tb.Helper()
	duck, err := writerbench.DuckDBWriters(context.Background())
	require.NoError(tb, err)
	ws := append(writerbench.Writers(), duck...)
	tb.Cleanup(func() {
		for _, w := range ws {
			if w.Close != nil {
				require.NoError(tb, w.Close())
			}
		}
	})
	return ws
}

// workloads are the tables the benchmark writes: the flow type that is half of all rows, the
// widest type (with a list column), a narrow high-volume type, and every type of a flush, one
// file each, as a flush writes them.
func workloads(d *writerbench.Data) []workload {
	one := func(name string, typ events.Type) workload {
		return workload{name, []*writerbench.Table{d.Table(typ)}}
	}
	return []workload{
		one("dossier", events.DossierCompleted),
		one("admin_unit_wide", events.AdminUnitRegistered),
		one("survey_response_narrow", events.SurveyResponse),
		{"mix", d.Tables},
	}
}

type workload struct {
	name   string
	tables []*writerbench.Table
}

func (w workload) rows() (n int64) {
	for _, t := range w.tables {
		n += t.Rows()
	}
	return n
}

func (w workload) ndjson() (n int64) {
	for _, t := range w.tables {
		n += t.NDJSONBytes
	}
	return n
}

// BenchmarkWriter writes each workload with each writer. One op writes the workload's files.
// Besides time and Go allocations it reports rows/s, the output bytes and their ratio to the
// NDJSON, CPU time per row of the whole process (DuckDB's threads included; on a shared
// machine it varies less than wall time), and the peak RSS of one op above the RSS before it
// (VmHWM after resetting it through /proc/self/clear_refs).
// Run it as ntm-bench does:
//
//	go test -tags duckdb_arrow -run '^$' -bench Writer -benchtime 3x ./warehouse/batch/writerbench/
func BenchmarkWriter(b *testing.B) {
	d := load(b)
	ctx := context.Background()
	for _, wl := range workloads(d) {
		b.Run(wl.name, func(b *testing.B) {
			for _, w := range writerNames(b) {
				b.Run(w, func(b *testing.B) { benchWriter(b, ctx, wl, w) })
			}
		})
	}
}

// writerNamed opens the writer of that name afresh.
func writerNamed(b *testing.B, name string) writerbench.Writer {
	for _, w := range writers(b) {
		if w.Name == name {
			return w
		}
	}
	b.Fatalf("no writer %s", name)
	return writerbench.Writer{}
}

// writerNames lists the writers of this build without keeping them open.
func writerNames(b *testing.B) []string {
	var names []string
	for _, w := range writers(b) {
		names = append(names, w.Name)
	}
	return names
}

// benchWriter opens the writer afresh (a DuckDB database of its own), so that what an earlier
// benchmark left in its memory does not hide this one's peak.
func benchWriter(b *testing.B, ctx context.Context, wl workload, name string) {
	w := writerNamed(b, name)
	for _, t := range wl.tables {
		if !w.Supports(t.Type) {
			b.Skipf("%s does not write %s", w.Name, t.Type)
		}
	}
	dir := b.TempDir()
	write := func(n int) int64 {
		var out int64
		for i, t := range wl.tables {
			size, err := w.Write(ctx, filepath.Join(dir, fmt.Sprintf("%d-%d.parquet", n, i)), t)
			if err != nil {
				b.Fatal(err)
			}
			out += size
		}
		return out
	}
	clean := func(n int) {
		for i := range wl.tables {
			os.Remove(filepath.Join(dir, fmt.Sprintf("%d-%d.parquet", n, i)))
		}
	}
	b.SetBytes(wl.ndjson())
	b.ReportAllocs()
	var out int64
	cpu0 := cpuTime()
	n := 0
	b.ResetTimer()
	for b.Loop() {
		out = write(n)
		b.StopTimer()
		clean(n)
		n++
		b.StartTimer()
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	rows := float64(wl.rows()) * float64(n)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(out), "out-B")
	b.ReportMetric(float64(out)/float64(wl.ndjson()), "out/ndjson")
	b.ReportMetric(float64(cpu.Nanoseconds())/rows, "cpu-ns/row")

	// The peak memory of one more op, untimed, by a writer opened afresh (DuckDB's allocator
	// would otherwise reuse what the timed ops left), with the garbage collector at GOGC=1: the
	// writer's working set beyond the input it is given. At the default GOGC a Go writer's
	// peak also holds up to its B/op of garbage, as much as the live heap allows.
	w = writerNamed(b, name)
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	runtime.GC()
	debug.FreeOSMemory()
	rss0 := resetPeakRSS(b)
	write(n)
	b.ReportMetric(float64(peakRSS(b)-rss0)/(1<<20), "peakRSS-MiB")
	clean(n)
}

// cpuTime is the process's user and system time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS resets the process's peak RSS to its current RSS, which it returns.
func resetPeakRSS(tb testing.TB) int64 {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Skipf("cannot reset the peak RSS: %v", err)
	}
	return procStatus(tb, "VmRSS")
}

func peakRSS(tb testing.TB) int64 { return procStatus(tb, "VmHWM") }

// procStatus reads a size in bytes from /proc/self/status.
func procStatus(tb testing.TB, key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(tb, err)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(tb, err)
			return kb << 10
		}
	}
	tb.Fatalf("no %s in /proc/self/status", key)
	return 0
}

// TestWritersAgree writes every table with every writer, then checks each writer's files
// three ways: DuckDB reads them with the same rows as the tuned production writer's (row count
// and a hash of every row); the Parquet field IDs are the table's; and the files commit into an
// Iceberg table of a fresh warehouse through warehouse.Commit (iceberg-go's AddFiles, which
// needs the field IDs and the partition value from the statistics), whose scan by field ID
// returns every value of the input.
func TestWritersAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("writes scale small with every writer")
	}
	ctx := context.Background()
	d := load(t)
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()

	var tuned map[events.Type]rowHash
	for _, w := range writers(t) {
		t.Run(w.Name, func(t *testing.T) {
			wh, err := warehouse.Open(ctx, t.TempDir(), true)
			require.NoError(t, err)
			defer wh.Close()
			got := map[events.Type]rowHash{}
			var (
				files   []string
				written []*writerbench.Table
			)
			for _, tb := range d.Tables {
				if !w.Supports(tb.Type) {
					continue
				}
				written = append(written, tb)
				dir := filepath.Join(wh.DataDir(warehouse.EventsLog), "event_type="+tb.Type.String())
				require.NoError(t, os.MkdirAll(dir, 0o755))
				path := filepath.Join(dir, "w-000001.parquet")
				_, err := w.Write(ctx, path, tb)
				require.NoError(t, err)
				files = append(files, path)

				h := readBack(t, ctx, db, path)
				require.Equal(t, tb.Rows(), h.rows, "%s rows", tb.Type)
				got[tb.Type] = h
				require.Equal(t, fieldIDs(tb.Record.Schema()), parquetFieldIDs(t, ctx, db, path), "%s field IDs", tb.Type)
				if tuned != nil {
					require.Equal(t, tuned[tb.Type], h, "%s rows as DuckDB reads them, against pqarrow-tuned's", tb.Type)
				}
			}
			if tuned == nil {
				tuned = got
			}

			_, err = wh.Commit(ctx, warehouse.EventsLog, warehouse.Commit{Files: files,
				Base: warehouse.Offsets{{Topic: writerbench.Topic}: -1}, Next: warehouse.Offsets{{Topic: writerbench.Topic}: 1 << 40}})
			if w.NotIceberg != "" {
				require.ErrorContains(t, err, "required", "iceberg-go accepts %s's files now: %s no longer holds", w.Name, w.NotIceberg)
				return
			}
			require.NoError(t, err, "commit into Iceberg")
			tbl, err := wh.Load(ctx, warehouse.EventsLog)
			require.NoError(t, err)
			scanned, err := tbl.Scan().ToArrowTable(ctx)
			require.NoError(t, err)
			defer scanned.Release()
			require.Equal(t, checksumRecords(written), checksumTable(scanned), "values read back through Iceberg")
		})
	}
}

// rowHash is what DuckDB reads from a file: its rows and the xor of every row's hash.
type rowHash struct {
	rows int64
	hash string
}

func readBack(t *testing.T, ctx context.Context, db *sql.DB, path string) rowHash {
	var h rowHash
	require.NoError(t, db.QueryRowContext(ctx,
		`SELECT count(*), coalesce(bit_xor(hash(t))::VARCHAR, '') FROM read_parquet(?) t`, path).Scan(&h.rows, &h.hash))
	return h
}

// fieldIDs are the field IDs an Arrow schema carries, by column (and list element) name.
func fieldIDs(s *arrow.Schema) map[string]int {
	out := map[string]int{}
	for _, f := range s.Fields() {
		out[f.Name] = writerbench.FieldID(f)
		if l, ok := f.Type.(*arrow.ListType); ok {
			out[f.Name+".element"] = writerbench.FieldID(l.ElemField())
		}
	}
	return out
}

// parquetFieldIDs are the field IDs in a Parquet file's schema, by leaf column name; a list's
// element is named after its column.
func parquetFieldIDs(t *testing.T, ctx context.Context, db *sql.DB, path string) map[string]int {
	rows, err := db.QueryContext(ctx, `SELECT name, coalesce(field_id, 0), coalesce(num_children, 0), coalesce(logical_type::VARCHAR, converted_type::VARCHAR, '') FROM parquet_schema(?)`, path)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	list := ""
	first := true
	for rows.Next() {
		var (
			name    string
			id, n   int
			logical string
		)
		require.NoError(t, rows.Scan(&name, &id, &n, &logical))
		switch {
		case first: // the root
			first = false
		case strings.Contains(strings.ToUpper(logical), "LIST"):
			list = name
			out[name] = id
		case list != "" && n > 0: // the repeated group of a list
		case list != "":
			out[list+".element"] = id
			list = ""
		default:
			out[name] = id
		}
	}
	require.NoError(t, rows.Err())
	return out
}

// checksum is, per column, the number of non-null values and the sum of their hashes: it does
// not depend on the order of rows or files, and it reads values with ValueStr, so the same
// value reads the same whatever Arrow type a reader chose for it.
type checksum map[string][2]uint64

func (c checksum) add(name string, arr arrow.Array) {
	s := c[name]
	for i := range arr.Len() {
		if arr.IsNull(i) {
			continue
		}
		s[0]++
		s[1] += xxh3.HashString(arr.ValueStr(i))
	}
	if s[0] > 0 {
		c[name] = s
	}
}

func checksumRecords(tables []*writerbench.Table) checksum {
	c := checksum{}
	for _, t := range tables {
		for i, f := range t.Record.Schema().Fields() {
			c.add(f.Name, t.Record.Column(i))
		}
	}
	return c
}

func checksumTable(t arrow.Table) checksum {
	c := checksum{}
	for i, f := range t.Schema().Fields() {
		for _, chunk := range t.Column(i).Data().Chunks() {
			c.add(f.Name, chunk)
		}
	}
	return c
}

// BenchmarkRead queries each writer's files of the whole flush with DuckDB, as the views do
// (read_parquet with union_by_name): a group-by over the low-cardinality envelope columns and
// a filter on two of them, to see what the writers' encodings (dictionaries or none, page
// sizes) cost the readers. One op runs both queries.
func BenchmarkRead(b *testing.B) {
	d := load(b)
	ctx := context.Background()
	for _, name := range writerNames(b) {
		b.Run(name, func(b *testing.B) {
			w := writerNamed(b, name)
			dir := b.TempDir()
			var files []string
			for i, t := range d.Tables {
				if !w.Supports(t.Type) {
					b.Skipf("%s does not write %s", w.Name, t.Type)
				}
				p := filepath.Join(dir, fmt.Sprintf("%d.parquet", i))
				_, err := w.Write(ctx, p, t)
				require.NoError(b, err)
				files = append(files, "'"+p+"'")
			}
			db, err := sql.Open("duckdb", "")
			require.NoError(b, err)
			defer db.Close()
			src := fmt.Sprintf("read_parquet([%s], union_by_name = true)", strings.Join(files, ", "))
			queries := []string{
				`SELECT count(*) FROM (SELECT event_type, unit_code, source_level, count(*), max(occurred_at) FROM ` + src + ` GROUP BY ALL)`,
				`SELECT count(*) FROM ` + src + ` WHERE source_system = 'dvc-thanhhoa' AND level = 'commune'`,
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, q := range queries {
					var n int64
					require.NoError(b, db.QueryRowContext(ctx, q).Scan(&n))
				}
			}
		})
	}
}
