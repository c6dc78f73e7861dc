package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

// TestBadInputLines sends one body in which every bad input of the reliability issue sits
// between two valid events: each bad line is refused on its own with its reason and a message,
// every valid line is accepted and reaches Kafka byte for byte, and blank lines get no result
// but still count in the line numbers.
func TestBadInputLines(t *testing.T) {
	f := newFixture(t, nil)
	valid := func(id string) string { return event(id, "training.completed", "15814", training) }
	withPayload := func(id, payload string) string { return event(id, "training.completed", "15814", payload) }
	hours := func(v string) string { return strings.Replace(training, `"hours":8`, `"hours":`+v, 1) }
	forty := strings.Repeat("1234567890", 4)
	pad := func(id string, size int) string {
		base := withPayload(id, strings.Replace(training, `"hours":8`, `"hours":8,"pad":""`, 1))
		return withPayload(id, strings.Replace(training, `"hours":8`, `"hours":8,"pad":"`+strings.Repeat("x", size-len(base))+`"`, 1))
	}
	for _, n := range []int{events.MaxEventSize, events.MaxEventSize + 1} {
		require.Len(t, pad("x", n), n)
	}

	cases := []struct {
		name   string
		line   string
		reason events.Reason // empty: accepted
		blank  bool
		id     string // the event_id of an accepted line
	}{
		{name: "event of 1 MiB + 1 byte", line: pad("big-1", events.MaxEventSize+1), reason: events.TooLarge},
		{name: "1 MiB + 1 byte of garbage", line: strings.Repeat("x", events.MaxEventSize+1), reason: events.TooLarge},
		// The gateway states the source from the token, which adds "token":"xa-thieu-thanh" (25
		// bytes) here: the event it produces must still be within the limit.
		{name: "event of exactly 1 MiB with the gateway's source", line: pad("big-0", events.MaxEventSize-len(`,"token":"xa-thieu-thanh"`)), id: "big-0"},
		{name: "event of 1 MiB that the gateway's source takes over the limit", line: pad("big-2", events.MaxEventSize), reason: events.TooLarge},
		{name: "invalid UTF-8 in a value", line: strings.Replace(valid("utf-1"), "CDS-01", "CDS-\xff", 1), reason: events.NotJSON},
		{name: "invalid UTF-8 alone", line: "\xfe\xff\xc0\xaf", reason: events.NotJSON},
		{name: "100000 unclosed arrays", line: strings.Repeat("[", 100_000), reason: events.BadValue},
		{name: "100000 nested arrays in the payload", line: withPayload("deep-1", strings.Replace(training, `"hours":8`, `"hours":8,"x":`+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000), 1)), reason: events.BadValue},
		{name: "1e400 hours", line: withPayload("num-1", hours("1e400")), reason: events.BadValue},
		// hours has no upper bound in the contract: 40 digits are a finite number, kept as sent.
		{name: "40-digit hours, past the contract's bound", line: withPayload("num-2", hours(forty)), reason: events.BadValue},
		{name: "40-digit amount_vnd", line: event("num-5", "funding.allocated", "15814", `{"fiscal_year":2025,"source":"commune_budget","task":"policy","amount_vnd":`+forty+`}`), reason: events.BadValue},
		{name: "1e400 schema_version", line: strings.Replace(valid("num-3"), `"schema_version":1`, `"schema_version":1e400`, 1), reason: events.UnsupportedSchemaVersion},
		{name: "40-digit unknown member", line: withPayload("num-4", strings.Replace(training, `"hours":8`, `"hours":8,"serial":`+forty, 1)), id: "num-4"},
		{name: "NUL byte alone", line: "\x00", reason: events.NotJSON},
		{name: "NUL byte in a string", line: strings.Replace(valid("nul-1"), "CDS-01", "CDS\x0001", 1), reason: events.NotJSON},
		{name: "escaped NUL in an unknown member", line: withPayload("nul-2", strings.Replace(training, `"hours":8`, `"hours":8,"note":"a\u0000b"`, 1)), id: "nul-2"},
		{name: "empty line", line: "", blank: true},
		{name: "white space line", line: " \t", blank: true},
		{name: "carriage return alone", line: "\r", blank: true},
		{name: "CRLF line ending", line: valid("crlf-1") + "\r", id: "crlf-1"},
		{name: "another unit's event", line: event("other-1", "training.completed", "15817", training), reason: gateway.ForbiddenUnit},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each case alone between two valid events: a bad line may only cost itself.
			before, after := fmt.Sprintf("before-%02d", i), fmt.Sprintf("after-%02d", i)
			r, resp := f.send(t, f.tokens["xa-thieu-thanh"], valid(before), tc.line, valid(after))
			require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
			want := []gateway.Result{{Line: 1, EventID: before, Status: gateway.StatusAccepted}}
			switch {
			case tc.blank:
			case tc.reason == "":
				want = append(want, gateway.Result{Line: 2, EventID: tc.id, Status: gateway.StatusAccepted})
			default:
				require.Len(t, resp.Results, 3)
				got := resp.Results[1]
				require.NotEmpty(t, got.Message, "a refusal says why")
				require.Equal(t, string(tc.reason), got.Reason, got.Message)
				require.Equal(t, gateway.StatusRejected, got.Status)
				require.Equal(t, 2, got.Line)
				want = append(want, got)
			}
			want = append(want, gateway.Result{Line: 3, EventID: after, Status: gateway.StatusAccepted})
			require.Equal(t, want, resp.Results)
		})
	}

	// Kafka holds every accepted line as received (without its line ending) and nothing else:
	// both neighbours of every case, and the cases that are valid.
	recs := f.records(t)
	wantIDs := 2 * len(cases)
	for _, tc := range cases {
		if tc.id != "" {
			wantIDs++
		}
	}
	require.Len(t, recs, wantIDs)
	accepted := 0
	for id, rec := range recs {
		e, err := events.Decode(rec.Value)
		require.NoError(t, err, id)
		require.Equal(t, id, e.ID)
		require.False(t, strings.HasSuffix(string(rec.Value), "\r"), "%s: the line ending is not part of the event", id)
		accepted++
	}
	require.Contains(t, recs, "big-0")
	require.Len(t, recs["big-0"].Value, events.MaxEventSize)
	require.Equal(t, fromReporter(valid("crlf-1")), string(recs["crlf-1"].Value))
	rejected := f.stats.Rejected()
	total := int64(0)
	for _, n := range rejected {
		total += n
	}
	require.Equal(t, int64(accepted), f.stats.Accepted.Load())
	t.Logf(`RELIABILITY {"section":"bad_input","target":"gateway_ndjson","inputs_tried":%d,"rejected_with_reason":%d,"accepted_in_kafka":%d,"valid_neighbours":%d,"valid_neighbours_lost":0}`,
		len(cases), total, accepted, 2*len(cases))
}

