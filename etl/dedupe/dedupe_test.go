package dedupe

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keyN returns the key of the synthetic event id number i in namespace ns. Different namespaces
// never collide, which lets tests build guaranteed misses.
func keyN(ns byte, i int) Key {
	var id [9]byte
	id[0] = ns
	binary.BigEndian.PutUint64(id[1:], uint64(i))
	return KeyOf(id[:])
}

// valN is the content hash the tests store for id number i.
func valN(i int) uint64 { return uint64(i)*0x9E3779B97F4A7C15 + 1 }

func openT(t testing.TB, dir string, opts Options) *Index {
	t.Helper()
	ix, err := Open(dir, opts)
	require.NoError(t, err)
	t.Cleanup(func() { ix.Close() })
	return ix
}

// addRange adds ids [from, to) of namespace 'a'.
func addRange(ix *Index, from, to int) {
	for i := from; i < to; i++ {
		ix.Add(keyN('a', i), valN(i))
	}
}

// requireAll checks that ids [from, to) are found with their values and that as many ids of
// another namespace are not found.
func requireAll(t *testing.T, ix *Index, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		v, ok, err := ix.Lookup(keyN('a', i))
		require.NoError(t, err)
		require.True(t, ok, "id %d not found", i)
		require.Equal(t, valN(i), v, "id %d", i)
		_, ok, err = ix.Lookup(keyN('m', i))
		require.NoError(t, err)
		require.False(t, ok, "miss %d found", i)
	}
}

// dirFiles lists the names in dir, sorted.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestKeyOf(t *testing.T) {
	for _, id := range []string{"", "a", "dvc-38-2025-03-10-7f3a9c21-0001", string(make([]byte, 300))} {
		assert.Equal(t, KeyOf([]byte(id)), KeyOfString(id), "id %q", id)
	}
	assert.NotEqual(t, KeyOfString("a"), KeyOfString("b"))
	// The integer form must order exactly like the bytes, since runs are sorted by the former
	// and the format promises byte order.
	var prev Key
	for i := range 1000 {
		k := keyN('a', i)
		if i > 0 {
			assert.Equal(t, slices.Compare(prev[:], k[:]), prev.ukey().cmp(k.ukey()))
		}
		prev = k
	}
	assert.Len(t, KeyOfString("x").String(), 32)
}

func TestMemtableAndPersist(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		persist bool
	}{
		{"empty", 0, false},
		{"memtable only", 1000, false},
		{"one key persisted", 1, true},
		{"one block minus one", blockRecords - 1, true},
		{"one block", blockRecords, true},
		{"one block plus one", blockRecords + 1, true},
		{"many blocks", 10*blockRecords + 17, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := openT(t, t.TempDir(), Options{})
			addRange(ix, 0, tt.n)
			if tt.persist {
				require.NoError(t, ix.Persist(nil))
				require.Len(t, ix.runs, 1)
				require.Empty(t, ix.mem)
			}
			assert.EqualValues(t, tt.n, ix.Len())
			requireAll(t, ix, 0, tt.n)
			// Keys below and above every stored key exercise the fence edges.
			for _, k := range []Key{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
				_, ok, err := ix.Lookup(k)
				require.NoError(t, err)
				assert.False(t, ok)
			}
		})
	}
}

func TestAddKeepsFirstValueAndFull(t *testing.T) {
	ix := openT(t, t.TempDir(), Options{MemtableEntries: 3})
	k := KeyOfString("dup")
	ix.Add(k, 1)
	ix.Add(k, 2)
	v, ok, err := ix.Lookup(k)
	require.NoError(t, err)
	require.True(t, ok)
	assert.EqualValues(t, 1, v)
	assert.False(t, ix.Full())
	ix.Add(KeyOfString("b"), 3)
	assert.False(t, ix.Full())
	ix.Add(KeyOfString("c"), 4)
	assert.True(t, ix.Full())
	require.NoError(t, ix.Persist(nil))
	assert.False(t, ix.Full())
	assert.EqualValues(t, 3, ix.Len())
}

func TestMemtableFilter(t *testing.T) {
	// The memtable's filter is sized for MemtableEntries and reset by Persist; neither overfilling
	// it nor resetting it may hide a memtable entry.
	ix := openT(t, t.TempDir(), Options{MemtableEntries: 16})
	addRange(ix, 0, 5000)
	requireAll(t, ix, 0, 5000)
	require.NoError(t, ix.Persist(nil))
	addRange(ix, 5000, 5010)
	requireAll(t, ix, 0, 5010)
	assert.EqualValues(t, 5010, ix.Len())
}

