package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

// correcting is the line with "corrects" naming target.
func correcting(line, target string) string {
	return strings.Replace(line, `,"payload":`, `,"corrects":"`+target+`","payload":`, 1)
}

// v2Event is an event of a type contract v2 adds, at schema_version 2.
func v2Event(id, typ, unit, payload string) string {
	return strings.Replace(event(id, typ, unit, payload), `"schema_version":1`, `"schema_version":2`, 1)
}

// split is the payload of the split of 15814 between 15814 and into, under parent.
func split(into, parent string) string {
	return `{"from_code":"15814","into":[{"code":"15814","name":"Thiệu Thành","kind":"xã","parent_code":"398","share":0.5},` +
		`{"code":"` + into + `","name":"Mới","kind":"xã","parent_code":"` + parent + `","share":0.5}]}`
}

func retraction(id, unit, target string) string {
	return event(id, "event.retracted", unit, `{"event_id":"`+target+`","reason":"nhập sai"}`)
}

const (
	assessment = `{"criteria_set":"commune_ntm","criterion":"8","indicator":"8.4","met":true,"assessed_on":"2025-03-01"}`
	allocation = `{"fiscal_year":2025,"source":"province_budget","task":"digital_government","amount_vnd":500000000}`
)

// stored is what the warehouse holds before the attacks: the reference units, and events of
// commune 15814 (the attacker's), of its sibling 15775, of district 403 and of commune 14860.
func stored(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	ref, err := refdata.Events()
	require.NoError(t, err)
	var lines [][]byte
	for i := range ref {
		lines = append(lines, events.AppendJSON(nil, &ref[i]))
	}
	for _, l := range []string{
		event("fund-403", "funding.allocated", "403", allocation),
		event("assess-15775", "criterion.assessed", "15775", assessment),
		event("assess-15814", "criterion.assessed", "15814", assessment),
		event("coop-14860", "cooperative.registered", "14860", `{"coop_id":"htx-14860-610","name":"HTX Xuân Lộc","sector":"nông nghiệp"}`),
		event("coop-15814", "cooperative.registered", "15814", `{"coop_id":"htx-15814-1","name":"HTX Thiệu Thành","sector":"nông nghiệp"}`),
		event("survey-15814", "survey.conducted", "15814", `{"survey_id":"ks-15814","topic":"ntm_satisfaction","channel":"online","opened_on":"2025-03-01","closed_on":"2025-03-31"}`),
		event("manager-15775", "manager.registered", "15775", `{"person_ref":"p-15775","role":"công chức","level":"commune"}`),
		event("conn-15814-003", "connectivity.reported", "15814-003", connectivity),
		event("conn-15775-001", "connectivity.reported", "15775-001", connectivity),
	} {
		lines = append(lines, []byte(l))
	}
	return ingesttest.Warehouse(t, lines)
}

