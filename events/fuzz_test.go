package events_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/thanhhoa-ntm/ntm/events"
)

// FuzzDecode checks that Decode never panics and always keeps its contract: a valid event, or a
// *Rejection with one of the contract's reasons and a message. A valid event must also survive
// canonicalisation: its canonical form has the same content and is itself a valid event.
//
// The seeds live in testdata/fuzz-seeds, not in testdata/fuzz/FuzzDecode, which belongs to
// `go test -fuzz` for the inputs it finds.
func FuzzDecode(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz-seeds", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata/fuzz-seeds")
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// The bad inputs of the reliability issue seed it too, but for the megabyte ones, which
	// stall Go's fuzzing engine (TestBadInputStream decodes those).
	for _, c := range badInputCases() {
		if len(c.line) <= 64<<10 {
			f.Add([]byte(c.line))
		}
	}
	reasons := events.Reasons()

	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := events.Decode(data)
		if err != nil {
			var rej *events.Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("Decode returned %T (%v), not a *events.Rejection", err, err)
			}
			if !slices.Contains(reasons, rej.Reason) || rej.Reason == events.ConflictingDuplicate {
				t.Fatalf("Decode rejected with reason %q, which it may not return", rej.Reason)
			}
			if rej.Message == "" {
				t.Fatalf("Decode rejected with %s and an empty message", rej.Reason)
			}
			return
		}
		if !e.Type.Valid() {
			t.Fatalf("Decode accepted an event of invalid type %d", e.Type)
		}
		if len(e.Raw) == 0 {
			t.Fatal("Decode accepted an event with an empty Raw")
		}
		if e.Payload == nil || e.Payload.Type() != e.Type {
			t.Fatalf("Decode accepted a %s with payload %T", e.Type, e.Payload)
		}

		canon := events.AppendCanonical(nil, e.Raw)
		if !events.SameContent(e.Raw, canon) {
			t.Fatalf("the canonical form has other content:\n%s\n%s", e.Raw, canon)
		}
		c, err := events.Decode(canon)
		if err != nil {
			t.Fatalf("the canonical form of a valid event is rejected: %v\n%s\n%s", err, e.Raw, canon)
		}
		if c.Type != e.Type || c.ID != e.ID || c.BusinessDate != e.BusinessDate || !c.OccurredAt.Equal(e.OccurredAt) {
			t.Fatalf("the canonical form decodes to another event:\n%s\n%s", e.Raw, canon)
		}
		if !reflect.DeepEqual(c.Payload, e.Payload) {
			t.Fatalf("the canonical form decodes to another payload: %+v, not %+v", c.Payload, e.Payload)
		}
		if !slices.Equal(slices.Sorted(slices.Values(c.Unknown)), slices.Sorted(slices.Values(e.Unknown))) {
			t.Fatalf("the canonical form has other unknown members: %q, not %q", c.Unknown, e.Unknown)
		}
		if again := events.AppendCanonical(nil, canon); string(again) != string(canon) {
			t.Fatalf("the canonical form is not a fixed point:\n%s\n%s", canon, again)
		}
	})
}
