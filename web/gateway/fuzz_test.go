package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/events"
)

// fuzzEvent is a valid event about unit, as a reporter of commune 15814 sends it.
func fuzzEvent(id, unit string) string {
	return fmt.Sprintf(`{"event_id":%q,"event_type":"wifi_hotspot.installed","schema_version":1,`+
		`"occurred_at":"2025-03-01T08:00:00+07:00","recorded_at":"2025-03-01T09:00:00+07:00",`+
		`"source":{"level":"commune","unit_code":"15814","system":"fuzz"},"unit_code":%q,`+
		`"payload":{"hotspot_id":"WF-1","site":"one_stop_shop","free":true}}`, id, unit)
}

// padMarker followed by a byte c stands for pad copies of c in a fuzz input, so that the
// corpus holds lines over 1 MiB and 100,000-deep nesting as a few bytes and a number: Go's
// fuzzing engine stalls on megabyte corpus entries (it encodes each one as Go source text).
const padMarker = "@PAD@"

// maxPad bounds one expansion: over the contract's 1 MiB limit, under the default body limit.
const maxPad = 2<<20 + 1<<10

// expand replaces up to four padMarker occurrences in b with pad copies of the byte after
// each.
func expand(b []byte, pad uint32) []byte {
	n := int(pad % (maxPad + 1))
	for range 4 {
		i := bytes.Index(b, []byte(padMarker))
		if i < 0 || i+len(padMarker) >= len(b) {
			break
		}
		c := b[i+len(padMarker)]
		b = slices.Concat(b[:i], bytes.Repeat([]byte{c}, n), b[i+len(padMarker)+1:])
	}
	return b
}

type fuzzSeed struct {
	garbage string
	pad     uint32
}

// fuzzSeeds are the bad inputs of the reliability issue, as whole bodies or parts of one: lines
// over 1 MiB, invalid UTF-8, deeply nested JSON, huge numbers, NUL bytes, empty lines and CRLF.
func fuzzSeeds() []fuzzSeed {
	valid := fuzzEvent("seed-1", "15814")
	padded := strings.Replace(valid, `"free":true`, `"free":true,"pad":"`+padMarker+`x"`, 1)
	forty := strings.Repeat("9", 40)
	return []fuzzSeed{
		{valid, 0},
		{valid + "\n" + fuzzEvent("seed-2", "15817") + "\n", 0},
		{padded, events.MaxEventSize},
		{padded, events.MaxEventSize - uint32(len(valid)) - 9},
		{padded + "\n" + valid, events.MaxEventSize - uint32(len(valid)) - 9},
		{padMarker + "x", events.MaxEventSize + 1},
		{padMarker + "\xff", events.MaxEventSize + 1},
		{strings.Replace(valid, "fuzz", "fu\xffzz", 1), 0},
		{"\xff\xfe\xfd\n\xc0\xaf\n\xed\xa0\x80", 0},
		{padMarker + "[", 100_000},
		{padMarker + "[" + padMarker + "]", 100_000},
		{strings.Replace(valid, `"free":true`, `"free":true,"x":`+padMarker+"["+padMarker+"]", 1), 100_000},
		{strings.Replace(valid, `"schema_version":1`, `"schema_version":1e400`, 1), 0},
		{strings.Replace(valid, `"schema_version":1`, `"schema_version":`+forty, 1), 0},
		{strings.Replace(valid, `"free":true`, `"free":true,"n":1e400,"m":-`+forty, 1), 0},
		{"\x00", 0},
		{strings.Replace(valid, "WF-1", "WF\x00-1", 1) + "\n\x00\n", 0},
		{strings.Replace(valid, "WF-1", `WF\u0000-1`, 1), 0},
		{"", 0},
		{"\n\n\n", 0},
		{" \t\r\n\r\n", 0},
		{valid + "\r\n" + valid + "\r\n", 0},
		{"\r" + valid + "\r\r\n", 0},
		{valid[:len(valid)/2] + "\n" + valid[len(valid)/2:], 0},
		{valid + valid, 0},
		{"[]\nnull\n42\n\"x\"\n{}", 0},
	}
}

