package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

var now = time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)

const training = `{"person_ref":"p-7f3a9c","course_code":"CDS-01","topic":"digital_transformation","hours":8,"completed_on":"2025-03-07"}`

// connectivity is a payload that names no entity, for the tests of unit scopes alone.
const connectivity = `{"fixed_broadband":true,"mobile_4g":true,"mobile_5g":false}`

// fromReporter is a line of the reporter of commune 15814 as the gateway produces it: with the
// source it states from the token.
func fromReporter(line string) string {
	return regexp.MustCompile(`"source":\{"level":"[a-z]+","unit_code":"[0-9-]+","system":"([a-z-]+)"\}`).
		ReplaceAllString(strings.TrimSpace(line), `"source":{"level":"commune","unit_code":"15814","system":"$1","token":"xa-thieu-thanh"}`)
}

// registered is a Lookup of a warehouse that holds one event: the registration of manager
// p-7f3a9c (of the training payload) by commune 15814. The tests of the gateway's authorization
// against a real warehouse are in attacks_test.go.
type registered struct{}

func (registered) Hashes(context.Context, []string) (map[string]uint64, error) {
	return map[string]uint64{}, nil
}

func (registered) Events(context.Context, []string) (map[string]gateway.Target, error) {
	return map[string]gateway.Target{}, nil
}

func (registered) Owners(_ context.Context, kind string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if kind == "manager" && id == "p-7f3a9c" {
			out[id] = "15814"
		}
	}
	return out, nil
}

// event returns one valid event line of the contract about unit.
func event(id, typ, unit, payload string) string {
	return fmt.Sprintf(`{"event_id":%q,"event_type":%q,"schema_version":1,"occurred_at":"2025-03-10T09:15:00+07:00",`+
		`"recorded_at":"2025-03-10T09:16:02.5+07:00","source":{"level":"commune","unit_code":"15814","system":"dvc-thanhhoa"},`+
		`"unit_code":%q,"payload":%s}`, id, typ, unit, payload)
}

// fixture is a gateway on a real HTTP server, producing to a kfake broker over TCP.
type fixture struct {
	url    string
	broker string
	tokens map[string]string // by role: reporter (commune 15814), expired, analyst, admin
	stats  *gateway.Stats
}

func newFixture(t *testing.T, edit func(*gateway.Config)) *fixture {
	t.Helper()
	f := &fixture{broker: ingesttest.StartBroker(t), tokens: map[string]string{}, stats: new(gateway.Stats)}
	var entries []auth.Entry
	for _, e := range []auth.Entry{
		{Name: "xa-thieu-thanh", Role: auth.RoleReporter, Unit: "15814"},
		{Name: "expired", Role: auth.RoleReporter, Unit: "15814", ExpiresAt: "2025-07-31T23:59:59Z"},
		{Name: "analyst", Role: auth.RoleAnalyst},
		{Name: "admin", Role: auth.RoleAdmin, ExpiresAt: "2030-01-01T00:00:00+07:00"},
		{Name: "so-noi-vu", Role: auth.RoleRegistry},
		{Name: "noi-vu-thieu-hoa", Role: auth.RoleRegistry, Unit: "398"},
	} {
		tok, h := auth.NewToken()
		e.SHA256 = h
		f.tokens[e.Name] = tok
		entries = append(entries, e)
	}
	store, err := auth.NewStore(entries)
	require.NoError(t, err)
	cl, err := gateway.NewClient([]string{f.broker})
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	cfg := gateway.Config{Tokens: store, Client: cl, Topic: ingesttest.Topic, Now: func() time.Time { return now }, Stats: f.stats,
		Lookup: registered{}}
	if edit != nil {
		edit(&cfg)
	}
	srv := httptest.NewServer(gateway.Handler(cfg))
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/api/v1/events"
	return f
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) post(t *testing.T, auth, contentType string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (f *fixture) send(t *testing.T, token string, lines ...string) (reply, gateway.Response) {
	t.Helper()
	r := f.post(t, "Bearer "+token, "application/x-ndjson", []byte(strings.Join(lines, "\n")+"\n"))
	var resp gateway.Response
	require.NoError(t, json.Unmarshal(r.body, &resp), "body %s", r.body)
	return r, resp
}

// records reads the events of the whole topic: every record Kafka holds but the gateway's dead
// letters, by event_id.
func (f *fixture) records(t *testing.T) map[string]*kgo.Record {
	t.Helper()
	got := map[string]*kgo.Record{}
	for _, r := range f.topic(t) {
		if _, dead := verdictOf(r); dead {
			continue
		}
		var e struct {
			ID string `json:"event_id"`
		}
		require.NoError(t, json.Unmarshal(r.Value, &e))
		require.NotContains(t, got, e.ID)
		got[e.ID] = r
	}
	return got
}

// deadLetters reads the gateway's dead letters of the whole topic, in the order of their lines
// within each partition.
func (f *fixture) deadLetters(t *testing.T) []events.Verdict {
	t.Helper()
	var out []events.Verdict
	for _, r := range f.topic(t) {
		if v, dead := verdictOf(r); dead {
			require.Empty(t, r.Value, "a dead letter's value is empty, so that no reader takes it for an event")
			out = append(out, v)
		}
	}
	return out
}

func verdictOf(r *kgo.Record) (events.Verdict, bool) {
	hs := make([]events.Header, len(r.Headers))
	for i, h := range r.Headers {
		hs[i] = events.Header{Key: h.Key, Value: h.Value}
	}
	return events.VerdictOf(hs)
}

// topic reads every record of the topic.
func (f *fixture) topic(t *testing.T) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.broker), kgo.ConsumeTopics(ingesttest.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, ingesttest.Topic)
	require.NoError(t, err)
	var total int64
	ends.Each(func(o kadm.ListedOffset) {
		require.NoError(t, o.Err)
		total += o.Offset
	})
	var got []*kgo.Record
	for int64(len(got)) < total {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "read %d of %d records", len(got), total)
		fs.EachError(func(_ string, _ int32, err error) { require.NoError(t, err) })
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r) })
	}
	return got
}