// TestReporterScopePerLine checks the scope of reporter tokens line by line: a token speaks for
// its unit and the units below it, never above or beside, and a refused line never keeps the
// lines it is sent with out of Kafka.
func TestReporterScopePerLine(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		unit    string
		allowed []string
		refused []string
	}{
		{unit: "15814-007", allowed: []string{"15814-007"}, refused: []string{"15814", "15814-012", "398", "38"}},
		{unit: "15814", allowed: []string{"15814", "15814-007", "15814-012"}, refused: []string{"15817", "398", "38", "14755"}},
		{unit: "398", allowed: []string{"398", "15814", "15814-007"}, refused: []string{"380", "38", "14755"}},
	} {
		t.Run(tc.unit, func(t *testing.T) {
			tok, h := auth.NewToken()
			store, err := auth.NewStore([]auth.Entry{{Name: "r-" + tc.unit, SHA256: h, Role: auth.RoleReporter, Unit: tc.unit}})
			require.NoError(t, err)
			g := newFixture(t, func(c *gateway.Config) { c.Tokens = store })
			var lines []string
			for i, u := range append(append([]string{}, tc.refused...), tc.allowed...) {
				lines = append(lines, event(fmt.Sprintf("%s-%d", tc.unit, i), "connectivity.reported", u, connectivity))
			}
			r, resp := g.send(t, tok, lines...)
			require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
			require.Len(t, resp.Results, len(lines))
			for i, res := range resp.Results {
				if i < len(tc.refused) {
					require.Equal(t, string(gateway.ForbiddenUnit), res.Reason, "unit %s", tc.refused[i])
					require.Equal(t, "unit_code", res.Field)
					require.Contains(t, res.Message, tc.refused[i])
				} else {
					require.Equal(t, gateway.StatusAccepted, res.Status, "unit %s: %s", tc.allowed[i-len(tc.refused)], res.Message)
				}
			}
			recs := g.records(t)
			require.Len(t, recs, len(tc.allowed), "only the lines in scope reach Kafka")
			for i, u := range tc.allowed {
				rec := recs[fmt.Sprintf("%s-%d", tc.unit, len(tc.refused)+i)]
				require.NotNil(t, rec, u)
				require.Equal(t, u, string(rec.Key))
			}
		})
	}
	require.Empty(t, f.records(t))
}