// Every authorization case seen from a hostile commune is refused with its reason, and nothing
// of it reaches Kafka; the valid look-alikes (the commune's own entities and events, the
// registry's and the admin's administrative events) pass, with the source set from the token.
func TestGatewayRefusesWhatATokenMayNotChange(t *testing.T) {
	wh := stored(t)
	lookup, err := gateway.NewWarehouseLookup(wh)
	require.NoError(t, err)
	t.Cleanup(func() { lookup.Close() })
	f := newFixture(t, func(c *gateway.Config) { c.Lookup = lookup })
	registry := f.tokens["so-noi-vu"]
	district := f.tokens["noi-vu-thieu-hoa"] // the registry of district 398 only

	reporter, admin := f.tokens["xa-thieu-thanh"], f.tokens["admin"]
	tests := []struct {
		name   string
		token  string
		lines  []string // sent in one request; the last line's verdict is checked
		reason events.Reason
		field  string
	}{
		// Administrative events.
		{"a reporter renames the province", reporter, []string{event("a1", "admin_unit.renamed", "15814", `{"code":"38","new_name":"Xứ Thanh"}`)}, events.Forbidden, "event_type"},
		{"a reporter merges a sibling and a district into itself", reporter, []string{event("a2", "admin_unit.merged", "15814",
			`{"from_codes":["15775","403"],"into_code":"15814","into_name":"Thiệu Thành","into_kind":"xã","parent_code":"398"}`)}, events.Forbidden, "event_type"},
		{"a reporter registers a fake district", reporter, []string{event("a3", "admin_unit.registered", "15814",
			`{"code":"999","name":"Giả","level":"district","kind":"huyện","parent_code":"38"}`)}, events.Forbidden, "event_type"},
		{"the registry renames the province (valid)", registry, []string{event("v1", "admin_unit.renamed", "38", `{"code":"38","new_name":"Thanh Hóa"}`)}, "", ""},
		{"the registry merges communes (valid)", registry, []string{event("v2", "admin_unit.merged", "15778",
			`{"from_codes":["15775","15814"],"into_code":"15778","into_name":"Thiệu Tiến","into_kind":"xã","parent_code":"398"}`)}, "", ""},
		{"the admin merges communes (valid)", admin, []string{event("v3", "admin_unit.merged", "15778",
			`{"from_codes":["15775","15814"],"into_code":"15778","into_name":"Thiệu Tiến","into_kind":"xã","parent_code":"398"}`)}, "", ""},
		{"the registry sends funding", registry, []string{event("a4", "funding.allocated", "403", allocation)}, events.Forbidden, "event_type"},
		{"a reporter dissolves its district", reporter, []string{v2Event("a19", "admin_unit.dissolved", "15814", `{"code":"398"}`)}, events.Forbidden, "event_type"},
		{"a district's registry splits a commune into another district's", district, []string{v2Event("a20", "admin_unit.split", "15814", split("16417", "398"))},
			events.Forbidden, "payload.into[1].code"},
		{"a district's registry hangs a part under another district", district, []string{v2Event("a21", "admin_unit.split", "15814", split("15775", "380"))},
			events.Forbidden, "payload.into[1].parent_code"},
		{"a district's registry splits a commune of its own (valid)", district, []string{v2Event("v13", "admin_unit.split", "15814", split("15775", "398"))}, "", ""},
		{"the registry splits a commune (valid)", registry, []string{v2Event("v14", "admin_unit.split", "15814", split("16417", "38"))}, "", ""},
		{"the registry dissolves a district (valid)", registry, []string{v2Event("v15", "admin_unit.dissolved", "398", `{"code":"398"}`)}, "", ""},

		// Retractions and corrections.
		{"a reporter retracts a district's registration", reporter, []string{retraction("a5", "15814", "ref.unit.398")}, events.Forbidden, "payload.event_id"},
		{"a reporter retracts a sibling's assessment", reporter, []string{retraction("a6", "15814", "assess-15775")}, events.Forbidden, "payload.event_id"},
		{"a reporter retracts an event not stored", reporter, []string{retraction("a7", "15814", "nowhere-1")}, events.Forbidden, "payload.event_id"},
		{"a reporter retracts its own assessment (valid)", reporter, []string{retraction("v4", "15814", "assess-15814")}, "", ""},
		{"the registry retracts a district's registration (valid)", registry, []string{retraction("v5", "38", "ref.unit.398")}, "", ""},
		{"the registry retracts an assessment", registry, []string{retraction("a8", "38", "assess-15814")}, events.Forbidden, "payload.event_id"},
		{"a reporter corrects a sibling's assessment", reporter, []string{correcting(event("a9", "criterion.assessed", "15814", assessment), "assess-15775")}, events.Forbidden, "corrects"},
		{"a reporter corrects a district's funding", reporter, []string{correcting(event("a10", "funding.allocated", "15814", allocation), "fund-403")}, events.Forbidden, "corrects"},
		{"a reporter corrects its own assessment (valid)", reporter, []string{correcting(event("v6", "criterion.assessed", "15814", assessment), "assess-15814")}, "", ""},
		{"a reporter retracts an event of a village below it (valid)", reporter, []string{retraction("v16", "15814", "conn-15814-003")}, "", ""},
		{"a reporter corrects an event of a village below it (valid)", reporter, []string{correcting(event("v17", "connectivity.reported", "15814-003", connectivity), "conn-15814-003")}, "", ""},
		{"a reporter retracts an event of a sibling's village", reporter, []string{retraction("a23", "15814", "conn-15775-001")}, events.Forbidden, "payload.event_id"},
		{"a reporter corrects an event of a sibling's village", reporter, []string{correcting(event("a24", "connectivity.reported", "15814-003", connectivity), "conn-15775-001")}, events.Forbidden, "corrects"},
		{"a reporter retracts its district's funding", reporter, []string{retraction("a25", "15814", "fund-403")}, events.Forbidden, "payload.event_id"},
		{"a reporter corrects an event not stored", reporter, []string{correcting(event("a26", "criterion.assessed", "15814", assessment), "nowhere-2")}, events.Forbidden, "corrects"},
		{"a reporter corrects an earlier line of the request (valid)", reporter, []string{
			event("v7a", "criterion.assessed", "15814", assessment), correcting(event("v7b", "criterion.assessed", "15814", assessment), "v7a")}, "", ""},

		// Entities.
		{"a reporter dissolves another commune's cooperative", reporter, []string{event("a11", "cooperative.dissolved", "15814", `{"coop_id":"htx-14860-610"}`)}, events.Forbidden, "payload.coop_id"},
		{"a reporter takes over another commune's cooperative", reporter, []string{event("a12", "cooperative.registered", "15814", `{"coop_id":"htx-14860-610","name":"HTX của tôi","sector":"x"}`)}, events.Forbidden, "payload.coop_id"},
		{"a reporter trains another commune's manager", reporter, []string{event("a13", "training.completed", "15814", `{"person_ref":"p-15775","course_code":"C1","topic":"other","hours":4,"completed_on":"2025-03-07"}`)}, events.Forbidden, "payload.person_ref"},
		{"a reporter answers a survey never registered", reporter, []string{event("a14", "survey.response", "15814", `{"survey_id":"ks-nowhere","satisfaction":5}`)}, events.Forbidden, "payload.survey_id"},
		{"a reporter dissolves its own cooperative (valid)", reporter, []string{event("v8", "cooperative.dissolved", "15814", `{"coop_id":"htx-15814-1"}`)}, "", ""},
		{"a reporter answers its own survey (valid)", reporter, []string{event("v9", "survey.response", "15814-001", `{"survey_id":"ks-15814","satisfaction":4}`)}, "", ""},
		{"a reporter registers and equips a new cooperative in one request (valid)", reporter, []string{
			event("v10a", "cooperative.registered", "15814", `{"coop_id":"htx-15814-2","name":"HTX Mới","sector":"x"}`),
			event("v10b", "cooperative.digital_adopted", "15814", `{"coop_id":"htx-15814-2","technologies":["ecommerce"]}`)}, "", ""},
		{"the admin dissolves any cooperative (valid)", admin, []string{event("v11", "cooperative.dissolved", "14860", `{"coop_id":"htx-14860-610"}`)}, "", ""},

		// Bounds, judged by the contract (the one judge) for every token.
		{"a reporter allocates 9×10^17 VND", reporter, []string{event("a15", "funding.allocated", "15814", strings.Replace(allocation, "500000000", "900000000000000000", 1))}, events.BadValue, "payload.amount_vnd"},
		{"a reporter allocates int64's maximum", reporter, []string{event("a16", "funding.allocated", "15814", strings.Replace(allocation, "500000000", "9223372036854775807", 1))}, events.BadValue, "payload.amount_vnd"},
		{"the admin allocates 9×10^17 VND", admin, []string{event("a17", "funding.allocated", "403", strings.Replace(allocation, "500000000", "900000000000000000", 1))}, events.BadValue, "payload.amount_vnd"},
		{"a reporter allocates 10^15 VND, the bound (valid)", reporter, []string{event("v12", "funding.allocated", "15814", strings.Replace(allocation, "500000000", "1000000000000000", 1))}, "", ""},
		{"a reporter sends for a sibling", reporter, []string{event("a18", "training.completed", "15775", training)}, gateway.ForbiddenUnit, "unit_code"},
		{"a reporter sends for a unit that does not exist", reporter, []string{event("a22", "training.completed", "15999", training)}, gateway.UnknownUnit, "unit_code"},
		{"a district's registry sends for a unit that does not exist", district, []string{v2Event("a27", "admin_unit.dissolved", "15999", `{"code":"15999"}`)}, gateway.ForbiddenUnit, "unit_code"},
	}
	var refused, accepted []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, resp := f.send(t, tt.token, tt.lines...)
			require.Equal(t, 200, r.status, "%s", r.body)
			require.Len(t, resp.Results, len(tt.lines))
			last := resp.Results[len(resp.Results)-1]
			if tt.reason == "" {
				for _, res := range resp.Results {
					require.Equal(t, gateway.StatusAccepted, res.Status, "%+v", res)
					accepted = append(accepted, res.EventID)
				}
				return
			}
			require.Equal(t, gateway.StatusRejected, last.Status, "%+v", last)
			require.Equal(t, string(tt.reason), last.Reason, last.Message)
			require.Equal(t, tt.field, last.Field, last.Message)
			require.NotEmpty(t, last.Message)
			require.NotEmpty(t, last.MessageVI)
			refused = append(refused, last.EventID)
		})
	}
	require.Len(t, refused, 27)

	recs := f.records(t)
	for _, id := range refused {
		require.NotContains(t, recs, id, "a refused event reached Kafka")
	}
	// Each refused line is a dead letter, once, with the reason the answer gave.
	dead := map[string]events.Reason{}
	for _, d := range f.deadLetters(t) {
		var id struct {
			ID string `json:"event_id"`
		}
		require.NoError(t, json.Unmarshal(d.Raw, &id))
		require.NotContains(t, dead, id.ID)
		dead[id.ID] = d.Reason
	}
	require.Len(t, dead, len(refused))
	for _, tt := range tests {
		if tt.reason != "" {
			var id struct {
				ID string `json:"event_id"`
			}
			require.NoError(t, json.Unmarshal([]byte(tt.lines[len(tt.lines)-1]), &id))
			require.Equal(t, tt.reason, dead[id.ID], tt.name)
		}
	}
	for _, id := range accepted {
		require.Contains(t, recs, id)
	}
	t.Logf(`RELIABILITY {"attacks_refused": %d, "look_alikes_accepted": %d, "refused_in_kafka": 0}`, len(refused), len(accepted))
	// The source is the token's, whatever the body said.
	var ev struct {
		Source map[string]string `json:"source"`
	}
	require.NoError(t, json.Unmarshal(recs["v9"].Value, &ev))
	require.Equal(t, map[string]string{"level": "commune", "unit_code": "15814", "system": "dvc-thanhhoa", "token": "xa-thieu-thanh"}, ev.Source)
	require.NoError(t, json.Unmarshal(recs["v1"].Value, &ev))
	require.Equal(t, map[string]string{"level": "province", "unit_code": "38", "system": "dvc-thanhhoa", "token": "so-noi-vu"}, ev.Source)
}

