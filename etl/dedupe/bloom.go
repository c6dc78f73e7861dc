package dedupe

import "math/bits"

// The bloom filter of a run is blocked: a key selects one 512-bit (64-byte) block, a single
// cache line for the page-aligned filters of all but tiny runs, and sets or tests bloomK bits
// inside it. A miss therefore costs one cache miss per run instead of bloomK scattered ones,
// which matters because misses dominate the workload and every run must be asked. At 10 bits per
// key the blocked layout gives a false-positive rate of about 1%, a little above the 0.8% of a
// classic filter of the same size.
const (
	bloomBitsPerKey = 10
	bloomK          = 7
	bloomBlockWords = 8 // 8 × 64 bits = 512 bits per block.
	bloomBlockBits  = bloomBlockWords * 64
)

// bloom is a blocked bloom filter over keys that are already uniform hashes, so no further
// hashing is needed: the high half of the key picks the block and the low half supplies bloomK
// 9-bit bit positions (7 × 9 = 63 bits).
type bloom struct {
	words   []uint64
	nblocks uint64
}

// newBloom sizes a filter for n keys.
func newBloom(n int) bloom {
	nblocks := (uint64(n)*bloomBitsPerKey + bloomBlockBits - 1) / bloomBlockBits
	if nblocks == 0 {
		nblocks = 1
	}
	return bloom{words: make([]uint64, nblocks*bloomBlockWords), nblocks: nblocks}
}

// bloomFromWords wraps words read from a run file; len(words) must be a positive multiple of
// bloomBlockWords.
func bloomFromWords(words []uint64) bloom {
	return bloom{words: words, nblocks: uint64(len(words) / bloomBlockWords)}
}

// block returns the block for hi. It maps hi onto [0, nblocks) with a multiply-shift instead of a
// modulo, which is both faster and uniform for a uniform hi.
func (b *bloom) block(hi uint64) []uint64 {
	idx, _ := bits.Mul64(hi, b.nblocks)
	off := idx * bloomBlockWords
	return b.words[off : off+bloomBlockWords : off+bloomBlockWords]
}

func (b *bloom) add(hi, lo uint64) {
	blk := b.block(hi)
	for range bloomK {
		p := lo & (bloomBlockBits - 1)
		blk[p>>6] |= 1 << (p & 63)
		lo >>= 9
	}
}

func (b *bloom) mayContain(hi, lo uint64) bool {
	blk := b.block(hi)
	for range bloomK {
		p := lo & (bloomBlockBits - 1)
		if blk[p>>6]&(1<<(p&63)) == 0 {
			return false
		}
		lo >>= 9
	}
	return true
}

// reset clears the filter for reuse.
func (b *bloom) reset() { clear(b.words) }
