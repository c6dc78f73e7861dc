package dedupe

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// A run file is an immutable sorted table of (key, value) records:
//
//	records  count × 24 bytes: key (16 bytes, as Key) || value (8 bytes, big-endian),
//	         strictly increasing by key, so byte order is sort order
//	bloom    bloomWords × 8 bytes: the blocked bloom filter words, little-endian
//	fence    fenceCount × 16 bytes: the first key of every block of blockRecords records
//	footer   footerSize bytes, see below
//
// The footer sits at the end so that a run can be written in one streaming pass (a merge does
// not know the final record count until it is done). The bloom filter and fence index are
// checked with a CRC-32C when the run is opened; the records carry a CRC-32C of their own that
// is verified whenever a merge reads the whole run, because checking it on every open would
// mean reading every run in full.
const (
	recordSize = 24
	// blockRecords is the fence interval: a lookup that passes the bloom filter reads one block
	// of blockRecords records (3 KiB, less than a page) and binary-searches it.
	blockRecords = 128
	blockBytes   = blockRecords * recordSize
	footerSize   = 72
	runMagic     = "NTMDDRN1"
	runVersion   = 1
)

// Footer layout (all integers big-endian):
//
//	 0  magic        [8]byte "NTMDDRN1"
//	 8  version      uint32
//	12  blockRecords uint32
//	16  count        uint64
//	24  bloomOff     uint64 (= count × 24)
//	32  bloomWords   uint64
//	40  fenceOff     uint64
//	48  fenceCount   uint64
//	56  recordsCRC   uint32 CRC-32C of the records section
//	60  bloomK       uint32
//	64  metaCRC      uint32 CRC-32C of bloom, fence and footer[0:64]
//	68  reserved     uint32 (zero)

// castagnoli is the CRC-32C table; it is immutable after initialisation.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ukey is a Key as two integers, which compare faster than byte slices; comparing (hi, lo)
// lexicographically is the same as comparing the 16 key bytes.
type ukey struct{ hi, lo uint64 }

func (a ukey) cmp(b ukey) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func ukeyFrom(b []byte) ukey {
	return ukey{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])}
}

// run is an open, immutable run file. Its methods are safe for concurrent use.
type run struct {
	name       string // base name inside the index directory
	path       string
	f          *os.File
	count      int64
	recordsCRC uint32
	bloom      bloom
	fence      []ukey
}

// lookup finds k in the run. It consults the in-memory bloom filter and fence index first, so a
// miss almost never touches the file and a hit reads exactly one block.
func (r *run) lookup(k ukey) (uint64, bool, error) {
	if !r.bloom.mayContain(k.hi, k.lo) {
		return 0, false, nil
	}
	// Find the last block whose first key is <= k.
	lo, hi := 0, len(r.fence)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.fence[mid].cmp(k) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	blk := lo - 1
	if blk < 0 {
		return 0, false, nil
	}
	start := int64(blk) * blockRecords
	n := min(int64(blockRecords), r.count-start)
	var buf [blockBytes]byte
	b := buf[:n*recordSize]
	if _, err := r.f.ReadAt(b, start*recordSize); err != nil {
		return 0, false, fmt.Errorf("dedupe: read run %s: %w", r.name, err)
	}
	i, j := 0, int(n)
	for i < j {
		mid := int(uint(i+j) >> 1)
		rec := b[mid*recordSize:]
		switch ukeyFrom(rec).cmp(k) {
		case 0:
			return binary.BigEndian.Uint64(rec[16:24]), true, nil
		case -1:
			i = mid + 1
		default:
			j = mid
		}
	}
	return 0, false, nil
}

func (r *run) close() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("dedupe: close run %s: %w", r.name, err)
	}
	return nil
}

// openRun opens a run file and loads its bloom filter and fence index.
func openRun(dir, name string) (_ *run, err error) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dedupe: open run %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	r, err := loadRun(f, name)
	if err != nil {
		return nil, fmt.Errorf("dedupe: open run %s: %w", name, err)
	}
	r.path = path
	return r, nil
}

