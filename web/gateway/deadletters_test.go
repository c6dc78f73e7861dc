package gateway_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

// A commune's bodies, from the gateway through Kafka and ingest to the warehouse: each valid
// event is stored once, each rejected line is a dead letter once, with its bytes, the reason
// the answer gave and its origin (the token, its unit and the line); a duplicate is answered
// accepted and counted once, and an event_id sent again with other content is answered as the
// conflict ingest would find, so that a "correction" by resending is never silently dropped.
func TestGatewayToWarehouse(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	lookup, err := gateway.NewWarehouseLookup(wh)
	require.NoError(t, err)
	t.Cleanup(func() { lookup.Close() })
	f := newFixture(t, func(c *gateway.Config) { c.Lookup = lookup })
	reporter := f.tokens["xa-thieu-thanh"]
	ingestAll := func() ingest.Stats {
		t.Helper()
		st, err := ingest.Run(context.Background(), ingest.Config{Brokers: []string{f.broker}, Topics: []string{ingesttest.Topic},
			Group: "g", Warehouse: wh, UntilCaughtUp: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		return st
	}

	a := event("ev-a", "criterion.assessed", "15814", assessment)
	aChanged := strings.Replace(a, `"met":true`, `"met":false`, 1)
	b := event("ev-b", "connectivity.reported", "15814-003", connectivity)
	badHours := strings.Replace(event("ev-bad", "training.completed", "15814", training), `"hours":8`, `"hours":"8"`, 1)
	other := event("ev-other", "training.completed", "15817", training)
	nowhere := event("ev-nowhere", "training.completed", "99999", training)
	// Key order and spacing differ, the content is the same: a duplicate, as ingest judges it.
	aRespaced := strings.Replace(a, `"schema_version":1,`, `"schema_version": 1.0 ,`, 1)

	type want struct {
		line      int
		status    string
		reason    string
		field     string
		duplicate bool
	}
	requests := []struct {
		name   string
		lines  []string
		want   []want
		dead   map[int]string // line → reason of its dead letter
		events int64          // events_log rows after ingest
		// dups are the duplicates ingest counts: those the gateway sent again (within a
		// request), not those stored already (the gateway sends them no more).
		dups int64
	}{
		{
			name:  "a first body",
			lines: []string{a, "", "not json", badHours, other, aRespaced, aChanged, nowhere, b},
			want: []want{
				{1, "accepted", "", "", false},
				{3, "rejected", "not_json", "", false},
				{4, "rejected", "bad_type", "payload.hours", false},
				{5, "rejected", "forbidden_unit", "unit_code", false},
				{6, "accepted", "", "", true},
				{7, "rejected", "conflicting_duplicate", "event_id", false},
				{8, "rejected", "unknown_unit", "unit_code", false},
				{9, "accepted", "", "", false},
			},
			dead:   map[int]string{3: "not_json", 4: "bad_type", 5: "forbidden_unit", 7: "conflicting_duplicate", 8: "unknown_unit"},
			events: 2,
			dups:   1,
		},
		{
			name: "the same events again, one changed, then a correction and a retraction",
			lines: []string{a, aChanged,
				correcting(event("ev-a2", "criterion.assessed", "15814", strings.Replace(assessment, `"met":true`, `"met":false`, 1)), "ev-a"),
				retraction("ev-r", "15814", "ev-b"), b},
			want: []want{
				{1, "accepted", "", "", true},
				{2, "rejected", "conflicting_duplicate", "event_id", false},
				{3, "accepted", "", "", false},
				{4, "accepted", "", "", false},
				{5, "accepted", "", "", true},
			},
			dead:   map[int]string{2: "conflicting_duplicate"},
			events: 4,
		},
	}
	var wantDead []ingesttest.DeadLetter
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			r, resp := f.send(t, reporter, rq.lines...)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Len(t, resp.Results, len(rq.want))
			dups := 0
			for i, w := range rq.want {
				got := resp.Results[i]
				require.Equal(t, w, want{got.Line, got.Status, got.Reason, got.Field, got.Duplicate}, "%+v", got)
				if w.duplicate {
					dups++
					require.Contains(t, got.Message, "counts once")
					require.Contains(t, got.MessageVI, "chỉ được tính một lần")
				}
				if w.reason == "conflicting_duplicate" {
					require.Contains(t, got.Message, `"corrects":"ev-a"`, "the answer says how to correct")
					require.Contains(t, got.MessageVI, "corrects")
				}
				if w.reason == "unknown_unit" {
					require.Contains(t, got.Message, "unit_code 99999 is not a unit of the province")
					require.Contains(t, got.Message, "on 2025-03-07, the event's date")
					require.Contains(t, got.MessageVI, "mã đơn vị 99999 không phải là đơn vị hành chính của tỉnh")
				}
			}
			require.Equal(t, dups, resp.Duplicates)
			for line, reason := range rq.dead {
				wantDead = append(wantDead, ingesttest.DeadLetter{Reason: reason, Raw: []byte(rq.lines[line-1]),
					SourceFile: "gateway:xa-thieu-thanh@15814", Line: int64(line)})
			}

			st := ingestAll()
			require.Equal(t, rq.dups, st.Duplicates)
			require.Equal(t, int64(len(rq.dead)), func() (n int64) {
				for _, k := range st.Rejected {
					n += k
				}
				return n
			}(), "ingest rejects the gateway's dead letters and nothing else: %v", st.Rejected)
			evs, dls := ingesttest.Counts(t, wh)
			var stored int64
			for _, n := range evs {
				stored += n
			}
			require.Equal(t, rq.events, stored, "each valid event once: %v", evs)
			dead := ingesttest.DeadLetters(t, wh)
			require.Len(t, dead, len(wantDead), "each rejected line once: %v", dls)
			got := map[string]ingesttest.DeadLetter{}
			for _, d := range dead {
				require.Equal(t, ingesttest.Topic, d.Topic, "the dead letter keeps its Kafka origin too")
				require.NotEmpty(t, d.Message)
				key := fmt.Sprint(d.Line, d.Reason, string(d.Raw))
				_, twice := got[key]
				require.False(t, twice, "line %d stored twice", d.Line)
				d.Message, d.Topic, d.Partition, d.Offset, d.Field, d.EventID, d.EventType = "", "", 0, 0, "", "", ""
				got[key] = d
			}
			for _, w := range wantDead {
				require.Equal(t, w, got[fmt.Sprint(w.Line, w.Reason, string(w.Raw))])
			}
		})
	}
	// Each conflict was dead-lettered once, by the gateway's verdict: ingest never saw the
	// conflicting events as events.
	n := 0
	for _, d := range ingesttest.DeadLetters(t, wh) {
		if d.Reason == "conflicting_duplicate" {
			n++
			require.Equal(t, "ev-a", d.EventID)
			require.Equal(t, "event_id", d.Field)
		}
	}
	require.Equal(t, 2, n)
}