func TestAuthFailures(t *testing.T) {
	f := newFixture(t, nil)
	line := []byte(event("ev-1", "training.completed", "15814", training) + "\n")
	reporter := f.tokens["xa-thieu-thanh"]
	cases := []struct {
		name        string
		auth        string
		contentType string
		status      int
		code        string
		challenge   string
	}{
		{name: "no header", status: http.StatusUnauthorized, code: "missing_token", challenge: `Bearer realm="ntm"`},
		{name: "wrong scheme", auth: "Basic " + f.tokens["xa-thieu-thanh"], status: http.StatusUnauthorized, code: "malformed_token", challenge: `Bearer realm="ntm", error="invalid_request"`},
		{name: "scheme only", auth: "Bearer", status: http.StatusUnauthorized, code: "malformed_token", challenge: `Bearer realm="ntm", error="invalid_request"`},
		{name: "unknown token", auth: "Bearer " + strings.Repeat("A", 43), status: http.StatusUnauthorized, code: "unknown_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "the stored hash as the token", auth: "Bearer " + auth.Hash(f.tokens["xa-thieu-thanh"]), status: http.StatusUnauthorized, code: "unknown_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "expired token", auth: "Bearer " + f.tokens["expired"], status: http.StatusUnauthorized, code: "expired_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "two spaces before the token", auth: "Bearer  " + reporter, status: http.StatusUnauthorized, code: "malformed_token", challenge: `Bearer realm="ntm", error="invalid_request"`},
		{name: "a word after the token", auth: "Bearer " + reporter + " admin", status: http.StatusUnauthorized, code: "malformed_token", challenge: `Bearer realm="ntm", error="invalid_request"`},
		{name: "token without scheme", auth: reporter, status: http.StatusUnauthorized, code: "malformed_token", challenge: `Bearer realm="ntm", error="invalid_request"`},
		{name: "token one character off", auth: "Bearer " + offByOne(reporter), status: http.StatusUnauthorized, code: "unknown_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "token cut short", auth: "Bearer " + reporter[:len(reporter)-1], status: http.StatusUnauthorized, code: "unknown_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "8 KiB token", auth: "Bearer " + strings.Repeat("A", 8<<10), status: http.StatusUnauthorized, code: "unknown_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "a token's name as the token", auth: "Bearer admin", status: http.StatusUnauthorized, code: "unknown_token", challenge: `Bearer realm="ntm", error="invalid_token"`},
		{name: "analyst", auth: "Bearer " + f.tokens["analyst"], status: http.StatusForbidden, code: "forbidden_role"},
		{name: "form content type", auth: "Bearer " + f.tokens["xa-thieu-thanh"], contentType: "application/x-www-form-urlencoded", status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
	}
	unauthorized := int64(0)
	for _, tc := range cases {
		if tc.status == http.StatusUnauthorized {
			unauthorized++
		}
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(t, tc.auth, cmpOr(tc.contentType, "application/x-ndjson"), line)
			require.Equal(t, tc.status, r.status, "body %s", r.body)
			require.Equal(t, tc.challenge, r.header.Get("WWW-Authenticate"))
			require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			var body struct {
				Error, Code string
				ErrorVI     string `json:"error_vi"`
			}
			require.NoError(t, json.Unmarshal(r.body, &body))
			require.Equal(t, tc.code, body.Code)
			require.NotEmpty(t, body.Error)
			require.NotEmpty(t, body.ErrorVI, "a Vietnamese message beside the English one")
		})
	}
	t.Run("two Authorization headers", func(t *testing.T) {
		// A second header could smuggle a token past a proxy that checks only the first.
		req, err := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(line))
		require.NoError(t, err)
		req.Header.Add("Authorization", "Bearer "+reporter)
		req.Header.Add("Authorization", "Bearer "+f.tokens["admin"])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		var body struct{ Error, Code string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		require.Equal(t, "malformed_token", body.Code)
	})
	unauthorized++
	t.Run("token in the query string", func(t *testing.T) {
		// Tokens travel only in the header: a URL ends up in logs and browser history.
		resp, err := http.Post(f.url+"?access_token="+reporter, "application/x-ndjson", bytes.NewReader(line))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
	unauthorized++
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(f.url)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		require.Equal(t, "POST", resp.Header.Get("Allow"))
	})
	require.Empty(t, f.records(t), "no refused request reaches Kafka")
	require.Equal(t, unauthorized, f.stats.Unauthorized.Load())
	require.Equal(t, int64(1), f.stats.Forbidden.Load())
	require.Zero(t, f.stats.Requests.Load())
	t.Logf(`RELIABILITY {"section":"security","target":"gateway_auth","refused_401":%d,"refused_403":%d,"reached_kafka":0}`,
		f.stats.Unauthorized.Load(), f.stats.Forbidden.Load())
}

// offByOne returns the token with its last character changed.
func offByOne(tok string) string {
	last := byte('A')
	if tok[len(tok)-1] == last {
		last = 'B'
	}
	return tok[:len(tok)-1] + string(last)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestReporterSends(t *testing.T) {
	f := newFixture(t, nil)
	own := event("ev-own", "training.completed", "15814", training)
	village := event("ev-village", "connectivity.reported", "15814-007", `{"fixed_broadband":true,"mobile_4g":true,"mobile_5g":false}`)
	other := event("ev-other", "training.completed", "15817", training)
	badHours := strings.Replace(event("ev-bad", "training.completed", "15814", training), `"hours":8`, `"hours":"8"`, 1)
	// Spacing and member order as a hand-written client might send them: Kafka gets these
	// bytes, not a re-encoding.
	spaced := `{ "unit_code" : "15814-012", "event_type":"connectivity.reported", "event_id":"ev-spaced", "schema_version":1,` +
		` "occurred_at":"2025-03-10T09:15:00+07:00", "recorded_at":"2025-03-10T02:16:02Z",` +
		` "source":{"level":"village","unit_code":"15814-012","system":"zalo-form"},` +
		` "payload":{"fixed_broadband":false,"mobile_4g":true,"mobile_5g":false,"note":"thôn Đông"} }  `
	huge := strings.Replace(own, `"hours":8`, `"hours":8,"pad":"`+strings.Repeat("x", events.MaxEventSize)+`"`, 1)
	lines := []string{own, "", village, other, badHours, "not json", spaced, "   ", huge}

	r, resp := f.send(t, f.tokens["xa-thieu-thanh"], lines...)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	require.Equal(t, 3, resp.Accepted)
	require.Equal(t, 4, resp.Rejected)
	require.Len(t, resp.Results, 7)
	want := []gateway.Result{
		{Line: 1, EventID: "ev-own", Status: "accepted"},
		{Line: 3, EventID: "ev-village", Status: "accepted"},
		{Line: 4, EventID: "ev-other", Status: "rejected", Reason: "forbidden_unit", Field: "unit_code"},
		{Line: 5, Status: "rejected", Reason: "bad_type", Field: "payload.hours"},
		{Line: 6, Status: "rejected", Reason: "not_json"},
		{Line: 7, EventID: "ev-spaced", Status: "accepted"},
		{Line: 9, Status: "rejected", Reason: "too_large"},
	}
	for i, w := range want {
		got := resp.Results[i]
		if w.Status == "rejected" {
			require.NotEmpty(t, got.Message, "line %d", w.Line)
			require.NotEmpty(t, got.MessageVI, "line %d", w.Line)
		}
		if w.Reason == "forbidden_unit" {
			require.Contains(t, got.Message, "15817")
			require.Contains(t, got.Message, "15814")
			require.Contains(t, got.MessageVI, "15817")
		}
		got.Message, got.MessageVI = "", ""
		require.Equal(t, w, got)
	}

	// Each rejected line is in Kafka once more, as a dead letter with the gateway's verdict,
	// its bytes and its origin, for ingest to store.
	dead := map[int64]events.Verdict{}
	for _, d := range f.deadLetters(t) {
		require.NotContains(t, dead, d.Line)
		dead[d.Line] = d
	}
	require.Len(t, dead, 4)
	for line, raw := range map[int]string{4: other, 5: badHours, 6: "not json", 9: huge[:events.MaxEventSize]} {
		d := dead[int64(line)]
		require.Equal(t, "gateway:xa-thieu-thanh@15814", d.Origin, "line %d", line)
		require.Equal(t, resp.Results[map[int]int{4: 2, 5: 3, 6: 4, 9: 6}[line]].Reason, string(d.Reason), "line %d", line)
		require.Equal(t, raw, string(d.Raw), "line %d", line)
	}
	require.Equal(t, "ev-other", dead[4].EventID)
	require.Equal(t, "training.completed", dead[4].EventType)
	require.Contains(t, dead[9].Message, "the dead letter keeps the first 1048576 of the line's")

	recs := f.records(t)
	require.Len(t, recs, 3, "only the accepted lines are in Kafka")
	for id, line := range map[string]string{"ev-own": own, "ev-village": village, "ev-spaced": spaced} {
		rec, ok := recs[id]
		require.True(t, ok, id)
		// The line as received, but for its source: the gateway states it from the token.
		want := fromReporter(line)
		require.Equal(t, want, string(rec.Value), "the line as received, with the token's source")
		e, err := events.Decode(rec.Value)
		require.NoError(t, err)
		require.Equal(t, e.UnitCode, string(rec.Key))
	}

	require.Equal(t, int64(1), f.stats.Requests.Load())
	require.Equal(t, int64(3), f.stats.Accepted.Load())
	require.Equal(t, map[events.Reason]int64{"forbidden_unit": 1, "bad_type": 1, "not_json": 1, "too_large": 1}, f.stats.Rejected())
}

func TestAdminSendsForAnyUnit(t *testing.T) {
	f := newFixture(t, nil)
	r, resp := f.send(t, f.tokens["admin"],
		event("ev-a", "training.completed", "15817", training),
		event("ev-b", "funding.allocated", "380", `{"fiscal_year":2025,"source":"province_budget","task":"digital_government","amount_vnd":150000000}`))
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	require.Equal(t, 2, resp.Accepted)
	recs := f.records(t)
	require.Len(t, recs, 2)
	require.Equal(t, "380", string(recs["ev-b"].Key))
}

func TestParentOf(t *testing.T) {
	// A custom hierarchy where 15817 belongs to 15814.
	parents := map[string]string{"15817": "15814", "15814": "398"}
	f := newFixture(t, func(c *gateway.Config) {
		c.ParentOf = func(code string) (string, bool) { p, ok := parents[code]; return p, ok }
	})
	_, resp := f.send(t, f.tokens["xa-thieu-thanh"],
		event("ev-a", "training.completed", "15817", training),
		event("ev-b", "training.completed", "398", training))
	require.Equal(t, "accepted", resp.Results[0].Status)
	require.Equal(t, "forbidden_unit", resp.Results[1].Reason)
}

func TestBodyOverLimit(t *testing.T) {
	f := newFixture(t, func(c *gateway.Config) { c.MaxBody = 4 << 10 })
	var lines []string
	for i := range 20 {
		lines = append(lines, event(fmt.Sprintf("ev-%d", i), "training.completed", "15814", training))
	}
	r := f.post(t, "Bearer "+f.tokens["xa-thieu-thanh"], "application/x-ndjson", []byte(strings.Join(lines, "\n")))
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	var body struct{ Error, Code string }
	require.NoError(t, json.Unmarshal(r.body, &body))
	require.Equal(t, "body_too_large", body.Code)
	require.Contains(t, body.Error, "4096")
	require.Empty(t, f.records(t), "nothing of a refused body reaches Kafka")
	require.Equal(t, int64(1), f.stats.TooLarge.Load())

	// Under the limit, the same token goes through.
	r2, resp := f.send(t, f.tokens["xa-thieu-thanh"], lines[:3]...)
	require.Equal(t, http.StatusOK, r2.status)
	require.Equal(t, 3, resp.Accepted)
}

func TestContentTypes(t *testing.T) {
	f := newFixture(t, nil)
	for i, ct := range []string{"application/x-ndjson", "application/json; charset=utf-8", "text/plain; charset=utf-8", ""} {
		r := f.post(t, "Bearer "+f.tokens["xa-thieu-thanh"], ct, []byte(event(fmt.Sprint("ev-", i), "training.completed", "15814", training)))
		require.Equal(t, http.StatusOK, r.status, "%q: %s", ct, r.body)
	}
	require.Len(t, f.records(t), 4)
}

// TestKafkaUnavailable checks that nothing is claimed accepted that Kafka did not take.
func TestKafkaUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close())
	cl, err := gateway.NewClient([]string{dead})
	require.NoError(t, err)
	defer cl.Close()
	f := newFixture(t, func(c *gateway.Config) {
		c.Client = cl
		c.Timeout = 500 * time.Millisecond
	})
	r, resp := f.send(t, f.tokens["xa-thieu-thanh"],
		event("ev-a", "training.completed", "15814", training), "[]")
	require.Equal(t, http.StatusServiceUnavailable, r.status, "body %s", r.body)
	require.NotEmpty(t, r.header.Get("Retry-After"))
	require.Zero(t, resp.Accepted)
	require.Equal(t, 2, resp.Rejected)
	require.Equal(t, "unavailable", resp.Results[0].Reason)
	require.Equal(t, "ev-a", resp.Results[0].EventID)
	require.Equal(t, "not_object", resp.Results[1].Reason)
	require.Zero(t, f.stats.Accepted.Load())
	require.Equal(t, map[events.Reason]int64{"unavailable": 1, "not_object": 1}, f.stats.Rejected())
}