// FuzzGateway fuzzes how the gateway judges a request body, line by line, with a reporter of
// commune 15814. The body is the fuzzer's bytes (see expand) between two valid events.
// Whatever the bytes, judging never panics and never fails (the body is read from memory);
// every non-blank line has exactly one result, numbered as the contract counts lines; a line's
// result is what Decode says of that line alone, then the reporter's scope (the hierarchy's,
// tested in package tokens), so garbage never changes the fate of the valid events beside it;
// every rejection carries a reason of the contract or the gateway and a message; and every
// record to produce is its line's bytes as received, keyed by its unit.
//
// A new interesting input is minimized, which for one holding a megabyte line takes a minute of
// the default -fuzzminimizetime; run it with -fuzzminimizetime=20x to keep fuzzing instead:
//
//	go test -run '^$' -fuzz '^FuzzGateway$' -fuzztime 30s -fuzzminimizetime 20x ./etl/gateway/
//
// judge is fuzzed rather than the HTTP handler: it is the whole of the body handling, and
// producing to Kafka on every input would slow the fuzzer a thousandfold without adding any
// input the handler treats otherwise (the table tests in gateway_test.go produce to kfake).
func FuzzGateway(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s.garbage), s.pad)
	}
	store, err := auth.NewStore(nil)
	if err != nil {
		f.Fatal(err)
	}
	// The client never sends: judge only builds records. It needs no broker to exist.
	cl, err := kgo.NewClient(kgo.SeedBrokers("127.0.0.1:1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(cl.Close)
	h := Handler(Config{Tokens: store, Client: cl, Topic: "fuzz", MaxResults: 1 << 30, MaxDeadLetters: 1 << 30}).(*handler)
	p := auth.Principal{Name: "xa", Role: auth.RoleReporter, Unit: "15814"}
	first, last := fuzzEvent("first", "15814"), fuzzEvent("last", "15814-007")
	reasons := append(events.Reasons(), events.GatewayReasons()...)

	f.Fuzz(func(t *testing.T, garbage []byte, pad uint32) {
		garbage = expand(garbage, pad)
		body := slices.Concat([]byte(first+"\n"), garbage, []byte("\n"+last+"\r\n"))
		v, all, err := h.judge(context.Background(), bytes.NewReader(body), p)
		if err != nil {
			t.Fatalf("judging a body in memory failed: %v", err)
		}
		resp := v.response()
		// The events, and the dead letters by line.
		var recs []pending
		dead := map[int64]events.Verdict{}
		for _, pr := range all {
			if !pr.dead {
				recs = append(recs, pr)
				continue
			}
			hs := make([]events.Header, len(pr.rec.Headers))
			for i, hd := range pr.rec.Headers {
				hs[i] = events.Header{Key: hd.Key, Value: hd.Value}
			}
			vd, ok := events.VerdictOf(hs)
			if !ok || len(pr.rec.Value) != 0 {
				t.Fatalf("a dead letter without its verdict, or with a value: %+v", pr.rec)
			}
			if _, twice := dead[vd.Line]; twice {
				t.Fatalf("line %d has two dead letters", vd.Line)
			}
			dead[vd.Line] = vd
		}

		// The lines as the contract counts them: split at LF, a trailing CR dropped with the
		// LF, blank lines skipped but counted.
		type line struct {
			n    int
			text []byte
		}
		var lines []line
		parts := bytes.Split(body, []byte("\n"))
		if len(parts[len(parts)-1]) == 0 {
			parts = parts[:len(parts)-1]
		}
		for i, l := range parts {
			l = bytes.TrimRight(l, "\r")
			if len(bytes.Trim(l, " \t\r\n")) == 0 {
				continue
			}
			lines = append(lines, line{n: i + 1, text: l})
		}
		if len(resp.Results) != len(lines) {
			t.Fatalf("%d results for %d non-blank lines", len(resp.Results), len(lines))
		}

		produced := 0
		for i, l := range lines {
			res := resp.Results[i]
			if res.Line != l.n {
				t.Fatalf("result %d is for line %d, want line %d", i, res.Line, l.n)
			}
			ev, derr := events.Decode(l.text)
			var rej *events.Rejection
			switch {
			case errors.As(derr, &rej):
				if res.Status != StatusRejected || res.Reason != string(rej.Reason) {
					t.Fatalf("line %d: got %s/%s, Decode alone says %s", l.n, res.Status, res.Reason, rej.Reason)
				}
			case derr != nil:
				t.Fatalf("line %d: Decode returned %v, not a rejection", l.n, derr)
			case strings.HasPrefix(ev.Type.String(), "admin_unit."):
				if res.Status != StatusRejected || res.Reason != string(events.Forbidden) || res.Field != "event_type" {
					t.Fatalf("line %d, an administrative event from a reporter: got %+v, want forbidden", l.n, res)
				}
			case !h.scope(p.Unit, ev.UnitCode):
				want := ForbiddenUnit
				if !h.known(ev.UnitCode) {
					want = UnknownUnit
				}
				if res.Status != StatusRejected || res.Reason != string(want) || res.EventID != ev.ID {
					t.Fatalf("line %d about unit %s: got %+v, want %s", l.n, ev.UnitCode, res, want)
				}
			case res.Reason == string(events.ConflictingDuplicate):
				// The event_id of an earlier line, with other content.
				if res.Field != "event_id" || res.EventID != ev.ID {
					t.Fatalf("line %d: a conflict %+v", l.n, res)
				}
			case res.Reason == string(events.Forbidden):
				// Without a warehouse nothing is stored: a correction, a retraction or an event
				// about an entity that no earlier line registered is refused.
				entity, named := events.EntityOf(ev.Payload)
				_, retraction := ev.Payload.(events.EventRetractedPayload)
				if ev.Corrects == "" && !retraction && (!named || entity.Registers) {
					t.Fatalf("line %d: forbidden without a target or an entity to check: %+v", l.n, res)
				}
			case res.Reason == string(events.TooLarge) && res.Field == "source":
				// Valid as sent, over the limit with the source the gateway states.
				if want, _ := events.WithSource(ev.Raw, events.Source{Level: "commune", UnitCode: p.Unit, Token: p.Name}); len(want) <= events.MaxEventSize {
					t.Fatalf("line %d: too large with the source at %d bytes", l.n, len(want))
				}
			default:
				if res.Status != StatusAccepted || res.EventID != ev.ID || res.Reason != "" || res.Message != "" && !res.Duplicate {
					t.Fatalf("line %d: a valid event in scope got %+v", l.n, res)
				}
				if produced >= len(recs) || recs[produced].result != i {
					t.Fatalf("line %d is accepted but has no record", l.n)
				}
				r := recs[produced].rec
				want, err := events.WithSource(bytes.TrimSpace(l.text), events.Source{Level: "commune", UnitCode: p.Unit, Token: p.Name})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(r.Value, want) || string(r.Key) != ev.UnitCode || r.Topic != "fuzz" {
					t.Fatalf("line %d: the record is %q keyed %q, not the line with the token's source", l.n, r.Value, r.Key)
				}
				produced++
			}
			if res.Status == StatusRejected {
				if !slices.Contains(reasons, events.Reason(res.Reason)) {
					t.Fatalf("line %d: reason %q is not one the gateway gives", l.n, res.Reason)
				}
				if res.Message == "" || res.MessageVI == "" {
					t.Fatalf("line %d: rejected with %s and no message in English or Vietnamese", l.n, res.Reason)
				}
				d, ok := dead[int64(l.n)]
				if !ok || string(d.Reason) != res.Reason || d.Field != res.Field || !bytes.Equal(d.Raw, clipRaw(l.text)) ||
					d.Origin != "gateway:xa@15814" || d.EventID != res.EventID {
					t.Fatalf("line %d, rejected %+v, has the dead letter %+v", l.n, res, d)
				}
				delete(dead, int64(l.n))
			}
		}
		if len(dead) > 0 {
			t.Fatalf("dead letters of lines not rejected: %v", dead)
		}
		if produced != len(recs) {
			t.Fatalf("%d records for %d accepted lines", len(recs), produced)
		}
		if resp.Results[0].EventID != "first" || resp.Results[0].Status != StatusAccepted {
			t.Fatalf("the valid event before the garbage was not accepted: %+v", resp.Results[0])
		}
		if end := resp.Results[len(resp.Results)-1]; end.EventID != "last" || end.Status != StatusAccepted {
			t.Fatalf("the valid event after the garbage was not accepted: %+v", end)
		}
	})
}

// clipRaw is the part of a line a dead letter keeps.
func clipRaw(b []byte) []byte { return b[:min(len(b), events.MaxEventSize)] }
