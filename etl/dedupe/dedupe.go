// Package dedupe is an on-disk index from event id to content hash with bounded memory.
//
// The warehouse stores every event_id once for all time. For each incoming event the caller
// looks up the id's Key: not found means a new event, found with the same content hash an exact
// duplicate, found with another hash a conflicting duplicate. With tens of millions of ids an
// in-memory map would grow without bound, so the index is a small log-structured merge tree:
//
//   - Add puts entries into an in-memory memtable (a Go map). It is not logged: after a crash the
//     caller re-adds the ids of the data files that the manifest does not list as Covered.
//   - Persist writes the memtable as an immutable sorted run file with a bloom filter and a
//     sparse fence index, both kept in memory (about 10 bits and 1 bit per key respectively),
//     and records the caller's Covered set in the MANIFEST in the same atomic step.
//   - Runs are merged so that there are O(log n) of them; a lookup asks each run's bloom filter
//     and reads a single 3 KiB block only from runs whose filter answers "maybe".
//
// Concurrency: Lookup, Len, Covered and Full may be called from many goroutines at once. Add,
// Persist and Close must be called from a single goroutine and not concurrently with Lookup;
// they take an exclusive lock, so a violation is slow (lookups wait for a merge) but not a data
// race.
//
// Memory at 20 million ids with the default MemtableEntries: the run bloom filters take 25 MB
// and the fence indexes 2.5 MB; the memtable map takes about 40-50 MB (its storage is kept
// between batches) and its filter 1.25 MB, so the live heap is about 90 MB. Persist briefly adds
// 24 bytes per memtable entry for sorting, and a merge a new filter as large as the two it
// replaces. Everything is pointer-free, so garbage collection is cheap, but with the default
// GOGC=100 the Go heap may grow to twice the live size before it is collected (peak RSS measured
// about 240 MB). Set GOMEMLIMIT (with 150MiB the measured peak RSS was 168 MB, at no measurable
// cost) or a smaller MemtableEntries where that matters.
//
// The directory belongs to one Index at a time; there is no lock file, so two processes that
// open the same directory will delete each other's files.
//
// Precedence: the first value stored for a key stands. Add keeps the first value in the memtable,
// a merge keeps the older run's value, and Lookup consults the runs oldest first and the
// memtable last, so a result never changes when runs are merged.
package dedupe

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// Key identifies an event id: the 128-bit xxh3 hash of its bytes in big-endian (canonical)
// order. At 20 million ids the probability that two different ids share a Key is about 6e-25.
type Key [16]byte

// KeyOf returns the Key of an event id.
func KeyOf(id []byte) Key { return Key(xxh3.Hash128(id).Bytes()) }

// KeyOfString returns the Key of an event id given as a string, without copying it.
func KeyOfString(id string) Key { return Key(xxh3.HashString128(id).Bytes()) }

// String returns the key in hexadecimal, for messages.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

func (k Key) ukey() ukey { return ukeyFrom(k[:]) }

// ErrClosed is returned by operations on a closed Index.
var ErrClosed = errors.New("dedupe: index is closed")

// Options configures an Index.
type Options struct {
	// MemtableEntries is the memtable size at which Full reports true; default 1<<20. Persisting
	// is the caller's job (it knows which data files the memtable covers), so the index never
	// flushes by itself. A memtable entry costs roughly 40 bytes of Go map memory.
	MemtableEntries int
}

const (
	manifestName    = "MANIFEST"
	tmpSuffix       = ".tmp"
	runPrefix       = "run-"
	runSuffix       = ".ddr"
	manifestVersion = 1
)

// manifest is the JSON content of the MANIFEST file, the single source of truth for which run
// files are live. It is replaced atomically (write temporary file, fsync, rename, fsync dir).
type manifest struct {
	Version int           `json:"version"`
	NextSeq uint64        `json:"next_seq"`
	Runs    []manifestRun `json:"runs"` // Oldest first.
	Covered []string      `json:"covered"`
}

type manifestRun struct {
	File  string `json:"file"`
	Count int64  `json:"count"`
}

// Index is an on-disk event-id index. See the package documentation for the concurrency
// contract.
type Index struct {
	dir  string
	opts Options

	mu     sync.RWMutex
	closed bool
	mem    map[Key]uint64
	// memBloom filters memtable lookups. Misses dominate, and probing a memtable of a million
	// entries costs a cache miss (about 100 ns, a third of a miss lookup at 20M ids); the 1.25 MB
	// filter stays in cache. It is sized for MemtableEntries; a memtable that grows past that
	// only makes it less selective.
	memBloom bloom
	runs     []*run // Oldest first.
	covered  []string
	nextSeq  uint64
}