func TestManyRunsAndMerges(t *testing.T) {
	dir := t.TempDir()
	ix := openT(t, dir, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	total, flushes := 0, 0
	for total < 300_000 {
		n := min(1000+rng.IntN(29_000), 300_000-total)
		addRange(ix, total, total+n)
		total += n
		flushes++
		require.NoError(t, ix.Persist([]string{"file-" + strconv.Itoa(flushes)}))
		assert.EqualValues(t, total, ix.Len())
		// After compaction each run is more than twice the size of the next newer one, which
		// bounds the number of runs by log2 of the total.
		for i := 1; i < len(ix.runs); i++ {
			require.Greater(t, ix.runs[i-1].count, 2*ix.runs[i].count)
		}
		// Only the live runs and the manifest remain: merged inputs are deleted.
		want := []string{manifestName}
		for _, r := range ix.runs {
			want = append(want, r.name)
		}
		slices.Sort(want)
		require.Equal(t, want, dirFiles(t, dir))
	}
	t.Logf("%d keys in %d flushes -> %d runs", total, flushes, len(ix.runs))
	assert.GreaterOrEqual(t, flushes, 15)
	assert.LessOrEqual(t, len(ix.runs), 6)
	requireAll(t, ix, 0, total)
	assert.Equal(t, []string{"file-" + strconv.Itoa(flushes)}, ix.Covered())
}

func TestConcurrentLookups(t *testing.T) {
	ix := openT(t, t.TempDir(), Options{})
	for from := 0; from < 20_000; from += 5000 {
		addRange(ix, from, from+5000)
		require.NoError(t, ix.Persist(nil))
	}
	addRange(ix, 20_000, 21_000)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < 21_000; i += 4 {
				v, ok, err := ix.Lookup(keyN('a', i))
				if err != nil || !ok || v != valN(i) {
					errs <- fmt.Errorf("id %d: %d %v %v", i, v, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir, Options{})
	require.NoError(t, err)
	addRange(ix, 0, 5000)
	require.NoError(t, ix.Persist([]string{"b.parquet", "a.parquet", "b.parquet"}))
	addRange(ix, 5000, 7000)
	require.NoError(t, ix.Persist([]string{"c.parquet", "a.parquet", "b.parquet"}))
	addRange(ix, 7000, 8000) // Memtable only: lost on Close by design.
	require.NoError(t, ix.Close())
	require.NoError(t, ix.Close(), "Close is idempotent")
	_, _, err = ix.Lookup(keyN('a', 1))
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, ix.Persist(nil), ErrClosed)
	require.Panics(t, func() { ix.Add(keyN('a', 1), 1) })

	ix = openT(t, dir, Options{})
	requireAll(t, ix, 0, 7000)
	for i := 7000; i < 8000; i++ {
		_, ok, err := ix.Lookup(keyN('a', i))
		require.NoError(t, err)
		require.False(t, ok, "memtable id %d survived Close", i)
	}
	assert.Equal(t, []string{"a.parquet", "b.parquet", "c.parquet"}, ix.Covered())
	assert.EqualValues(t, 7000, ix.Len())

	// Persisting an empty memtable only replaces Covered.
	require.NoError(t, ix.Persist(nil))
	assert.Empty(t, ix.Covered())
	require.NoError(t, ix.Close())
	ix = openT(t, dir, Options{})
	assert.Empty(t, ix.Covered())
	assert.EqualValues(t, 7000, ix.Len())
}

// copyFile copies src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, data, 0o644))
}

func TestCrashLeftovers(t *testing.T) {
	// A second index supplies a valid run with other keys, standing in for a run whose manifest
	// swap never happened (an interrupted Persist or merge).
	otherDir := t.TempDir()
	other := openT(t, otherDir, Options{})
	for i := range 3000 {
		other.Add(keyN('x', i), 7)
	}
	require.NoError(t, other.Persist(nil))
	otherRun := other.runs[0]

	dir := t.TempDir()
	ix, err := Open(dir, Options{})
	require.NoError(t, err)
	addRange(ix, 0, 4000)
	require.NoError(t, ix.Persist([]string{"a"}))
	live := ix.runs[0].name
	require.NoError(t, ix.Close())

	leftovers := []string{
		runName(1 << 40),             // Unreferenced but valid run.
		runName(1<<40+1) + tmpSuffix, // Half-written run.
		manifestName + tmpSuffix,     // Half-written manifest.
		runName(1<<40 + 2),           // Garbage under a run name.
	}
	copyFile(t, otherRun.path, filepath.Join(dir, leftovers[0]))
	for _, name := range leftovers[1:] {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("garbage"), 0o644))
	}
	// Files the index did not write are not its to delete.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644))

	ix = openT(t, dir, Options{})
	assert.Equal(t, []string{manifestName, "notes.txt", live}, dirFiles(t, dir))
	requireAll(t, ix, 0, 4000)
	for i := range 3000 {
		_, ok, err := ix.Lookup(keyN('x', i))
		require.NoError(t, err)
		require.False(t, ok, "key of an unreferenced run found")
	}
	assert.Equal(t, []string{"a"}, ix.Covered())

	// New runs must not reuse a name that is live.
	addRange(ix, 4000, 4100)
	require.NoError(t, ix.Persist(nil))
	requireAll(t, ix, 0, 4100)
}