// A body of millions of bad lines gets a bounded answer: the first lines listed, then counts;
// and the first lines stored as dead letters, then counts.
func TestGatewayAnswerIsBounded(t *testing.T) {
	f := newFixture(t, func(c *gateway.Config) { c.MaxResults = 100 })
	body := strings.Repeat("1\n", 200_000) + event("ok-1", "training.completed", "15814", training) + "\n"
	r := f.post(t, "Bearer "+f.tokens["xa-thieu-thanh"], "application/x-ndjson", []byte(body))
	require.Equal(t, 200, r.status)
	require.Less(t, len(r.body), 64<<10, "the answer stays small")
	var resp gateway.Response
	require.NoError(t, json.Unmarshal(r.body, &resp))
	require.Len(t, resp.Results, 100)
	require.True(t, resp.Truncated)
	require.Equal(t, 200_000, resp.Rejected)
	require.Equal(t, 1, resp.Accepted, "the valid line past the listed ones is still accepted")
	require.Equal(t, map[string]int{"not_object": 200_000}, resp.RejectedByReason)
	require.Contains(t, f.records(t), "ok-1")
	// The dead letters are bounded too: a body of garbage does not become millions of records.
	require.Equal(t, 200_000-gateway.DefaultMaxDeadLetters, resp.NotStored)
	require.Len(t, f.deadLetters(t), gateway.DefaultMaxDeadLetters)
	require.Equal(t, int64(200_000-gateway.DefaultMaxDeadLetters), f.stats.DeadLettersDropped.Load())
}
