package ndjson

import (
	"github.com/thanhhoa-ntm/ntm/events"
)

// Example is the first rejected line of a reason, to show a user what went wrong.
type Example struct {
	Line    int
	Field   string // the field at fault, when one is
	Message string
}

// Tally counts a stream as an ingest judges it: valid events by type (each event_id once),
// duplicates, and rejected lines by reason, including conflicting duplicates. It remembers an
// 8-byte content hash per event_id, so it suits files, not unbounded streams.
type Tally struct {
	Lines      int64
	Accepted   map[events.Type]int64
	Duplicates int64
	Rejected   map[events.Reason]int64
	Examples   map[events.Reason]Example

	judge events.Judge
	seen  map[string]uint64
}

// NewTally returns an empty Tally.
func NewTally() *Tally {
	return &Tally{
		Accepted: map[events.Type]int64{}, Rejected: map[events.Reason]int64{},
		Examples: map[events.Reason]Example{}, seen: map[string]uint64{},
	}
}

// Add judges one line; lineNo names it in examples.
func (t *Tally) Add(line []byte, lineNo int) {
	t.Lines++
	ev, err := t.judge.Line(line)
	if err != nil {
		rej := events.RejectionOf(err)
		t.reject(rej.Reason, lineNo, rej.Field, rej.Message)
		return
	}
	// The duplicate rule is ingest's: the same content hash, from the same Judge.
	sum := t.judge.Hash(&ev)
	if prev, ok := t.seen[ev.ID]; ok {
		if prev == sum {
			t.Duplicates++
			return
		}
		t.reject(events.ConflictingDuplicate, lineNo, "event_id", events.ConflictMessage(ev.ID))
		return
	}
	t.seen[ev.ID] = sum
	t.Accepted[ev.Type]++
}

func (t *Tally) reject(reason events.Reason, lineNo int, field, msg string) {
	t.Rejected[reason]++
	if _, ok := t.Examples[reason]; !ok {
		t.Examples[reason] = Example{Line: lineNo, Field: field, Message: msg}
	}
}