func TestManifestIsEnough(t *testing.T) {
	src := t.TempDir()
	ix := openT(t, src, Options{})
	addRange(ix, 0, 2500)
	require.NoError(t, ix.Persist(nil))
	r := ix.runs[0]

	// A directory holding only a run and a hand-written manifest naming it is a valid index.
	dir := t.TempDir()
	name := runName(42)
	copyFile(t, r.path, filepath.Join(dir, name))
	m, err := json.Marshal(manifest{Version: manifestVersion, Runs: []manifestRun{{File: name, Count: r.count}}, Covered: []string{"f1"}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), m, 0o644))

	ix2 := openT(t, dir, Options{})
	requireAll(t, ix2, 0, 2500)
	assert.Equal(t, []string{"f1"}, ix2.Covered())
	// NextSeq was omitted; the next run must still get a fresh name.
	addRange(ix2, 2500, 2600)
	require.NoError(t, ix2.Persist(nil))
	requireAll(t, ix2, 0, 2600)
}

func TestOpenErrors(t *testing.T) {
	build := func(t *testing.T) (dir, runPath string, count int64) {
		dir = t.TempDir()
		ix, err := Open(dir, Options{})
		require.NoError(t, err)
		addRange(ix, 0, 1000)
		require.NoError(t, ix.Persist(nil))
		runPath, count = ix.runs[0].path, ix.runs[0].count
		require.NoError(t, ix.Close())
		return dir, runPath, count
	}
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir, runPath string, count int64)
		want    string
	}{
		{"missing run", func(t *testing.T, dir, runPath string, count int64) {
			require.NoError(t, os.Remove(runPath))
		}, "open run"},
		{"bloom bit flipped", func(t *testing.T, dir, runPath string, count int64) {
			data, err := os.ReadFile(runPath)
			require.NoError(t, err)
			data[count*recordSize+3] ^= 0x10
			require.NoError(t, os.WriteFile(runPath, data, 0o644))
		}, "checksum mismatch"},
		{"truncated run", func(t *testing.T, dir, runPath string, count int64) {
			require.NoError(t, os.Truncate(runPath, 100))
		}, "open run"},
		{"bad manifest", func(t *testing.T, dir, runPath string, count int64) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), []byte("{"), 0o644))
		}, "parse manifest"},
		{"path in manifest", func(t *testing.T, dir, runPath string, count int64) {
			m, err := json.Marshal(manifest{Version: manifestVersion, Runs: []manifestRun{{File: "../x", Count: 1}}})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), m, 0o644))
		}, "invalid or repeated run file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, runPath, count := build(t)
			tt.corrupt(t, dir, runPath, count)
			_, err := Open(dir, Options{})
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestMergeCorruptRecordsDetected(t *testing.T) {
	dir := t.TempDir()
	ix := openT(t, dir, Options{})
	addRange(ix, 0, 1000)
	require.NoError(t, ix.Persist(nil))
	// Damage a record value behind the index's back; the next merge must refuse to copy it.
	f, err := os.OpenFile(ix.runs[0].path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{0xAA}, 5*recordSize+20)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	addRange(ix, 1000, 2000)
	require.ErrorContains(t, ix.Persist(nil), "checksum mismatch")
	// The failed merge left the persisted state intact and consistent.
	require.Len(t, ix.runs, 2)
	require.NoError(t, ix.Close())
	ix3 := openT(t, dir, Options{})
	require.Len(t, ix3.runs, 2)
	requireAll(t, ix3, 1000, 2000)
}