// TestSlowBody checks that the request timeout covers reading the body.
func TestSlowBody(t *testing.T) {
	f := newFixture(t, func(c *gateway.Config) { c.Timeout = 300 * time.Millisecond })
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte(event("ev-a", "training.completed", "15814", training) + "\n")) }()
	req, err := http.NewRequest(http.MethodPost, f.url, pr)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.tokens["xa-thieu-thanh"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	require.Empty(t, f.records(t))
}

// An event sent again before ingest stored the first delivery is judged against what this
// gateway sent: the warehouse does not show it yet, and a changed copy would otherwise be
// answered accepted and then dead-lettered by ingest.
func TestResentBeforeIngest(t *testing.T) {
	first := event("ev-1", "connectivity.reported", "15814", connectivity)
	changed := strings.Replace(first, `"mobile_5g":false`, `"mobile_5g":true`, 1)
	tests := []struct {
		name      string
		line      string
		status    string
		reason    string
		duplicate bool
		message   string
		records   int // events in Kafka after the request
	}{
		{"the first delivery", first, "accepted", "", false, "", 1},
		{"the same event again", first, "accepted", "", true, "was sent a moment ago with the same content", 1},
		{"changed content", changed, "rejected", "conflicting_duplicate", false, "not in the warehouse yet", 1},
	}
	f := newFixture(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, resp := f.send(t, f.tokens["xa-thieu-thanh"], tt.line)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			got := resp.Results[0]
			require.Equal(t, tt.status, got.Status, got.Message)
			require.Equal(t, tt.reason, got.Reason)
			require.Equal(t, tt.duplicate, got.Duplicate)
			require.Contains(t, got.Message, tt.message)
			require.Len(t, f.records(t), tt.records)
		})
	}
	require.Len(t, f.deadLetters(t), 1)
	require.Equal(t, int64(1), f.stats.Duplicates.Load())

	// Without the memory, the changed copy goes to Kafka, and ingest finds the conflict.
	g := newFixture(t, func(c *gateway.Config) { c.RecentIDs = -1 })
	for _, line := range []string{first, changed} {
		_, resp := g.send(t, g.tokens["xa-thieu-thanh"], line)
		require.Equal(t, gateway.StatusAccepted, resp.Results[0].Status)
	}
}