func runName(seq uint64) string { return fmt.Sprintf("%s%016x%s", runPrefix, seq, runSuffix) }

// parseRunName returns the sequence number of a run file name.
func parseRunName(name string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, runPrefix)
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, runSuffix)
	if !ok || len(s) != 16 {
		return 0, false
	}
	seq, err := strconv.ParseUint(s, 16, 64)
	return seq, err == nil
}

// Open opens the index in dir, creating the directory if it is missing. Files that the index
// itself would have written (run files, temporary files) but that the manifest does not name are
// leftovers of an interrupted Persist or merge and are deleted. Other files are left alone, so
// that pointing Open at the wrong directory cannot destroy unrelated data.
func Open(dir string, opts Options) (*Index, error) {
	if opts.MemtableEntries <= 0 {
		opts.MemtableEntries = 1 << 20
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dedupe: open %s: %w", dir, err)
	}
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	ix := &Index{
		dir:      dir,
		opts:     opts,
		mem:      make(map[Key]uint64),
		memBloom: newBloom(opts.MemtableEntries),
		covered:  m.Covered,
		nextSeq:  m.NextSeq,
	}
	live := make(map[string]bool, len(m.Runs))
	for _, mr := range m.Runs {
		seq, ok := parseRunName(mr.File)
		if !ok || live[mr.File] {
			// A run listed twice would be merged with itself and then deleted.
			ix.closeRuns()
			return nil, fmt.Errorf("dedupe: open %s: manifest names invalid or repeated run file %q", dir, mr.File)
		}
		ix.nextSeq = max(ix.nextSeq, seq+1)
		r, err := openRun(dir, mr.File)
		if err != nil {
			ix.closeRuns()
			return nil, err
		}
		ix.runs = append(ix.runs, r)
		if r.count != mr.Count {
			ix.closeRuns()
			return nil, fmt.Errorf("dedupe: open run %s: %d records, manifest says %d", mr.File, r.count, mr.Count)
		}
		live[mr.File] = true
	}
	if err := removeLeftovers(dir, live); err != nil {
		ix.closeRuns()
		return nil, err
	}
	return ix, nil
}

func readManifest(dir string) (manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return manifest{Version: manifestVersion, NextSeq: 1}, nil
	}
	if err != nil {
		return manifest{}, fmt.Errorf("dedupe: read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return manifest{}, fmt.Errorf("dedupe: parse manifest %s: %w", filepath.Join(dir, manifestName), err)
	}
	if m.Version != manifestVersion {
		return manifest{}, fmt.Errorf("dedupe: manifest version %d, want %d", m.Version, manifestVersion)
	}
	slices.Sort(m.Covered)
	return m, nil
}

// removeLeftovers deletes run and temporary files that the manifest does not name.
func removeLeftovers(dir string, live map[string]bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("dedupe: list %s: %w", dir, err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || live[name] {
			continue
		}
		_, isRun := parseRunName(name)
		// The manifest's temporary files: fsx's (.manifest.json.<random>.tmp), and the fixed
		// name earlier versions used.
		isTmp := name == manifestName+tmpSuffix ||
			strings.HasPrefix(name, "."+manifestName+".") && strings.HasSuffix(name, fsx.TempSuffix)
		if base, ok := strings.CutSuffix(name, tmpSuffix); ok {
			_, isTmpRun := parseRunName(base)
			isTmp = isTmp || isTmpRun
		}
		if !isRun && !isTmp {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("dedupe: remove leftover %s: %w", name, err)
		}
	}
	return nil
}

// writeManifest atomically replaces the manifest. renamed reports whether the new manifest was
// renamed into place: after that point the new state may be the durable one even if err is not
// nil (the directory fsync failed), so the caller must not delete files it names.
func (ix *Index) writeManifest(runs []*run, covered []string) (renamed bool, err error) {
	m := manifest{Version: manifestVersion, NextSeq: ix.nextSeq, Runs: make([]manifestRun, len(runs)), Covered: covered}
	for i, r := range runs {
		m.Runs[i] = manifestRun{File: r.name, Count: r.count}
	}
	if m.Covered == nil {
		m.Covered = []string{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return false, fmt.Errorf("dedupe: encode manifest: %w", err)
	}
	data = append(data, '\n')
	if err := fsx.WriteFile(filepath.Join(ix.dir, manifestName), data, 0o644); err != nil {
		return errors.Is(err, fsx.ErrUnsynced), fmt.Errorf("dedupe: write manifest: %w", err)
	}
	return true, nil
}

// Lookup returns the hash stored for k. It checks the runs oldest first and then the memtable,
// so that the first value stored for a key is the one reported (see the package documentation).
// Misses, the common case, are answered by the in-memory bloom filters almost always without I/O.
func (ix *Index) Lookup(k Key) (hash uint64, found bool, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return 0, false, ErrClosed
	}
	uk := k.ukey()
	for _, r := range ix.runs {
		v, ok, err := r.lookup(uk)
		if err != nil || ok {
			return v, ok, err
		}
	}
	if !ix.memBloom.mayContain(uk.hi, uk.lo) {
		return 0, false, nil
	}
	v, ok := ix.mem[k]
	return v, ok, nil
}

