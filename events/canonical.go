package events

import (
	"bytes"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// AppendCanonical appends the canonical form of the valid JSON document doc to dst: members
// sorted by name, no white space, one escaping, numbers by value. Two documents have the same
// canonical form exactly when the contract calls their content the same: key order, white space
// and number spelling (8 and 8.0) do not count, and true is not 1.
func AppendCanonical(dst, doc []byte) []byte {
	v, err := jsonx.Document(doc)
	if err != nil {
		return append(dst, doc...)
	}
	return jsonx.Canonical(dst, v)
}

// SameContent reports whether two events with the same event_id are duplicates (true) or a
// conflicting duplicate (false). Both must be valid JSON.
func SameContent(a, b []byte) bool {
	return bytes.Equal(AppendCanonical(nil, a), AppendCanonical(nil, b))
}

// Canonicalizer computes canonical forms of events that Decode accepted, faster than
// AppendCanonical: it does not validate the JSON again and reuses its scratch space. Give each
// goroutine its own.
type Canonicalizer struct{ c jsonx.Canonicalizer }

// Append appends the canonical form of ev.Raw to dst; the bytes equal AppendCanonical's.
func (c *Canonicalizer) Append(dst []byte, ev *Event) []byte {
	return c.c.Append(dst, ev.Raw)
}