func loadRun(f *os.File, name string) (*run, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < footerSize {
		return nil, fmt.Errorf("file is %d bytes, shorter than the footer", size)
	}
	var ft [footerSize]byte
	if _, err := f.ReadAt(ft[:], size-footerSize); err != nil {
		return nil, fmt.Errorf("read footer: %w", err)
	}
	if string(ft[0:8]) != runMagic {
		return nil, errors.New("bad magic, not a run file")
	}
	be := binary.BigEndian
	if v := be.Uint32(ft[8:12]); v != runVersion {
		return nil, fmt.Errorf("unsupported version %d", v)
	}
	if br := be.Uint32(ft[12:16]); br != blockRecords {
		return nil, fmt.Errorf("block size %d, want %d", br, blockRecords)
	}
	if k := be.Uint32(ft[60:64]); k != bloomK {
		return nil, fmt.Errorf("bloom k %d, want %d", k, bloomK)
	}
	count := be.Uint64(ft[16:24])
	bloomOff := be.Uint64(ft[24:32])
	bloomWords := be.Uint64(ft[32:40])
	fenceOff := be.Uint64(ft[40:48])
	fenceCount := be.Uint64(ft[48:56])
	// Validate the layout before allocating anything sized by the footer, so a corrupt footer
	// cannot make us allocate absurd amounts of memory.
	const maxCount = 1 << 40
	if count == 0 || count > maxCount || bloomWords == 0 || bloomWords%bloomBlockWords != 0 ||
		bloomWords > maxCount || bloomOff != count*recordSize ||
		fenceOff != bloomOff+bloomWords*8 || fenceCount != (count+blockRecords-1)/blockRecords ||
		uint64(size) != fenceOff+fenceCount*16+footerSize {
		return nil, fmt.Errorf("inconsistent footer (count %d, bloom words %d, file size %d)",
			count, bloomWords, size)
	}

	// Read bloom and fence in chunks so that a large filter is not held twice (bytes and words).
	cr := &crcReader{r: io.NewSectionReader(f, int64(bloomOff), int64(fenceOff+fenceCount*16-bloomOff))}
	sr := bufio.NewReaderSize(cr, 1<<16)
	var w [16]byte
	words := make([]uint64, bloomWords)
	for i := range words {
		if _, err := io.ReadFull(sr, w[:8]); err != nil {
			return nil, fmt.Errorf("read bloom: %w", err)
		}
		words[i] = binary.LittleEndian.Uint64(w[:8])
	}
	fence := make([]ukey, fenceCount)
	for i := range fence {
		if _, err := io.ReadFull(sr, w[:16]); err != nil {
			return nil, fmt.Errorf("read fence: %w", err)
		}
		fence[i] = ukeyFrom(w[:16])
	}
	// The section ends with the fence, so the reader has checksummed exactly bloom and fence.
	crc := crc32.Update(cr.crc, castagnoli, ft[:64])
	if want := be.Uint32(ft[64:68]); crc != want {
		return nil, fmt.Errorf("bloom/fence checksum mismatch (got %08x, want %08x)", crc, want)
	}
	return &run{
		name:       name,
		f:          f,
		count:      int64(count),
		recordsCRC: be.Uint32(ft[56:60]),
		bloom:      bloomFromWords(words),
		fence:      fence,
	}, nil
}

// runWriter streams strictly increasing records into a temporary file and turns it into a run.
type runWriter struct {
	dir, name, tmpPath string
	f                  *os.File
	cw                 *crcWriter
	w                  *bufio.Writer
	bloom              bloom
	fence              []ukey
	count              int64
	last               ukey
	crc                uint32           // Records checksum, set by writeTail.
	rec                [recordSize]byte // Scratch; a local array would escape through Write.
}

// createRun starts a run named name; expected is an upper bound on the number of records and
// sizes the bloom filter.
func createRun(dir, name string, expected int64) (*runWriter, error) {
	tmp := filepath.Join(dir, name+tmpSuffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dedupe: create run %s: %w", name, err)
	}
	cw := &crcWriter{w: f}
	return &runWriter{
		dir:     dir,
		name:    name,
		tmpPath: tmp,
		f:       f,
		cw:      cw,
		w:       bufio.NewWriterSize(cw, 1<<20),
		bloom:   newBloom(int(expected)),
		fence:   make([]ukey, 0, (expected+blockRecords-1)/blockRecords),
	}, nil
}

func (w *runWriter) append(k ukey, v uint64) error {
	if w.count > 0 && w.last.cmp(k) >= 0 {
		return fmt.Errorf("dedupe: write run %s: keys not strictly increasing at record %d", w.name, w.count)
	}
	if w.count%blockRecords == 0 {
		w.fence = append(w.fence, k)
	}
	rec := w.rec[:]
	binary.BigEndian.PutUint64(rec[0:8], k.hi)
	binary.BigEndian.PutUint64(rec[8:16], k.lo)
	binary.BigEndian.PutUint64(rec[16:24], v)
	if _, err := w.w.Write(rec); err != nil {
		return fmt.Errorf("dedupe: write run %s: %w", w.name, err)
	}
	w.bloom.add(k.hi, k.lo)
	w.last = k
	w.count++
	return nil
}

