package ndjson

import (
	"crypto/sha256"

	"github.com/thanhhoa-ntm/ntm/events"
)

// Example is the first rejected line of a reason, to show a user what went wrong.
type Example struct {
	Line    int
	Message string
}

// Tally counts a stream as an ingest judges it: valid events by type (each event_id once),
// duplicates, and rejected lines by reason, including conflicting duplicates. It remembers a
// 32-byte digest per event_id, so it suits files, not unbounded streams.
type Tally struct {
	Lines      int64
	Accepted   map[events.Type]int64
	Duplicates int64
	Rejected   map[events.Reason]int64
	Examples   map[events.Reason]Example

	dec  events.Decoder
	seen map[string][32]byte
	buf  []byte
}

// NewTally returns an empty Tally.
func NewTally() *Tally {
	return &Tally{
		Accepted: map[events.Type]int64{}, Rejected: map[events.Reason]int64{},
		Examples: map[events.Reason]Example{}, seen: map[string][32]byte{},
	}
}

// Add judges one line; lineNo names it in examples.
func (t *Tally) Add(line []byte, lineNo int) {
	t.Lines++
	ev, err := t.dec.Decode(line)
	if err != nil {
		rej := events.RejectionOf(err)
		t.reject(rej.Reason, lineNo, rej.Message)
		return
	}
	t.buf = events.AppendCanonical(t.buf[:0], ev.Raw)
	sum := sha256.Sum256(t.buf)
	if prev, ok := t.seen[ev.ID]; ok {
		if prev == sum {
			t.Duplicates++
			return
		}
		t.reject(events.ConflictingDuplicate, lineNo, "event_id "+ev.ID+" was seen before with different content")
		return
	}
	t.seen[ev.ID] = sum
	t.Accepted[ev.Type]++
}

func (t *Tally) reject(reason events.Reason, lineNo int, msg string) {
	t.Rejected[reason]++
	if _, ok := t.Examples[reason]; !ok {
		t.Examples[reason] = Example{Line: lineNo, Message: msg}
	}
}