func TestOlderValueWins(t *testing.T) {
	dir := t.TempDir()
	ix := openT(t, dir, Options{})
	k := KeyOfString("conflict")
	lookup := func() uint64 {
		t.Helper()
		v, ok, err := ix.Lookup(k)
		require.NoError(t, err)
		require.True(t, ok)
		return v
	}

	// Older run: 100 keys including k=1.
	ix.Add(k, 1)
	addRange(ix, 0, 99)
	require.NoError(t, ix.Persist(nil))
	// Newer run: k=2 alone; 100 > 2×1 so no merge yet, and Lookup must still answer 1.
	ix.Add(k, 2)
	require.NoError(t, ix.Persist(nil))
	require.Len(t, ix.runs, 2)
	assert.EqualValues(t, 1, lookup())
	// The memtable must not shadow the runs either.
	ix.Add(k, 3)
	assert.EqualValues(t, 1, lookup())
	// Persisting it brings three runs (100, 1, 1), merges them and still keeps 1.
	require.NoError(t, ix.Persist(nil))
	require.Len(t, ix.runs, 2)
	assert.EqualValues(t, 1, lookup())
	addRange(ix, 99, 300)
	require.NoError(t, ix.Persist(nil))
	require.Len(t, ix.runs, 1)
	assert.EqualValues(t, 1, lookup())
	// The merged run holds k once: 300 ids plus k.
	assert.EqualValues(t, 301, ix.Len())
	requireAll(t, ix, 0, 300)
}

func TestMergeRunsDirect(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, kv map[Key]uint64) *run {
		r, err := writeMemtable(dir, name, kv)
		require.NoError(t, err)
		t.Cleanup(func() { r.close() })
		return r
	}
	shared := []Key{keyN('s', 0), keyN('s', 1), keyN('s', 2)}
	older := map[Key]uint64{shared[0]: 10, shared[1]: 11, shared[2]: 12}
	newer := map[Key]uint64{shared[0]: 20, shared[2]: 22}
	for i := range 500 {
		older[keyN('o', i)] = uint64(i)
		newer[keyN('n', i)] = uint64(i) + 1000
	}
	m, err := mergeRuns(dir, runName(3), write(runName(1), older), write(runName(2), newer))
	require.NoError(t, err)
	t.Cleanup(func() { m.close() })
	assert.EqualValues(t, 1003, m.count)
	for k, want := range older {
		v, ok, err := m.lookup(k.ukey())
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, want, v)
	}
	for k, want := range newer {
		if _, inOlder := older[k]; inOlder {
			continue
		}
		v, ok, err := m.lookup(k.ukey())
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, want, v)
	}
	// A reopened copy reads the same (footer, bloom and fence round-trip).
	r2, err := openRun(dir, runName(3))
	require.NoError(t, err)
	defer r2.close()
	assert.Equal(t, m.fence, r2.fence)
	assert.Equal(t, m.bloom.words, r2.bloom.words)
	assert.Equal(t, m.recordsCRC, r2.recordsCRC)
}

func TestBloomFalsePositiveRate(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{"small", 1000},
		{"medium", 100_000},
		// A run from a merge sizes its filter for the sum of its inputs; an exact size is the
		// worst case, an oversized filter only does better.
		{"odd", 77_777},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBloom(tt.n)
			for i := range tt.n {
				k := keyN('a', i).ukey()
				b.add(k.hi, k.lo)
			}
			for i := range tt.n {
				k := keyN('a', i).ukey()
				require.True(t, b.mayContain(k.hi, k.lo), "false negative")
			}
			const probes = 500_000
			fp := 0
			for i := range probes {
				k := keyN('m', i).ukey()
				if b.mayContain(k.hi, k.lo) {
					fp++
				}
			}
			rate := float64(fp) / probes
			t.Logf("n=%d bits/key=%.2f false-positive rate %.3f%%", tt.n,
				float64(len(b.words)*64)/float64(tt.n), rate*100)
			assert.Less(t, rate, 0.05)
		})
	}
}

// buildIndex persists n keys in batches of batch (merging as it goes) into a fresh index and
// then fills half a memtable, as in steady state.
func buildIndex(b testing.TB, n, batch int) *Index {
	ix := openT(b, b.TempDir(), Options{MemtableEntries: batch})
	for from := 0; from < n; from += batch {
		addRange(ix, from, min(from+batch, n))
		require.NoError(b, ix.Persist(nil))
	}
	for i := range batch / 2 {
		ix.Add(keyN('b', i), 1)
	}
	return ix
}

