package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
)

// badInputCase is one line of an NDJSON stream that the reliability issue names as bad input.
// reason is the contract's reason the line must get; empty means the line is valid and must be
// accepted (the edge of a rule, kept beside the bad ones), and blank means the reader skips it.
type badInputCase struct {
	name   string
	line   string
	reason events.Reason
	blank  bool
	field  string // the rejection's Field must start with it, when set
	keep   string // for an accepted line: text its RawPayload must hold exactly
}

// sized returns a valid survey.response of exactly size bytes, padded with an unknown payload
// member, under the given event_id.
func sized(id string, size int) string {
	base := ev("survey.response", set("event_id", `"`+id+`"`), set("payload.note", `""`))
	return ev("survey.response", set("event_id", `"`+id+`"`), set("payload.note", `"`+strings.Repeat("x", size-len(base))+`"`))
}

func badInputCases() []badInputCase {
	forty := strings.Repeat("1234567890", 4)
	return []badInputCase{
		// Lines over 1 MiB, and the largest line that is still an event.
		{name: "event of 1 MiB + 1 byte", line: sized("big-1", events.MaxEventSize+1), reason: events.TooLarge},
		{name: "1 MiB + 1 byte of garbage", line: strings.Repeat("x", events.MaxEventSize+1), reason: events.TooLarge},
		{name: "3 MiB of invalid UTF-8", line: strings.Repeat("\xff", 3*events.MaxEventSize), reason: events.TooLarge},
		{name: "event of exactly 1 MiB", line: sized("big-0", events.MaxEventSize)},

		// Invalid UTF-8.
		{name: "invalid UTF-8 in a value", line: ev("cooperative.registered", set("payload.name", "\"HTX \xff\"")), reason: events.NotJSON},
		{name: "invalid UTF-8 in a key", line: ev("cooperative.registered", set("payload.n\xc3", "1")), reason: events.NotJSON},
		{name: "overlong encoding of a slash", line: ev("cooperative.registered", set("payload.name", "\"\xc0\xaf\"")), reason: events.NotJSON},
		{name: "UTF-8 encoded surrogate", line: ev("cooperative.registered", set("payload.name", "\"\xed\xa0\x80\"")), reason: events.NotJSON},
		{name: "invalid UTF-8 alone", line: "\xfe\xff", reason: events.NotJSON},
		{name: "byte order mark", line: "\xef\xbb\xbf" + ev("survey.response"), reason: events.NotJSON},

		// Deeply nested JSON.
		{name: "100000 unclosed arrays", line: strings.Repeat("[", 100_000), reason: events.BadValue},
		{name: "100000 closed arrays", line: nest(100_000), reason: events.BadValue},
		{name: "100000 nested objects", line: nestObjects(100_000), reason: events.BadValue},
		{name: "100000 arrays in a payload member", line: ev("survey.response", set("payload.extra", nest(100_000))), reason: events.BadValue, field: "payload.extra"},
		{name: "100000 unclosed arrays in the envelope", line: ev("survey.response", set("meta", strings.Repeat("[", 100_000))), reason: events.BadValue, field: "meta"},

		// Huge numbers: rejected where the contract bounds the field, kept as sent where it
		// does not (an unknown payload member).
		{name: "1e400 hours", line: ev("training.completed", set("payload.hours", "1e400")), reason: events.BadValue, field: "payload.hours"},
		{name: "-1e400 latitude", line: ev("raw_material_area.registered", set("payload.latitude", "-1e400")), reason: events.BadValue, field: "payload.latitude"},
		{name: "40-digit amount_vnd", line: ev("funding.allocated", set("payload.amount_vnd", forty)), reason: events.BadValue, field: "payload.amount_vnd"},
		{name: "40-digit stars", line: ev("ocop.product_rated", set("payload.stars", forty)), reason: events.BadValue, field: "payload.stars"},
		{name: "1e400 schema_version", line: ev("survey.response", set("schema_version", "1e400")), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "40-digit schema_version", line: ev("survey.response", set("schema_version", forty)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		// hours is bounded by the contract (at most 1000): 40 digits are a finite number past it.
		{name: "40-digit hours", line: ev("training.completed", set("event_id", `"num-3"`), set("payload.hours", forty)), reason: events.BadValue, field: "payload.hours"},
		{name: "1e400 in an unknown payload member", line: ev("survey.response", set("event_id", `"num-1"`), set("payload.weight", "1e400")), keep: `"weight":1e400`},
		{name: "40-digit unknown payload member", line: ev("survey.response", set("event_id", `"num-2"`), set("payload.serial", "-"+forty)), keep: `"serial":-` + forty},

		// NUL bytes: raw ones are not JSON; an escaped one is a character like any other.
		{name: "NUL byte alone", line: "\x00", reason: events.NotJSON},
		{name: "NUL byte in a string", line: ev("cooperative.registered", set("payload.name", "\"HTX\x00\"")), reason: events.NotJSON},
		{name: "NUL byte after the object", line: ev("survey.response") + "\x00", reason: events.NotJSON},
		{name: "escaped NUL in an unknown member", line: ev("survey.response", set("event_id", `"nul-1"`), set("payload.note", `"a\u0000b"`)), keep: `"note":"a\u0000b"`},

		// Empty lines and line endings.
		{name: "empty line", line: "", blank: true},
		{name: "white space line", line: " \t ", blank: true},
		{name: "carriage return alone", line: "\r", blank: true},
		{name: "CRLF line ending", line: ev("survey.response", set("event_id", `"crlf-1"`)) + "\r"},
		{name: "carriage returns as white space inside", line: strings.ReplaceAll(ev("survey.response", set("event_id", `"crlf-2"`)), ",", ",\r")},
		{name: "a lone carriage return inside a string", line: ev("cooperative.registered", set("payload.name", "\"HTX\rA\"")), reason: events.NotJSON},
	}
}

// TestBadInputStream reads a stream where every bad input of the reliability issue sits between
// two valid events, the way ingest reads files: one Reader, one Decoder reused for every line.
// Each bad line gets its reason, and every valid line beside it is accepted, so that nothing a
// bad line does to the reader's buffer or the decoder's scratch space leaks into its neighbours.
func TestBadInputStream(t *testing.T) {
	cases := badInputCases()
	type want struct {
		name   string
		reason events.Reason
		id     string // for an accepted line
		field  string
		keep   string
	}
	wants := map[int]want{}
	var b strings.Builder
	line := 0
	neighbour := func() {
		line++
		id := fmt.Sprintf("nb-%03d", line)
		b.WriteString(ev("training.completed", set("event_id", `"`+id+`"`)) + "\n")
		wants[line] = want{name: "valid neighbour " + id, id: id}
	}
	neighbour()
	for _, c := range cases {
		line++
		b.WriteString(c.line + "\n")
		if !c.blank {
			w := want{name: c.name, reason: c.reason, field: c.field, keep: c.keep}
			if c.reason == "" {
				var env struct {
					ID string `json:"event_id"`
				}
				require.NoError(t, json.Unmarshal([]byte(strings.TrimRight(c.line, "\r")), &env), c.name)
				w.id = env.ID
			}
			wants[line] = w
		}
		neighbour()
	}

	rd := ndjson.NewReader(strings.NewReader(b.String()))
	var dec events.Decoder
	seen := map[int]bool{}
	rejected, accepted, neighbours := 0, 0, 0
	for {
		raw, n, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		w, ok := wants[n]
		require.True(t, ok, "line %d is blank in the stream, yet the reader returned it", n)
		seen[n] = true
		e, err := dec.Decode(raw)
		if w.reason != "" {
			var rej *events.Rejection
			require.ErrorAs(t, err, &rej, "%s (line %d)", w.name, n)
			require.Equal(t, w.reason, rej.Reason, "%s (line %d): %s", w.name, n, rej.Message)
			require.NotEmpty(t, rej.Message, w.name)
			require.True(t, strings.HasPrefix(rej.Field, w.field), "%s: field %q does not start with %q", w.name, rej.Field, w.field)
			rejected++
			continue
		}
		require.NoError(t, err, "%s (line %d)", w.name, n)
		require.Equal(t, w.id, e.ID, w.name)
		if w.keep != "" {
			require.Contains(t, string(e.RawPayload), w.keep, "%s: the member is kept as sent", w.name)
		}
		if strings.HasPrefix(w.id, "nb-") {
			neighbours++
		} else {
			accepted++
		}
	}
	require.Len(t, seen, len(wants), "every non-blank line was read once")

	blank := 0
	for _, c := range cases {
		if c.blank {
			blank++
		}
	}
	t.Logf(`RELIABILITY {"section":"bad_input","target":"decoder_stream","inputs_tried":%d,"rejected_with_reason":%d,"edge_cases_accepted":%d,"blank_skipped":%d,"valid_neighbours":%d,"valid_neighbours_accepted":%d}`,
		len(cases), rejected, accepted, blank, len(cases)+1, neighbours)
}