// finish writes the bloom filter, fence index and footer, makes the file durable under its
// final name and returns it opened for reading. On error the temporary file is removed.
func (w *runWriter) finish() (_ *run, err error) {
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	if w.count == 0 {
		return nil, fmt.Errorf("dedupe: write run %s: no records", w.name)
	}
	if err := w.writeTail(); err != nil {
		return nil, fmt.Errorf("dedupe: write run %s: %w", w.name, err)
	}
	if err := w.f.Sync(); err != nil {
		return nil, fmt.Errorf("dedupe: sync run %s: %w", w.name, err)
	}
	final := filepath.Join(w.dir, w.name)
	// Replace makes the rename durable before any manifest can name the file; otherwise a
	// crash could leave a manifest that refers to a run the directory does not contain.
	err = fsx.Replace(w.tmpPath, final)
	if err == nil || errors.Is(err, fsx.ErrUnsynced) {
		w.tmpPath = final // abort now removes the final file.
	}
	if err != nil {
		return nil, fmt.Errorf("dedupe: run %s: %w", w.name, err)
	}
	// Reopen read-only: lookups only need ReadAt, and a read-only descriptor cannot damage
	// the file.
	f, err := os.Open(final)
	if err != nil {
		return nil, fmt.Errorf("dedupe: open run %s: %w", w.name, err)
	}
	w.f.Close()
	return &run{
		name:       w.name,
		path:       final,
		f:          f,
		count:      w.count,
		recordsCRC: w.crc,
		bloom:      w.bloom,
		fence:      w.fence,
	}, nil
}

func (w *runWriter) writeTail() error {
	// Flushing at each section boundary lets the crcWriter below the buffer checksum the
	// sections separately.
	if err := w.w.Flush(); err != nil {
		return err
	}
	w.crc, w.cw.crc = w.cw.crc, 0
	var scratch [16]byte
	for _, word := range w.bloom.words {
		binary.LittleEndian.PutUint64(scratch[:8], word)
		if _, err := w.w.Write(scratch[:8]); err != nil {
			return err
		}
	}
	for _, k := range w.fence {
		binary.BigEndian.PutUint64(scratch[0:8], k.hi)
		binary.BigEndian.PutUint64(scratch[8:16], k.lo)
		if _, err := w.w.Write(scratch[:16]); err != nil {
			return err
		}
	}
	if err := w.w.Flush(); err != nil {
		return err
	}
	meta := w.cw.crc
	be := binary.BigEndian
	bloomOff := uint64(w.count) * recordSize
	bloomWords := uint64(len(w.bloom.words))
	var ft [footerSize]byte
	copy(ft[0:8], runMagic)
	be.PutUint32(ft[8:12], runVersion)
	be.PutUint32(ft[12:16], blockRecords)
	be.PutUint64(ft[16:24], uint64(w.count))
	be.PutUint64(ft[24:32], bloomOff)
	be.PutUint64(ft[32:40], bloomWords)
	be.PutUint64(ft[40:48], bloomOff+bloomWords*8)
	be.PutUint64(ft[48:56], uint64(len(w.fence)))
	be.PutUint32(ft[56:60], w.crc)
	be.PutUint32(ft[60:64], bloomK)
	be.PutUint32(ft[64:68], crc32.Update(meta, castagnoli, ft[:64]))
	if _, err := w.w.Write(ft[:]); err != nil {
		return err
	}
	return w.w.Flush()
}

// abort discards the run being written.
func (w *runWriter) abort() {
	w.f.Close()
	os.Remove(w.tmpPath)
}

// entry is one memtable record prepared for sorting.
type entry struct {
	k ukey
	v uint64
}

// writeMemtable writes the memtable as a run. Its only transient allocation proportional to the
// memtable is the sorted copy of the entries (24 bytes per entry).
func writeMemtable(dir, name string, mem map[Key]uint64) (*run, error) {
	entries := sortMemtable(mem)
	w, err := createRun(dir, name, int64(len(entries)))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := w.append(e.k, e.v); err != nil {
			w.abort()
			return nil, err
		}
	}
	return w.finish()
}