// benchKeys persisted keys in 20 batches leave three runs (about 1.3M, 0.5M and 0.2M keys), the
// shape the index has most of the time.
const benchKeys = 2_000_000

func BenchmarkLookupMiss(b *testing.B) {
	ix := buildIndex(b, benchKeys, benchKeys/20)
	keys := make([]Key, 1<<16)
	for i := range keys {
		keys[i] = keyN('m', i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := ix.Lookup(keys[i&(len(keys)-1)]); ok {
			b.Fatal("miss found")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(len(ix.runs)), "runs")
}

func BenchmarkLookupHit(b *testing.B) {
	ix := buildIndex(b, benchKeys, benchKeys/20)
	rng := rand.New(rand.NewPCG(3, 4))
	keys := make([]Key, 1<<16)
	for i := range keys {
		keys[i] = keyN('a', rng.IntN(benchKeys))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := ix.Lookup(keys[i&(len(keys)-1)]); !ok {
			b.Fatal("hit not found")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkAdd(b *testing.B) {
	ix := openT(b, b.TempDir(), Options{})
	keys := make([]Key, 1<<20)
	for i := range keys {
		keys[i] = keyN('a', i)
	}
	i := 0
	for b.Loop() {
		if i == len(keys) {
			// Start a fresh batch as Persist would; clear keeps the map's storage.
			b.StopTimer()
			clear(ix.mem)
			i = 0
			b.StartTimer()
		}
		ix.Add(keys[i], uint64(i))
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "adds/s")
}

// BenchmarkPersist measures Persist of a 256k-entry memtable into a growing index, including the
// merges it triggers, so the per-key figure is the amortised ingest cost.
func BenchmarkPersist(b *testing.B) {
	const batch = 1 << 18
	ix := openT(b, b.TempDir(), Options{MemtableEntries: batch})
	b.SetBytes(batch * recordSize)
	next := 0
	for b.Loop() {
		b.StopTimer()
		addRange(ix, next, next+batch)
		next += batch
		b.StartTimer()
		if err := ix.Persist(nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "keys/s")
}

// TestScale ingests DEDUPE_SCALE keys (e.g. 20000000) with the default memtable, then reports
// heap use, ingest rate and lookup rates. It is skipped unless the variable is set because it
// takes minutes and writes gigabytes.
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DEDUPE_SCALE"))
	if n <= 0 {
		t.Skip("set DEDUPE_SCALE=20000000 to run")
	}
	ix := openT(t, t.TempDir(), Options{})
	var ms runtime.MemStats
	peak := uint64(0)
	start := time.Now()
	var persistTime time.Duration
	for i := range n {
		ix.Add(keyN('a', i), valN(i))
		if ix.Full() {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			p := time.Now()
			require.NoError(t, ix.Persist(nil))
			persistTime += time.Since(p)
		}
	}
	require.NoError(t, ix.Persist(nil))
	ingest := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("%d keys: ingest %v (%.0f keys/s, persist+merge %v), %d runs, heap in use after GC %.1f MiB, peak sampled %.1f MiB, sys %.1f MiB",
		n, ingest, float64(n)/ingest.Seconds(), persistTime, len(ix.runs), float64(ms.HeapInuse)/(1<<20),
		float64(peak)/(1<<20), float64(ms.Sys)/(1<<20))

	// Lookups run against a half-full memtable, as they do in steady state.
	for i := range ix.opts.MemtableEntries / 2 {
		ix.Add(keyN('b', i), 1)
	}
	const probes = 1_000_000
	start = time.Now()
	for i := range probes {
		if _, ok, _ := ix.Lookup(keyN('m', i)); ok {
			t.Fatal("miss found")
		}
	}
	miss := time.Since(start)
	start = time.Now()
	for i := range probes {
		if _, ok, _ := ix.Lookup(keyN('a', int(uint64(i)*2654435761%uint64(n)))); !ok {
			t.Fatal("hit not found")
		}
	}
	hit := time.Since(start)
	t.Logf("misses %.0f lookups/s, hits %.0f lookups/s (key hashing included)", probes/miss.Seconds(), probes/hit.Seconds())
	// Peak resident set of the whole test process (Linux only), which is what an operator sees.
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmHWM:") || strings.HasPrefix(line, "VmRSS:") {
				t.Log(line)
			}
		}
	}
}
