package events

import (
	"fmt"

	"github.com/zeebo/xxh3"
)

// Judge is the one judge of an input line. `ntm validate` (through ndjson.Tally), ingest's
// workers and the gateway all call it, so that a line gets the same verdict, reason and
// message wherever it is judged; only the decisions that need state (a duplicate of an event
// accepted earlier, the gateway's authorization) are taken by the caller, from the Hash the
// Judge gives. A Judge reuses its scratch space: give each goroutine its own. The zero value
// is ready to use.
type Judge struct {
	dec   Decoder
	canon Canonicalizer
	buf   []byte
}

// Line decodes and validates one line (one NDJSON line or one Kafka record value, without its
// line ending). A rejection is an error that RejectionOf reads.
func (j *Judge) Line(line []byte) (Event, error) { return j.dec.Decode(line) }

// Hash is the content hash of an event Line accepted: XXH3 of its canonical form, so that key
// order, white space and the spelling of numbers do not make two deliveries of one event
// different (EVENTS.md, "Duplicates"). Two events with one event_id and different hashes are a
// conflicting duplicate (see ConflictMessage).
func (j *Judge) Hash(ev *Event) uint64 {
	j.buf = j.canon.Append(j.buf[:0], ev)
	return xxh3.Hash(j.buf)
}

// ConflictMessage is the dead letter's message for an event whose event_id was accepted
// before with different content (reason conflicting_duplicate). It names the way to change
// an event, since sending it again with new content is the usual mistake.
func ConflictMessage(id string) string {
	return fmt.Sprintf("event_id %q was accepted before with different content; the first event stands: to change it, send an event with a new event_id and \"corrects\":%q", id, id)
}