// Add records hash for k in the memtable. If k is already in the memtable the first value is
// kept. Add does not consult the runs (the caller has just looked k up) and does no I/O; the
// entry becomes durable with the next Persist. Add panics if the index is closed, like a send
// on a closed channel, because it is a programming error the caller cannot handle otherwise.
func (ix *Index) Add(k Key, hash uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		panic("dedupe: Add on closed Index")
	}
	if _, ok := ix.mem[k]; !ok {
		ix.mem[k] = hash
		uk := k.ukey()
		ix.memBloom.add(uk.hi, uk.lo)
	}
}

// Full reports whether the memtable has reached Options.MemtableEntries, the point at which the
// caller should Persist.
func (ix *Index) Full() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.mem) >= ix.opts.MemtableEntries
}

// Persist writes the memtable as a new run (if it is not empty), sets the manifest's Covered set
// to covered, and then merges runs. The run and the Covered set become durable together in one
// manifest swap, so after a crash Covered never names a data file whose ids are not on disk.
//
// If Persist fails before the new manifest is in place, the on-disk state and the memtable are
// unchanged and Persist may be retried. If it fails later (during a merge), the memtable has
// already been persisted and emptied; the on-disk state is still consistent, and calling Persist
// again with the same covered set is safe and retries the merge.
func (ix *Index) Persist(covered []string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return ErrClosed
	}
	cov := slices.Clone(covered)
	slices.Sort(cov)
	cov = slices.Compact(cov)

	runs := ix.runs
	var fresh *run
	if len(ix.mem) > 0 {
		seq := ix.nextSeq
		ix.nextSeq++
		r, err := writeMemtable(ix.dir, runName(seq), ix.mem)
		if err != nil {
			return err
		}
		fresh = r
		runs = append(slices.Clone(ix.runs), r)
	}
	renamed, err := ix.writeManifest(runs, cov)
	if !renamed {
		if fresh != nil {
			fresh.close()
			os.Remove(fresh.path)
		}
		return err
	}
	ix.runs, ix.covered = runs, cov
	// clear keeps the map's storage for the next batch, so memory stays flat across persists.
	clear(ix.mem)
	ix.memBloom.reset()
	if err != nil {
		return err
	}
	return ix.compact()
}

// compact merges the newest two runs while the older one is at most twice the size of the newer
// one. Run sizes then grow geometrically from newest to oldest, so there are O(log n) runs and
// each key is rewritten O(log n) times over the life of the index.
func (ix *Index) compact() error {
	for len(ix.runs) >= 2 {
		n := len(ix.runs)
		older, newer := ix.runs[n-2], ix.runs[n-1]
		if older.count > 2*newer.count {
			return nil
		}
		seq := ix.nextSeq
		ix.nextSeq++
		merged, err := mergeRuns(ix.dir, runName(seq), older, newer)
		if err != nil {
			return err // It names the run that failed.
		}
		runs := append(slices.Clone(ix.runs[:n-2]), merged)
		renamed, err := ix.writeManifest(runs, ix.covered)
		if !renamed {
			merged.close()
			os.Remove(merged.path)
			return err
		}
		ix.runs = runs
		// The inputs are no longer named by the manifest. Failing to remove them is harmless:
		// Open deletes unreferenced run files.
		older.close()
		newer.close()
		os.Remove(older.path)
		os.Remove(newer.path)
		if err != nil {
			return err
		}
	}
	return nil
}

// Covered returns the Covered set of the current manifest, sorted.
func (ix *Index) Covered() []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return slices.Clone(ix.covered)
}

// Len returns the number of persisted entries plus the number of memtable entries. It is exact
// as long as the caller never adds a key that is already stored; otherwise a key may be counted
// once in the memtable and once per run that holds it until the runs are merged.
func (ix *Index) Len() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := int64(len(ix.mem))
	for _, r := range ix.runs {
		n += r.count
	}
	return n
}

// Close releases the run files and drops the memtable without persisting it; call Persist first
// to keep its contents. Close is idempotent.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	ix.mem = nil
	return ix.closeRuns()
}

func (ix *Index) closeRuns() error {
	var errs []error
	for _, r := range ix.runs {
		if err := r.close(); err != nil {
			errs = append(errs, err)
		}
	}
	ix.runs = nil
	return errors.Join(errs...)
}