// sortMemtable returns the memtable's entries sorted by key. Keys are uniform hashes, so it
// scatters them straight from the map into up to 2048 buckets chosen by the top bits of the key
// (a counting sort; few enough buckets that the scattered writes stay cache friendly) and then
// sorts each bucket of a few hundred entries in cache. That is about 1.5× faster than sorting
// the whole slice and needs no second buffer.
func sortMemtable(mem map[Key]uint64) []entry {
	n := len(mem)
	if n == 0 {
		return nil
	}
	bucketBits := min(max(bits.Len(uint(n/1024)), 1), 11)
	shift := 64 - bucketBits
	// start[b] is where bucket b begins; start[len-1] == n.
	start := make([]int, 1<<bucketBits+1)
	for k := range mem {
		start[binary.BigEndian.Uint64(k[:8])>>shift+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	next := slices.Clone(start[:len(start)-1])
	entries := make([]entry, n)
	for k, v := range mem {
		uk := k.ukey()
		b := uk.hi >> shift
		entries[next[b]] = entry{uk, v}
		next[b]++
	}
	for b := 0; b < len(start)-1; b++ {
		if bucket := entries[start[b]:start[b+1]]; len(bucket) > 1 {
			slices.SortFunc(bucket, func(x, y entry) int { return x.k.cmp(y.k) })
		}
	}
	return entries
}

// runIter streams the records of a run in order, checking order and the records checksum.
type runIter struct {
	r     *run
	cr    *crcReader
	br    *bufio.Reader
	read  int64
	cur   ukey
	val   uint64
	valid bool
	rec   [recordSize]byte // Scratch; a local array would escape through io.ReadFull.
}

func newRunIter(r *run) *runIter {
	cr := &crcReader{r: io.NewSectionReader(r.f, 0, r.count*recordSize)}
	return &runIter{r: r, cr: cr, br: bufio.NewReaderSize(cr, 1<<18)}
}

// next advances to the next record. At the end it sets it.valid to false and verifies the
// records checksum, so a merge never silently copies a damaged run.
func (it *runIter) next() error {
	if it.read == it.r.count {
		it.valid = false
		// The section holds exactly the records, so all of them have been checksummed.
		if it.cr.crc != it.r.recordsCRC {
			return fmt.Errorf("dedupe: run %s: records checksum mismatch", it.r.name)
		}
		return nil
	}
	rec := it.rec[:]
	if _, err := io.ReadFull(it.br, rec); err != nil {
		return fmt.Errorf("dedupe: read run %s: %w", it.r.name, err)
	}
	k := ukeyFrom(rec[:16])
	if it.read > 0 && it.cur.cmp(k) >= 0 {
		return fmt.Errorf("dedupe: run %s: keys out of order at record %d", it.r.name, it.read)
	}
	it.cur, it.val, it.valid = k, binary.BigEndian.Uint64(rec[16:24]), true
	it.read++
	return nil
}

// mergeRuns streams older and newer into a new run named name. Memory use is the two read
// buffers, the write buffer and the new bloom filter and fence index. When both runs hold a key,
// the older value wins: the first value stored for an event id stands.
func mergeRuns(dir, name string, older, newer *run) (*run, error) {
	w, err := createRun(dir, name, older.count+newer.count)
	if err != nil {
		return nil, err
	}
	a, b := newRunIter(older), newRunIter(newer)
	err = a.next()
	if err == nil {
		err = b.next()
	}
	for err == nil && (a.valid || b.valid) {
		switch {
		case !b.valid || (a.valid && a.cur.cmp(b.cur) < 0):
			if err = w.append(a.cur, a.val); err == nil {
				err = a.next()
			}
		case !a.valid || b.cur.cmp(a.cur) < 0:
			if err = w.append(b.cur, b.val); err == nil {
				err = b.next()
			}
		default: // Same key in both: keep the older value.
			if err = w.append(a.cur, a.val); err == nil {
				if err = a.next(); err == nil {
					err = b.next()
				}
			}
		}
	}
	if err != nil {
		w.abort()
		return nil, err
	}
	return w.finish()
}

// crcWriter checksums everything written through it. Placed under a bufio.Writer it sees large
// chunks, which CRC-32C processes far faster than one 24-byte record at a time.
type crcWriter struct {
	w   io.Writer
	crc uint32
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	return n, err
}

// crcReader checksums everything read through it; see crcWriter.
type crcReader struct {
	r   io.Reader
	crc uint32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	return n, err
}
