package events_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
)

// kv is one member of an object that a test builds; val is raw JSON text or a nested *obj.
type kv struct {
	key string
	val any
}

// obj is a JSON object that keeps its members in order, so that tests can edit one member of a
// valid event and say exactly what they broke.
type obj struct{ members []kv }

func (o *obj) find(key string) int {
	for i, m := range o.members {
		if m.key == key {
			return i
		}
	}
	return -1
}

// child returns the nested object at the first step of path.
func (o *obj) child(path string) (*obj, string) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		return o, path
	}
	i := o.find(head)
	if i < 0 {
		panic("test helper: no member " + head)
	}
	return o.members[i].val.(*obj).child(rest)
}

func (o *obj) render(b *strings.Builder) {
	b.WriteByte('{')
	for i, m := range o.members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + m.key + `":`)
		switch v := m.val.(type) {
		case *obj:
			v.render(b)
		case string:
			b.WriteString(v)
		}
	}
	b.WriteByte('}')
}

// edit changes an event under construction.
type edit func(*obj)

// set replaces the value of the member at path ("payload.hours"), or appends the member when the
// object has none of that name. raw is JSON text, written as is.
func set(path, raw string) edit {
	return func(o *obj) {
		o, key := o.child(path)
		if i := o.find(key); i >= 0 {
			o.members[i].val = raw
			return
		}
		o.members = append(o.members, kv{key, raw})
	}
}

// add appends a member even when one of that name exists already.
func add(path, raw string) edit {
	return func(o *obj) {
		o, key := o.child(path)
		o.members = append(o.members, kv{key, raw})
	}
}

// drop removes the member at path.
func drop(path string) edit {
	return func(o *obj) {
		o, key := o.child(path)
		if i := o.find(key); i >= 0 {
			o.members = append(o.members[:i], o.members[i+1:]...)
		}
	}
}

// minimalPayloads holds a minimal valid payload for each type of the contract.
var minimalPayloads = map[string][]kv{
	"admin_unit.registered": {{"code", `"15814"`}, {"name", `"Xuân Lập"`}, {"level", `"commune"`}, {"kind", `"xã"`}, {"parent_code", `"389"`}},
	"admin_unit.renamed":    {{"code", `"15814"`}, {"new_name", `"Xuân Lập Mới"`}},
	"admin_unit.merged": {{"from_codes", `["15814","15817"]`}, {"into_code", `"15814"`}, {"into_name", `"Xuân Lập"`},
		{"into_kind", `"xã"`}, {"parent_code", `"389"`}},
	"admin_unit.dissolved": {{"code", `"389"`}},
	"admin_unit.split": {{"from_code", `"15772"`}, {"into", `[` +
		`{"code":"15772","name":"Thiệu Hóa","kind":"xã","parent_code":"38","share":0.5},` +
		`{"code":"15796","name":"Thiệu Quang","kind":"xã","parent_code":"38","share":0.5}]`}},
	"dossier.completed": {{"dossier_id", `"HS-2025-000123"`}, {"level", `"commune"`}, {"processed_online", `true`},
		{"received_at", `"2025-03-01T08:00:00+07:00"`}, {"completed_at", `"2025-03-05T16:30:00+07:00"`}},
	"criterion.assessed": {{"criteria_set", `"commune_ntm"`}, {"criterion", `"8"`}, {"indicator", `"8.4"`}, {"met", `true`},
		{"assessed_on", `"2025-03-08"`}},
	"manager.registered": {{"person_ref", `"p-7f3a9c"`}, {"role", `"chuyên viên"`}, {"level", `"commune"`}},
	"manager.departed":   {{"person_ref", `"p-7f3a9c"`}},
	"training.completed": {{"person_ref", `"p-7f3a9c"`}, {"course_code", `"CDS-01"`}, {"topic", `"digital_transformation"`},
		{"hours", `8`}, {"completed_on", `"2025-03-07"`}},
	"cooperative.registered":      {{"coop_id", `"HTX-015"`}, {"name", `"HTX Nông nghiệp Xuân Lập"`}, {"sector", `"agriculture"`}},
	"cooperative.dissolved":       {{"coop_id", `"HTX-015"`}},
	"cooperative.digital_adopted": {{"coop_id", `"HTX-015"`}, {"technologies", `["ecommerce"]`}},
	"linkage_model.registered": {{"model_id", `"LK-01"`}, {"name", `"Liên kết mía đường"`}, {"key_product", `"mía"`},
		{"raw_material_area", `true`}},
	"linkage_model.digital_adopted": {{"model_id", `"LK-01"`}, {"technologies", `["traceability"]`}},
	"ocop.product_rated": {{"product_id", `"OCOP-0042"`}, {"name", `"Nem chua"`}, {"category", `"thực phẩm"`},
		{"stars", `4`}},
	"raw_material_area.registered": {{"area_code", `"VNL-01"`}, {"product", `"mía"`}, {"hectares", `120.5`},
		{"latitude", `19.9`}, {"longitude", `105.4`}},
	"online_service.launched":  {{"service_id", `"DV-01"`}, {"domain", `"health"`}, {"name", `"Đặt lịch khám"`}},
	"online_service.withdrawn": {{"service_id", `"DV-01"`}},
	"survey.conducted": {{"survey_id", `"KS-2025-01"`}, {"topic", `"ntm_satisfaction"`}, {"channel", `"online"`},
		{"opened_on", `"2025-03-01"`}, {"closed_on", `"2025-03-31"`}},
	"survey.response":        {{"survey_id", `"KS-2025-01"`}, {"satisfaction", `4`}},
	"smart_model.registered": {{"model_id", `"TM-01"`}, {"name", `"Camera an ninh"`}, {"field", `"security_order"`}, {"scope", `"village"`}},
	"smart_model.approved":   {{"model_id", `"TM-01"`}, {"decision_ref", `"QĐ-123/UBND"`}},
	"tourism_site.registered": {{"site_id", `"DL-01"`}, {"name", `"Bản Hang"`}, {"kind", `"community_tourism"`},
		{"latitude", `20.1`}, {"longitude", `105.2`}},
	"household_survey.recorded": {{"households", `120`}, {"with_smartphone", `95`}, {"with_fixed_broadband", `60`}},
	"connectivity.reported":     {{"fixed_broadband", `true`}, {"mobile_4g", `true`}, {"mobile_5g", `false`}},
	"wifi_hotspot.installed":    {{"hotspot_id", `"WF-01"`}, {"site", `"one_stop_shop"`}, {"free", `true`}},
	"funding.allocated": {{"fiscal_year", `2025`}, {"source", `"province_budget"`}, {"task", `"digital_government"`},
		{"amount_vnd", `150000000`}},
	"funding.disbursed": {{"fiscal_year", `2025`}, {"source", `"central_budget"`}, {"task", `"digital_infrastructure_data"`},
		{"amount_vnd", `90000000`}},
	"event.retracted": {{"event_id", `"ev-0000"`}, {"reason", `"nhập sai"`}},
}

// v2Types are the types contract v2 adds, which exist at schema_version 2 only; every other
// type is at version 1.
var v2Types = map[string]bool{"admin_unit.dissolved": true, "admin_unit.split": true}

// versionOf is the schema_version a valid event of the type carries.
func versionOf(typ string) int {
	if v2Types[typ] {
		return 2
	}
	return 1
}

// splitInto is the into member of an admin_unit.split with the given parts, each a code and
// a share written as JSON text.
func splitInto(parts ...[2]string) string {
	items := make([]string, len(parts))
	for i, p := range parts {
		items[i] = fmt.Sprintf(`{"code":%q,"name":"Phần %d","kind":"xã","parent_code":"38","share":%s}`, p[0], i+1, p[1])
	}
	return "[" + strings.Join(items, ",") + "]"
}

// ev returns an event of type typ with a minimal valid payload and envelope, then edited.
func ev(typ string, edits ...edit) string {
	payload, ok := minimalPayloads[typ]
	if !ok {
		panic("test helper: no payload for " + typ)
	}
	unit := `"15814"`
	if typ == "household_survey.recorded" || typ == "connectivity.reported" {
		unit = `"15814-007"`
	}
	o := &obj{members: []kv{
		{"event_id", `"ev-0001"`},
		{"event_type", `"` + typ + `"`},
		{"schema_version", strconv.Itoa(versionOf(typ))},
		{"occurred_at", `"2025-03-10T09:15:00+07:00"`},
		{"recorded_at", `"2025-03-10T09:16:02.5+07:00"`},
		{"source", &obj{members: []kv{{"level", `"commune"`}, {"unit_code", `"15814"`}, {"system", `"dvc-thanhhoa"`}}}},
		{"unit_code", unit},
		{"payload", &obj{members: append([]kv(nil), payload...)}},
	}}
	for _, e := range edits {
		e(o)
	}
	var b strings.Builder
	o.render(&b)
	return b.String()
}

// nest returns n arrays nested around an empty array's place, "[[...]]".
func nest(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// nestObjects returns n objects nested through the member "a".
func nestObjects(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }

// padTo returns an event of exactly size bytes, padded with an unknown payload member.
func padTo(size int) string {
	base := ev("survey.response", set("payload.note", `""`))
	return ev("survey.response", set("payload.note", `"`+strings.Repeat("x", size-len(base))+`"`))
}

type rejectCase struct {
	name   string
	in     string
	reason events.Reason
	field  string // the rejection's Field, which the message must name
	prefix bool   // field is only a prefix of the rejection's Field (a deep path)
	hint   string // for whole-input reasons: a word the message must contain
}

func rejectCases() []rejectCase {
	valid := ev("dossier.completed")
	long65 := strings.Repeat("a", 65)
	return []rejectCase{
		// not_json
		{name: "empty input", in: "", reason: events.NotJSON, hint: "JSON"},
		{name: "white space only", in: " \r\n\t", reason: events.NotJSON, hint: "JSON"},
		{name: "truncated object", in: valid[:len(valid)-1], reason: events.NotJSON, hint: "JSON"},
		{name: "truncated mid-string", in: valid[:40], reason: events.NotJSON, hint: "JSON"},
		{name: "truncated after a key", in: `{"event_id"`, reason: events.NotJSON, hint: "JSON"},
		{name: "invalid UTF-8 in a value", in: ev("dossier.completed", set("payload.dossier_id", "\"HS-\xff\"")), reason: events.NotJSON, hint: "UTF-8"},
		{name: "invalid UTF-8 in a key", in: ev("dossier.completed", set("payload.n\xc3", "1")), reason: events.NotJSON, hint: "UTF-8"},
		{name: "UTF-8 encoded surrogate", in: ev("cooperative.registered", set("payload.name", "\"\xed\xa0\x80\"")), reason: events.NotJSON, hint: "UTF-8"},
		{name: "NUL byte alone", in: "\x00", reason: events.NotJSON, hint: "JSON"},
		{name: "NUL byte after the object", in: valid + "\x00", reason: events.NotJSON, hint: "JSON"},
		{name: "NUL byte in a string", in: ev("cooperative.registered", set("payload.name", "\"HTX\x00\"")), reason: events.NotJSON, hint: "control character"},
		{name: "raw newline in a string", in: ev("cooperative.registered", set("payload.name", "\"HTX\nA\"")), reason: events.NotJSON, hint: "control character"},
		{name: "two events on one line", in: valid + valid, reason: events.NotJSON, hint: "JSON"},
		{name: "trailing garbage", in: valid + ",", reason: events.NotJSON, hint: "JSON"},
		{name: "trailing comma", in: `{"event_id":"a",}`, reason: events.NotJSON, hint: "JSON"},
		{name: "single quotes", in: `{'event_id':'a'}`, reason: events.NotJSON, hint: "JSON"},
		{name: "NaN", in: ev("training.completed", set("payload.hours", "NaN")), reason: events.NotJSON, hint: "JSON"},
		{name: "leading zero", in: ev("survey.response", set("payload.satisfaction", "04")), reason: events.NotJSON, hint: "JSON"},
		{name: "bad escape", in: ev("cooperative.registered", set("payload.name", `"\x41"`)), reason: events.NotJSON, hint: "escape"},
		{name: "byte order mark", in: "\xef\xbb\xbf" + valid, reason: events.NotJSON, hint: "JSON"},

		// not_object
		{name: "empty array", in: "[]", reason: events.NotObject, hint: "array"},
		{name: "array of an event", in: "[" + valid + "]", reason: events.NotObject, hint: "array"},
		{name: "number", in: "42", reason: events.NotObject, hint: "number"},
		{name: "negative number", in: " -1.5e3 ", reason: events.NotObject, hint: "number"},
		{name: "string", in: `"` + strings.ReplaceAll(valid, `"`, `\"`) + `"`, reason: events.NotObject, hint: "string"},
		{name: "true", in: "true", reason: events.NotObject, hint: "boolean"},
		{name: "null", in: "null\n", reason: events.NotObject, hint: "null"},

		// too_large
		{name: "1 MiB + 1 byte event", in: padTo(events.MaxEventSize + 1), reason: events.TooLarge, hint: "1 MiB"},
		{name: "1 MiB + 1 byte of white space", in: strings.Repeat(" ", events.MaxEventSize+1), reason: events.TooLarge, hint: "1 MiB"},
		{name: "2 MiB of garbage", in: strings.Repeat("\xff", 2*events.MaxEventSize), reason: events.TooLarge, hint: "1 MiB"},

		// missing_field: the envelope
		{name: "no event_id", in: ev("dossier.completed", drop("event_id")), reason: events.MissingField, field: "event_id"},
		{name: "null event_id", in: ev("dossier.completed", set("event_id", "null")), reason: events.MissingField, field: "event_id"},
		{name: "no event_type", in: ev("dossier.completed", drop("event_type")), reason: events.MissingField, field: "event_type"},
		{name: "no schema_version", in: ev("dossier.completed", drop("schema_version")), reason: events.MissingField, field: "schema_version"},
		{name: "null schema_version", in: ev("dossier.completed", set("schema_version", "null")), reason: events.MissingField, field: "schema_version"},
		{name: "no occurred_at", in: ev("dossier.completed", drop("occurred_at")), reason: events.MissingField, field: "occurred_at"},
		{name: "no recorded_at", in: ev("dossier.completed", drop("recorded_at")), reason: events.MissingField, field: "recorded_at"},
		{name: "no source", in: ev("dossier.completed", drop("source")), reason: events.MissingField, field: "source"},
		{name: "null source", in: ev("dossier.completed", set("source", "null")), reason: events.MissingField, field: "source"},
		{name: "no unit_code", in: ev("dossier.completed", drop("unit_code")), reason: events.MissingField, field: "unit_code"},
		{name: "no payload", in: ev("dossier.completed", drop("payload")), reason: events.MissingField, field: "payload"},
		{name: "null payload", in: ev("dossier.completed", set("payload", "null")), reason: events.MissingField, field: "payload"},
		{name: "empty object", in: "{}", reason: events.MissingField, field: "event_id"},

		// missing_field: source
		{name: "no source.level", in: ev("dossier.completed", drop("source.level")), reason: events.MissingField, field: "source.level"},
		{name: "no source.unit_code", in: ev("dossier.completed", drop("source.unit_code")), reason: events.MissingField, field: "source.unit_code"},
		{name: "null source.system", in: ev("dossier.completed", set("source.system", "null")), reason: events.MissingField, field: "source.system"},
		{name: "empty source", in: ev("dossier.completed", set("source", "{}")), reason: events.MissingField, field: "source.level"},

		// missing_field: payloads
		{name: "dossier without completed_at", in: ev("dossier.completed", drop("payload.completed_at")), reason: events.MissingField, field: "payload.completed_at"},
		{name: "dossier without received_at", in: ev("dossier.completed", drop("payload.received_at")), reason: events.MissingField, field: "payload.received_at"},
		{name: "criterion without met", in: ev("criterion.assessed", drop("payload.met")), reason: events.MissingField, field: "payload.met"},
		{name: "criterion without indicator", in: ev("criterion.assessed", drop("payload.indicator")), reason: events.MissingField, field: "payload.indicator"},
		{name: "training without hours", in: ev("training.completed", drop("payload.hours")), reason: events.MissingField, field: "payload.hours"},
		{name: "funding without amount_vnd", in: ev("funding.allocated", drop("payload.amount_vnd")), reason: events.MissingField, field: "payload.amount_vnd"},
		{name: "funding with null source", in: ev("funding.disbursed", set("payload.source", "null")), reason: events.MissingField, field: "payload.source"},
		{name: "household survey without with_fixed_broadband", in: ev("household_survey.recorded", drop("payload.with_fixed_broadband")), reason: events.MissingField, field: "payload.with_fixed_broadband"},
		{name: "commune without parent_code", in: ev("admin_unit.registered", drop("payload.parent_code")), reason: events.MissingField, field: "payload.parent_code"},
		{name: "commune with null parent_code", in: ev("admin_unit.registered", set("payload.parent_code", "null")), reason: events.MissingField, field: "payload.parent_code"},
		{name: "adoption without technologies", in: ev("cooperative.digital_adopted", drop("payload.technologies")), reason: events.MissingField, field: "payload.technologies"},
		{name: "merger without from_codes", in: ev("admin_unit.merged", drop("payload.from_codes")), reason: events.MissingField, field: "payload.from_codes"},
		{name: "dissolution without code", in: ev("admin_unit.dissolved", drop("payload.code")), reason: events.MissingField, field: "payload.code"},
		{name: "split without from_code", in: ev("admin_unit.split", drop("payload.from_code")), reason: events.MissingField, field: "payload.from_code"},
		{name: "split without into", in: ev("admin_unit.split", drop("payload.into")), reason: events.MissingField, field: "payload.into"},
		{name: "split with null into", in: ev("admin_unit.split", set("payload.into", "null")), reason: events.MissingField, field: "payload.into"},
		{name: "split part without share", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"xã","parent_code":"38","share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38"}]`)), reason: events.MissingField, field: "payload.into[1].share"},
		{name: "split part with null parent_code", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"xã","parent_code":null,"share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38","share":0.5}]`)), reason: events.MissingField, field: "payload.into[0].parent_code"},
		{name: "split part without name", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","kind":"xã","parent_code":"38","share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38","share":0.5}]`)), reason: events.MissingField, field: "payload.into[0].name"},
		{name: "retraction without event_id", in: ev("event.retracted", drop("payload.event_id")), reason: events.MissingField, field: "payload.event_id"},
		{name: "approval without decision_ref", in: ev("smart_model.approved", drop("payload.decision_ref")), reason: events.MissingField, field: "payload.decision_ref"},
		{name: "survey with null closed_on", in: ev("survey.conducted", set("payload.closed_on", "null")), reason: events.MissingField, field: "payload.closed_on"},
		{name: "connectivity without mobile_5g", in: ev("connectivity.reported", drop("payload.mobile_5g")), reason: events.MissingField, field: "payload.mobile_5g"},
		{name: "tourism site without longitude", in: ev("tourism_site.registered", drop("payload.longitude")), reason: events.MissingField, field: "payload.longitude"},
		{name: "empty payload", in: ev("manager.departed", set("payload", "{}")), reason: events.MissingField, field: "payload.person_ref"},

		// bad_type: the envelope
		{name: "numeric event_id", in: ev("dossier.completed", set("event_id", "42")), reason: events.BadType, field: "event_id"},
		{name: "boolean event_type", in: ev("dossier.completed", set("event_type", "true")), reason: events.BadType, field: "event_type"},
		{name: "schema_version as a string", in: ev("dossier.completed", set("schema_version", `"1"`)), reason: events.BadType, field: "schema_version"},
		{name: "schema_version 1.5", in: ev("dossier.completed", set("schema_version", "1.5")), reason: events.BadType, field: "schema_version"},
		{name: "schema_version as a boolean", in: ev("dossier.completed", set("schema_version", "true")), reason: events.BadType, field: "schema_version"},
		{name: "occurred_at as epoch seconds", in: ev("dossier.completed", set("occurred_at", "1741572900")), reason: events.BadType, field: "occurred_at"},
		{name: "recorded_at as an object", in: ev("dossier.completed", set("recorded_at", `{"t":"2025-03-10T09:16:02Z"}`)), reason: events.BadType, field: "recorded_at"},
		{name: "source as a string", in: ev("dossier.completed", set("source", `"dvc-thanhhoa"`)), reason: events.BadType, field: "source"},
		{name: "source as an array", in: ev("dossier.completed", set("source", `[]`)), reason: events.BadType, field: "source"},
		{name: "numeric unit_code", in: ev("dossier.completed", set("unit_code", "15814")), reason: events.BadType, field: "unit_code"},
		{name: "payload as an array", in: ev("dossier.completed", set("payload", "[]")), reason: events.BadType, field: "payload"},
		{name: "payload as a string", in: ev("dossier.completed", set("payload", `"{}"`)), reason: events.BadType, field: "payload"},
		{name: "numeric corrects", in: ev("dossier.completed", set("corrects", "7")), reason: events.BadType, field: "corrects"},

		// bad_type: source
		{name: "numeric source.level", in: ev("dossier.completed", set("source.level", "3")), reason: events.BadType, field: "source.level"},
		{name: "numeric source.unit_code", in: ev("dossier.completed", set("source.unit_code", "15814")), reason: events.BadType, field: "source.unit_code"},
		{name: "source.system as an object", in: ev("dossier.completed", set("source.system", "{}")), reason: events.BadType, field: "source.system"},

		// bad_type: payloads
		{name: "hours as a string", in: ev("training.completed", set("payload.hours", `"8"`)), reason: events.BadType, field: "payload.hours"},
		{name: "hours as a boolean", in: ev("training.completed", set("payload.hours", `true`)), reason: events.BadType, field: "payload.hours"},
		{name: "stars as a string", in: ev("ocop.product_rated", set("payload.stars", `"4"`)), reason: events.BadType, field: "payload.stars"},
		{name: "stars 4.5", in: ev("ocop.product_rated", set("payload.stars", `4.5`)), reason: events.BadType, field: "payload.stars"},
		{name: "satisfaction as a boolean", in: ev("survey.response", set("payload.satisfaction", `true`)), reason: events.BadType, field: "payload.satisfaction"},
		{name: "satisfaction 1e-99999999999999999999", in: ev("survey.response", set("payload.satisfaction", `1e-99999999999999999999`)), reason: events.BadType, field: "payload.satisfaction"},
		{name: "processed_online as a string", in: ev("dossier.completed", set("payload.processed_online", `"true"`)), reason: events.BadType, field: "payload.processed_online"},
		{name: "met as 1", in: ev("criterion.assessed", set("payload.met", `1`)), reason: events.BadType, field: "payload.met"},
		{name: "criterion as a number", in: ev("criterion.assessed", set("payload.criterion", `8`)), reason: events.BadType, field: "payload.criterion"},
		{name: "decision_ref as a number", in: ev("criterion.assessed", set("payload.decision_ref", `123`)), reason: events.BadType, field: "payload.decision_ref"},
		{name: "assessed_on as a number", in: ev("criterion.assessed", set("payload.assessed_on", `20250308`)), reason: events.BadType, field: "payload.assessed_on"},
		{name: "latitude as a string", in: ev("raw_material_area.registered", set("payload.latitude", `"19.9"`)), reason: events.BadType, field: "payload.latitude"},
		{name: "technologies as a string", in: ev("cooperative.digital_adopted", set("payload.technologies", `"ecommerce"`)), reason: events.BadType, field: "payload.technologies"},
		{name: "technologies with a number", in: ev("linkage_model.digital_adopted", set("payload.technologies", `["ecommerce",1]`)), reason: events.BadType, field: "payload.technologies[1]"},
		{name: "from_codes with a number", in: ev("admin_unit.merged", set("payload.from_codes", `[15814]`)), reason: events.BadType, field: "payload.from_codes[0]"},
		{name: "into as an object", in: ev("admin_unit.split", set("payload.into", `{"code":"15772"}`)), reason: events.BadType, field: "payload.into"},
		{name: "into with a code for a part", in: ev("admin_unit.split", set("payload.into", `["15772","15796"]`)), reason: events.BadType, field: "payload.into[0]"},
		{name: "share as a string", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.5"}, [2]string{"15796", `"0.5"`}))), reason: events.BadType, field: "payload.into[1].share"},
		{name: "split part code as a number", in: ev("admin_unit.split", set("payload.into", `[{"code":15772,"name":"A","kind":"xã","parent_code":"38","share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38","share":0.5}]`)), reason: events.BadType, field: "payload.into[0].code"},
		{name: "numeric from_code", in: ev("admin_unit.split", set("payload.from_code", `15772`)), reason: events.BadType, field: "payload.from_code"},
		{name: "flags as a string", in: ev("admin_unit.registered", set("payload.flags", `"mountainous"`)), reason: events.BadType, field: "payload.flags"},
		{name: "amount_vnd 1.5", in: ev("funding.allocated", set("payload.amount_vnd", `1.5`)), reason: events.BadType, field: "payload.amount_vnd"},
		{name: "fiscal_year as a string", in: ev("funding.allocated", set("payload.fiscal_year", `"2025"`)), reason: events.BadType, field: "payload.fiscal_year"},
		{name: "households 120.5", in: ev("household_survey.recorded", set("payload.households", `120.5`)), reason: events.BadType, field: "payload.households"},
		{name: "parent_code as a number", in: ev("admin_unit.registered", set("payload.parent_code", `389`)), reason: events.BadType, field: "payload.parent_code"},
		{name: "name as an array", in: ev("cooperative.registered", set("payload.name", `["HTX"]`)), reason: events.BadType, field: "payload.name"},
		{name: "free as null-ish string", in: ev("wifi_hotspot.installed", set("payload.free", `"null"`)), reason: events.BadType, field: "payload.free"},
		{name: "completed_at as a number", in: ev("dossier.completed", set("payload.completed_at", `1741170600`)), reason: events.BadType, field: "payload.completed_at"},

		// bad_value: identifiers and codes in the envelope
		{name: "empty event_id", in: ev("dossier.completed", set("event_id", `""`)), reason: events.BadValue, field: "event_id"},
		{name: "65-char event_id", in: ev("dossier.completed", set("event_id", `"`+long65+`"`)), reason: events.BadValue, field: "event_id"},
		{name: "event_id with a space", in: ev("dossier.completed", set("event_id", `"ev 1"`)), reason: events.BadValue, field: "event_id"},
		{name: "event_id with a slash", in: ev("dossier.completed", set("event_id", `"ev/1"`)), reason: events.BadValue, field: "event_id"},
		{name: "event_id with a letter outside ASCII", in: ev("dossier.completed", set("event_id", `"évt-1"`)), reason: events.BadValue, field: "event_id"},
		{name: "corrects with a space", in: ev("dossier.completed", set("corrects", `"ev 0"`)), reason: events.BadValue, field: "corrects"},
		{name: "empty corrects", in: ev("dossier.completed", set("corrects", `""`)), reason: events.BadValue, field: "corrects"},
		{name: "4-digit unit_code", in: ev("dossier.completed", set("unit_code", `"3800"`)), reason: events.BadValue, field: "unit_code"},
		{name: "2-digit unit_code other than 38", in: ev("dossier.completed", set("unit_code", `"39"`)), reason: events.BadValue, field: "unit_code"},
		{name: "village code with 2 digits", in: ev("dossier.completed", set("unit_code", `"15814-07"`)), reason: events.BadValue, field: "unit_code"},
		{name: "village code with an underscore", in: ev("dossier.completed", set("unit_code", `"15814_007"`)), reason: events.BadValue, field: "unit_code"},
		{name: "unit_code with letters", in: ev("dossier.completed", set("unit_code", `"TH-38"`)), reason: events.BadValue, field: "unit_code"},
		{name: "unit_code of full-width digits", in: ev("dossier.completed", set("unit_code", `"１５８１４"`)), reason: events.BadValue, field: "unit_code"},
		{name: "empty unit_code", in: ev("dossier.completed", set("unit_code", `""`)), reason: events.BadValue, field: "unit_code"},

		// bad_value: source
		{name: "source.level national", in: ev("dossier.completed", set("source.level", `"national"`)), reason: events.BadValue, field: "source.level"},
		{name: "source.level capitalised", in: ev("dossier.completed", set("source.level", `"Commune"`)), reason: events.BadValue, field: "source.level"},
		{name: "source.unit_code with letters", in: ev("dossier.completed", set("source.unit_code", `"abc"`)), reason: events.BadValue, field: "source.unit_code"},
		{name: "empty source.system", in: ev("dossier.completed", set("source.system", `""`)), reason: events.BadValue, field: "source.system"},
		{name: "65-char source.system", in: ev("dossier.completed", set("source.system", `"`+long65+`"`)), reason: events.BadValue, field: "source.system"},

		// bad_value: timestamps
		{name: "lower-case t", in: ev("dossier.completed", set("occurred_at", `"2025-03-10t09:15:00+07:00"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "lower-case z", in: ev("dossier.completed", set("occurred_at", `"2025-03-10T02:15:00z"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "no offset", in: ev("dossier.completed", set("occurred_at", `"2025-03-10T09:15:00"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "no offset with a fraction", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:15:00.123"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "hour 24", in: ev("dossier.completed", set("occurred_at", `"2025-03-10T24:00:00+07:00"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "minute 60", in: ev("dossier.completed", set("occurred_at", `"2025-03-10T09:60:00+07:00"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "second 60", in: ev("dossier.completed", set("occurred_at", `"2025-03-10T09:15:60+07:00"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "space for T", in: ev("dossier.completed", set("occurred_at", `"2025-03-10 09:15:00+07:00"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "date only", in: ev("dossier.completed", set("occurred_at", `"2025-03-10"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "empty timestamp", in: ev("dossier.completed", set("occurred_at", `""`)), reason: events.BadValue, field: "occurred_at"},
		{name: "timestamp on 2025-02-29", in: ev("dossier.completed", set("occurred_at", `"2025-02-29T10:00:00Z"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "timestamp on 2025-04-31", in: ev("dossier.completed", set("recorded_at", `"2025-04-31T10:00:00Z"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "month 13", in: ev("dossier.completed", set("recorded_at", `"2025-13-01T10:00:00Z"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "offset without colon", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:16:02+0700"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "one-digit offset", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:16:02+7:00"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "offset +24:00", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:16:02+24:00"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "empty fraction", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:16:02.Z"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "ten-digit fraction", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:16:02.1234567890Z"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "zone name", in: ev("dossier.completed", set("recorded_at", `"2025-03-10T09:16:02 ICT"`)), reason: events.BadValue, field: "recorded_at"},
		{name: "payload timestamp without offset", in: ev("dossier.completed", set("payload.received_at", `"2025-03-01T08:00:00"`)), reason: events.BadValue, field: "payload.received_at"},
		{name: "completed_at before received_at", in: ev("dossier.completed", set("payload.completed_at", `"2025-02-28T16:30:00+07:00"`)), reason: events.BadValue, field: "payload.completed_at"},
		{name: "completed_at a second before received_at in another offset", in: ev("dossier.completed", set("payload.completed_at", `"2025-03-01T00:59:59Z"`)), reason: events.BadValue, field: "payload.completed_at"},

		// bad_value: dates
		{name: "assessed_on 2025-02-29", in: ev("criterion.assessed", set("payload.assessed_on", `"2025-02-29"`)), reason: events.BadValue, field: "payload.assessed_on"},
		{name: "assessed_on 1900-02-29", in: ev("criterion.assessed", set("payload.assessed_on", `"1900-02-29"`)), reason: events.BadValue, field: "payload.assessed_on"},
		{name: "completed_on without leading zeros", in: ev("training.completed", set("payload.completed_on", `"2025-3-7"`)), reason: events.BadValue, field: "payload.completed_on"},
		{name: "completed_on as a timestamp", in: ev("training.completed", set("payload.completed_on", `"2025-03-07T00:00:00Z"`)), reason: events.BadValue, field: "payload.completed_on"},
		{name: "opened_on with slashes", in: ev("survey.conducted", set("payload.opened_on", `"2025/03/01"`)), reason: events.BadValue, field: "payload.opened_on"},
		{name: "closed_on 2025-04-31", in: ev("survey.conducted", set("payload.closed_on", `"2025-04-31"`)), reason: events.BadValue, field: "payload.closed_on"},
		{name: "closed_on day 00", in: ev("survey.conducted", set("payload.closed_on", `"2025-03-00"`)), reason: events.BadValue, field: "payload.closed_on"},
		{name: "closed_on before opened_on", in: ev("survey.conducted", set("payload.closed_on", `"2025-02-28"`)), reason: events.BadValue, field: "payload.closed_on"},

		// bad_value: ranges
		{name: "stars 6", in: ev("ocop.product_rated", set("payload.stars", `6`)), reason: events.BadValue, field: "payload.stars"},
		{name: "stars 2", in: ev("ocop.product_rated", set("payload.stars", `2`)), reason: events.BadValue, field: "payload.stars"},
		{name: "stars 6.0", in: ev("ocop.product_rated", set("payload.stars", `6.0`)), reason: events.BadValue, field: "payload.stars"},
		{name: "satisfaction 0", in: ev("survey.response", set("payload.satisfaction", `0`)), reason: events.BadValue, field: "payload.satisfaction"},
		{name: "satisfaction 6", in: ev("survey.response", set("payload.satisfaction", `6`)), reason: events.BadValue, field: "payload.satisfaction"},
		{name: "satisfaction -1", in: ev("survey.response", set("payload.satisfaction", `-1`)), reason: events.BadValue, field: "payload.satisfaction"},
		{name: "satisfaction 1e99999999999999999999", in: ev("survey.response", set("payload.satisfaction", `1e99999999999999999999`)), reason: events.BadValue, field: "payload.satisfaction"},
		{name: "hours 0", in: ev("training.completed", set("payload.hours", `0`)), reason: events.BadValue, field: "payload.hours"},
		{name: "hours -0.0", in: ev("training.completed", set("payload.hours", `-0.0`)), reason: events.BadValue, field: "payload.hours"},
		{name: "hours -1.5", in: ev("training.completed", set("payload.hours", `-1.5`)), reason: events.BadValue, field: "payload.hours"},
		{name: "hours 1e400", in: ev("training.completed", set("payload.hours", `1e400`)), reason: events.BadValue, field: "payload.hours"},
		{name: "hectares 0", in: ev("raw_material_area.registered", set("payload.hectares", `0`)), reason: events.BadValue, field: "payload.hectares"},
		{name: "latitude 7.99", in: ev("raw_material_area.registered", set("payload.latitude", `7.99`)), reason: events.BadValue, field: "payload.latitude"},
		{name: "latitude 24.01", in: ev("raw_material_area.registered", set("payload.latitude", `24.01`)), reason: events.BadValue, field: "payload.latitude"},
		{name: "latitude and longitude swapped", in: ev("tourism_site.registered", set("payload.latitude", `105.2`), set("payload.longitude", `20.1`)), reason: events.BadValue, field: "payload.latitude"},
		{name: "longitude 101.9", in: ev("tourism_site.registered", set("payload.longitude", `101.9`)), reason: events.BadValue, field: "payload.longitude"},
		{name: "longitude 110.5", in: ev("raw_material_area.registered", set("payload.longitude", `110.5`)), reason: events.BadValue, field: "payload.longitude"},
		{name: "negative latitude", in: ev("tourism_site.registered", set("payload.latitude", `-20.1`)), reason: events.BadValue, field: "payload.latitude"},
		{name: "households -1", in: ev("household_survey.recorded", set("payload.households", `-1`)), reason: events.BadValue, field: "payload.households"},
		{name: "with_smartphone over households", in: ev("household_survey.recorded", set("payload.with_smartphone", `121`)), reason: events.BadValue, field: "payload.with_smartphone"},
		{name: "with_fixed_broadband over households", in: ev("household_survey.recorded", set("payload.with_fixed_broadband", `121`)), reason: events.BadValue, field: "payload.with_fixed_broadband"},
		{name: "with_smartphone -1", in: ev("household_survey.recorded", set("payload.with_smartphone", `-1`)), reason: events.BadValue, field: "payload.with_smartphone"},
		{name: "amount_vnd -1", in: ev("funding.allocated", set("payload.amount_vnd", `-1`)), reason: events.BadValue, field: "payload.amount_vnd"},
		{name: "amount_vnd over 10^15 (seen: 9e17 from one commune)", in: ev("funding.allocated", set("payload.amount_vnd", `900000000000000000`)), reason: events.BadValue, field: "payload.amount_vnd"},
		{name: "amount_vnd at int64's maximum (overflowed the sums)", in: ev("funding.allocated", set("payload.amount_vnd", `9223372036854775807`)), reason: events.BadValue, field: "payload.amount_vnd"},
		{name: "hours over 1000", in: ev("training.completed", set("payload.hours", `1000.5`)), reason: events.BadValue, field: "payload.hours"},
		{name: "hectares over 100000", in: ev("raw_material_area.registered", set("payload.hectares", `1e9`)), reason: events.BadValue, field: "payload.hectares"},
		{name: "households over 5000000", in: ev("household_survey.recorded", set("payload.households", `5000001`)), reason: events.BadValue, field: "payload.households"},
		{name: "occurred_at in year 0000", in: ev("dossier.completed", set("occurred_at", `"0000-06-01T09:00:00Z"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "occurred_at overflowing the local date to 10000-01-01", in: ev("manager.departed", set("occurred_at", `"9999-12-31T20:00:00Z"`)), reason: events.BadValue, field: "occurred_at"},
		{name: "assessed_on in 2101", in: ev("criterion.assessed", set("payload.assessed_on", `"2101-01-01"`)), reason: events.BadValue, field: "payload.assessed_on"},
		{name: "amount_vnd beyond int64", in: ev("funding.disbursed", set("payload.amount_vnd", `9223372036854775808`)), reason: events.BadValue, field: "payload.amount_vnd"},
		{name: "fiscal_year 2020", in: ev("funding.allocated", set("payload.fiscal_year", `2020`)), reason: events.BadValue, field: "payload.fiscal_year"},
		{name: "fiscal_year 2031", in: ev("funding.disbursed", set("payload.fiscal_year", `2031`)), reason: events.BadValue, field: "payload.fiscal_year"},

		// bad_value: patterns and lists
		{name: "indicator 9.4 for criterion 8", in: ev("criterion.assessed", set("payload.indicator", `"9.4"`)), reason: events.BadValue, field: "payload.indicator"},
		{name: "indicator without a dot", in: ev("criterion.assessed", set("payload.indicator", `"84"`)), reason: events.BadValue, field: "payload.indicator"},
		{name: "indicator equal to the criterion", in: ev("criterion.assessed", set("payload.indicator", `"8"`)), reason: events.BadValue, field: "payload.indicator"},
		{name: "indicator ending in the dot", in: ev("criterion.assessed", set("payload.indicator", `"8."`)), reason: events.BadValue, field: "payload.indicator"},
		{name: "indicator 18.1 for criterion 1", in: ev("criterion.assessed", set("payload.criterion", `"1"`), set("payload.indicator", `"18.1"`)), reason: events.BadValue, field: "payload.indicator"},
		{name: "empty indicator", in: ev("criterion.assessed", set("payload.indicator", `""`)), reason: events.BadValue, field: "payload.indicator"},
		{name: "empty technologies", in: ev("cooperative.digital_adopted", set("payload.technologies", `[]`)), reason: events.BadValue, field: "payload.technologies"},
		{name: "empty technologies of a linkage model", in: ev("linkage_model.digital_adopted", set("payload.technologies", `[ ]`)), reason: events.BadValue, field: "payload.technologies"},
		{name: "technology outside the list", in: ev("cooperative.digital_adopted", set("payload.technologies", `["ecommerce","blockchain"]`)), reason: events.BadValue, field: "payload.technologies[1]"},
		{name: "empty from_codes", in: ev("admin_unit.merged", set("payload.from_codes", `[]`)), reason: events.BadValue, field: "payload.from_codes"},
		{name: "from_codes with a bad code", in: ev("admin_unit.merged", set("payload.from_codes", `["15814","1581"]`)), reason: events.BadValue, field: "payload.from_codes[1]"},
		{name: "into_code with letters", in: ev("admin_unit.merged", set("payload.into_code", `"x"`)), reason: events.BadValue, field: "payload.into_code"},
		{name: "dissolution of a malformed code", in: ev("admin_unit.dissolved", set("payload.code", `"38-1"`)), reason: events.BadValue, field: "payload.code"},
		{name: "split of a malformed code", in: ev("admin_unit.split", set("payload.from_code", `"1577"`)), reason: events.BadValue, field: "payload.from_code"},
		{name: "split into one part", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "1"}))), reason: events.BadValue, field: "payload.into"},
		{name: "split into no part", in: ev("admin_unit.split", set("payload.into", `[]`)), reason: events.BadValue, field: "payload.into"},
		{name: "share 0", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "1"}, [2]string{"15796", "0"}))), reason: events.BadValue, field: "payload.into[1].share"},
		{name: "negative share", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "-0.5"}, [2]string{"15796", "1.5"}))), reason: events.BadValue, field: "payload.into[0].share"},
		{name: "share over 1", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.5"}, [2]string{"15796", "1.5"}))), reason: events.BadValue, field: "payload.into[1].share"},
		{name: "shares summing to 0.9", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.5"}, [2]string{"15796", "0.4"}))), reason: events.BadValue, field: "payload.into"},
		{name: "shares summing to 1.1", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.6"}, [2]string{"15796", "0.5"}))), reason: events.BadValue, field: "payload.into"},
		{name: "thirds rounded to six digits", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.333333"}, [2]string{"15796", "0.333333"}, [2]string{"15835", "0.333333"}))),
			reason: events.BadValue, field: "payload.into"},
		{name: "shares off by 2e-9", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.5"}, [2]string{"15796", "0.500000002"}))), reason: events.BadValue, field: "payload.into"},
		{name: "split part with a malformed code", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.5"}, [2]string{"1579", "0.5"}))), reason: events.BadValue, field: "payload.into[1].code"},
		{name: "split part with a malformed parent_code", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"xã","parent_code":"38","share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"3","share":0.5}]`)), reason: events.BadValue, field: "payload.into[1].parent_code"},
		{name: "split part of a kind outside the list", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"quận","parent_code":"38","share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38","share":0.5}]`)), reason: events.BadValue, field: "payload.into[0].kind"},
		{name: "the same receiving unit twice", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.5"}, [2]string{"15772", "0.5"}))), reason: events.BadValue, field: "payload.into[1].code"},
		{name: "a split part member twice", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"xã","parent_code":"38","share":0.5,"share":0.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38","share":0.5}]`)), reason: events.BadValue, field: "payload.into[0].share"},
		{name: "flag outside the list", in: ev("admin_unit.registered", set("payload.flags", `["coastal"]`)), reason: events.BadValue, field: "payload.flags[0]"},
		{name: "admin code with letters", in: ev("admin_unit.registered", set("payload.code", `"XL"`)), reason: events.BadValue, field: "payload.code"},
		{name: "parent_code with letters", in: ev("admin_unit.registered", set("payload.parent_code", `"abc"`)), reason: events.BadValue, field: "payload.parent_code"},
		{name: "province with a parent_code", in: ev("admin_unit.registered", set("payload.code", `"38"`), set("payload.level", `"province"`), set("payload.kind", `"tỉnh"`), set("payload.parent_code", `"38"`)), reason: events.BadValue, field: "payload.parent_code"},
		{name: "retracted event_id with a space", in: ev("event.retracted", set("payload.event_id", `"ev 0"`)), reason: events.BadValue, field: "payload.event_id"},
		{name: "empty dossier_id", in: ev("dossier.completed", set("payload.dossier_id", `""`)), reason: events.BadValue, field: "payload.dossier_id"},
		{name: "65-char person_ref", in: ev("manager.departed", set("payload.person_ref", `"`+strings.Repeat("ệ", 65)+`"`)), reason: events.BadValue, field: "payload.person_ref"},
		{name: "65-char coop_id", in: ev("cooperative.dissolved", set("payload.coop_id", `"`+long65+`"`)), reason: events.BadValue, field: "payload.coop_id"},

		// bad_value: closed enumerations
		{name: "unit level national", in: ev("admin_unit.registered", set("payload.level", `"national"`)), reason: events.BadValue, field: "payload.level"},
		{name: "kind without diacritics", in: ev("admin_unit.registered", set("payload.kind", `"xa"`)), reason: events.BadValue, field: "payload.kind"},
		{name: "kind capitalised", in: ev("admin_unit.registered", set("payload.kind", `"Xã"`)), reason: events.BadValue, field: "payload.kind"},
		{name: "into_kind outside the list", in: ev("admin_unit.merged", set("payload.into_kind", `"quận"`)), reason: events.BadValue, field: "payload.into_kind"},
		{name: "dossier level village", in: ev("dossier.completed", set("payload.level", `"village"`)), reason: events.BadValue, field: "payload.level"},
		{name: "manager level village", in: ev("manager.registered", set("payload.level", `"village"`)), reason: events.BadValue, field: "payload.level"},
		{name: "criteria_set outside the list", in: ev("criterion.assessed", set("payload.criteria_set", `"commune_ntm_smart"`)), reason: events.BadValue, field: "payload.criteria_set"},
		{name: "criterion 20", in: ev("criterion.assessed", set("payload.criterion", `"20"`), set("payload.indicator", `"20.1"`)), reason: events.BadValue, field: "payload.criterion"},
		{name: "criterion 0", in: ev("criterion.assessed", set("payload.criterion", `"0"`), set("payload.indicator", `"0.1"`)), reason: events.BadValue, field: "payload.criterion"},
		{name: "criterion 08", in: ev("criterion.assessed", set("payload.criterion", `"08"`), set("payload.indicator", `"08.4"`)), reason: events.BadValue, field: "payload.criterion"},
		{name: "training topic outside the list", in: ev("training.completed", set("payload.topic", `"gis"`)), reason: events.BadValue, field: "payload.topic"},
		{name: "domain outside the list", in: ev("online_service.launched", set("payload.domain", `"transport"`)), reason: events.BadValue, field: "payload.domain"},
		{name: "survey topic outside the list", in: ev("survey.conducted", set("payload.topic", `"satisfaction"`)), reason: events.BadValue, field: "payload.topic"},
		{name: "survey channel phone", in: ev("survey.conducted", set("payload.channel", `"phone"`)), reason: events.BadValue, field: "payload.channel"},
		{name: "smart model field outside the list", in: ev("smart_model.registered", set("payload.field", `"agriculture"`)), reason: events.BadValue, field: "payload.field"},
		{name: "smart model scope district", in: ev("smart_model.registered", set("payload.scope", `"district"`)), reason: events.BadValue, field: "payload.scope"},
		{name: "tourism kind outside the list", in: ev("tourism_site.registered", set("payload.kind", `"beach"`)), reason: events.BadValue, field: "payload.kind"},
		{name: "hotspot site school", in: ev("wifi_hotspot.installed", set("payload.site", `"school"`)), reason: events.BadValue, field: "payload.site"},
		{name: "funding source world_bank", in: ev("funding.allocated", set("payload.source", `"world_bank"`)), reason: events.BadValue, field: "payload.source"},
		{name: "funding task roads", in: ev("funding.disbursed", set("payload.task", `"roads"`)), reason: events.BadValue, field: "payload.task"},
		{name: "enum with trailing space", in: ev("wifi_hotspot.installed", set("payload.site", `"one_stop_shop "`)), reason: events.BadValue, field: "payload.site"},

		// bad_value: duplicate keys and nesting
		{name: "duplicate event_id", in: ev("dossier.completed", add("event_id", `"ev-0002"`)), reason: events.BadValue, field: "event_id"},
		{name: "duplicate event_id with the same value", in: ev("dossier.completed", add("event_id", `"ev-0001"`)), reason: events.BadValue, field: "event_id"},
		{name: "duplicate event_id spelled with an escape", in: ev("dossier.completed", add(`event\u005fid`, `"ev-0001"`)), reason: events.BadValue, field: "event_id"},
		{name: "duplicate source.level", in: ev("dossier.completed", add("source.level", `"district"`)), reason: events.BadValue, field: "source.level"},
		{name: "duplicate payload.hours", in: ev("training.completed", add("payload.hours", `8`)), reason: events.BadValue, field: "payload.hours"},
		{name: "duplicate unknown payload member", in: ev("training.completed", set("payload.note", `1`), add("payload.note", `2`)), reason: events.BadValue, field: "payload.note"},
		{name: "payload unknown member nested 70 arrays deep", in: ev("survey.response", set("payload.extra", nest(70))), reason: events.BadValue, field: "payload.extra[0][0]", prefix: true},
		{name: "payload unknown member nested 63 arrays deep", in: ev("survey.response", set("payload.extra", nest(63))), reason: events.BadValue, field: "payload.extra", prefix: true},
		{name: "payload unknown member nested 70 objects deep", in: ev("survey.response", set("payload.extra", nestObjects(70))), reason: events.BadValue, field: "payload.extra.a.a", prefix: true},
		{name: "envelope unknown member nested 100000 arrays deep", in: ev("survey.response", set("meta", strings.Repeat("[", 100000))), reason: events.BadValue, field: "meta[0][0]", prefix: true},

		// unknown_event_type
		{name: "type not in the contract", in: ev("dossier.completed", set("event_type", `"dossier.created"`)), reason: events.UnknownEventType, field: "event_type"},
		{name: "type capitalised", in: ev("dossier.completed", set("event_type", `"Dossier.Completed"`)), reason: events.UnknownEventType, field: "event_type"},
		{name: "type with an underscore for the dot", in: ev("dossier.completed", set("event_type", `"dossier_completed"`)), reason: events.UnknownEventType, field: "event_type"},
		{name: "type with a trailing space", in: ev("dossier.completed", set("event_type", `"dossier.completed "`)), reason: events.UnknownEventType, field: "event_type"},
		{name: "type with a version suffix", in: ev("dossier.completed", set("event_type", `"dossier.completed.v2"`)), reason: events.UnknownEventType, field: "event_type"},
		{name: "empty type", in: ev("dossier.completed", set("event_type", `""`)), reason: events.UnknownEventType, field: "event_type"},
		{name: "the view name of a type", in: ev("funding.allocated", set("event_type", `"funding_allocated"`)), reason: events.UnknownEventType, field: "event_type"},

		// unsupported_schema_version
		{name: "schema_version 2", in: ev("dossier.completed", set("schema_version", `2`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "schema_version 0", in: ev("dossier.completed", set("schema_version", `0`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "schema_version -1", in: ev("dossier.completed", set("schema_version", `-1`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "schema_version 2.0", in: ev("survey.response", set("schema_version", `2.0`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "schema_version 1e1", in: ev("survey.response", set("schema_version", `1e1`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "schema_version beyond int64", in: ev("survey.response", set("schema_version", `99999999999999999999`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "schema_version with a huge exponent", in: ev("survey.response", set("schema_version", `1e99999999999999999999`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "split at schema_version 1, before the type existed", in: ev("admin_unit.split", set("schema_version", `1`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "dissolution at schema_version 1", in: ev("admin_unit.dissolved", set("schema_version", `1`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "dissolution at schema_version 3", in: ev("admin_unit.dissolved", set("schema_version", `3`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
		{name: "merger at schema_version 2, which v2 leaves at 1", in: ev("admin_unit.merged", set("schema_version", `2`)), reason: events.UnsupportedSchemaVersion, field: "schema_version"},
	}
}

func TestDecodeRejects(t *testing.T) {
	var d events.Decoder // reused across cases, as ingestion reuses it
	for _, tt := range rejectCases() {
		t.Run(tt.name, func(t *testing.T) {
			for _, decode := range []func([]byte) (events.Event, error){events.Decode, d.Decode} {
				_, err := decode([]byte(tt.in))
				var rej *events.Rejection
				require.ErrorAs(t, err, &rej)
				require.Equal(t, tt.reason, rej.Reason, "message: %s", rej.Message)
				require.NotEmpty(t, rej.Message)
				require.Equal(t, string(tt.reason)+": "+rej.Message, err.Error())
				if tt.prefix {
					require.True(t, strings.HasPrefix(rej.Field, tt.field), "field %q does not start with %q", rej.Field, tt.field)
				} else {
					require.Equal(t, tt.field, rej.Field, "message: %s", rej.Message)
				}
				if tt.field != "" {
					require.Contains(t, rej.Message, tt.field)
				} else {
					require.Contains(t, rej.Message, tt.hint)
				}
			}
		})
	}
}

// TestDecodeReasonsCovered checks that the table rejects with every reason Decode can return.
func TestDecodeReasonsCovered(t *testing.T) {
	count := map[events.Reason]int{}
	for _, tt := range rejectCases() {
		count[tt.reason]++
	}
	for _, r := range events.Reasons() {
		if r == events.ConflictingDuplicate {
			require.Zero(t, count[r], "Decode never returns %s", r)
			continue
		}
		require.GreaterOrEqual(t, count[r], 3, "too few cases for %s", r)
	}
}

type acceptCase struct {
	name  string
	in    string
	typ   events.Type
	check func(t *testing.T, e events.Event) // optional
}

func acceptCases() []acceptCase {
	var cases []acceptCase
	for _, typ := range events.Types() {
		cases = append(cases, acceptCase{name: "minimal " + typ.String(), in: ev(typ.String()), typ: typ})
	}

	// Every value of every closed enumeration is accepted.
	enums := []struct {
		typ, field string
		values     []string
		list       bool
	}{
		{"admin_unit.registered", "kind", []string{"tỉnh", "thành phố", "thị xã", "huyện", "phường", "xã", "thị trấn", "thôn", "bản", "tổ dân phố", "khu phố"}, false},
		{"admin_unit.registered", "flags", []string{"mountainous", "ethnic_minority_extremely_difficult", "coastal_extremely_difficult", "poor_district"}, true},
		{"admin_unit.merged", "into_kind", []string{"thành phố", "phường", "thị trấn"}, false},
		{"dossier.completed", "level", []string{"province", "district", "commune"}, false},
		{"criterion.assessed", "criteria_set", []string{"commune_ntm", "commune_ntm_advanced", "district_ntm", "district_ntm_advanced"}, false},
		{"manager.registered", "level", []string{"province", "district", "commune"}, false},
		{"training.completed", "topic", []string{"digital_transformation", "other"}, false},
		{"cooperative.digital_adopted", "technologies", []string{"ecommerce", "traceability", "digital_payment", "management_software", "iot_production", "online_marketing"}, true},
		{"online_service.launched", "domain", []string{"health", "education", "community_monitoring", "security_order", "environment", "culture", "electricity", "water"}, false},
		{"survey.conducted", "topic", []string{"ntm_satisfaction", "other"}, false},
		{"survey.conducted", "channel", []string{"online", "offline"}, false},
		{"smart_model.registered", "field", []string{"security_order", "economy", "rural_tourism", "environment", "culture", "education", "health", "other"}, false},
		{"smart_model.registered", "scope", []string{"commune", "village"}, false},
		{"tourism_site.registered", "kind", []string{"community_tourism", "eco", "cultural_heritage", "craft_village", "agritourism"}, false},
		{"wifi_hotspot.installed", "site", []string{"one_stop_shop", "cultural_house", "tourism_site"}, false},
		{"funding.allocated", "source", []string{"central_budget", "province_budget", "district_budget", "commune_budget", "socialized", "integrated_programs", "other"}, false},
		{"funding.disbursed", "task", []string{"communication_training", "digital_government", "digital_economy", "digital_society", "digital_infrastructure_data", "policy", "pilot_models", "management"}, false},
	}
	for _, en := range enums {
		typ, _ := events.ParseType(en.typ)
		for _, v := range en.values {
			raw := `"` + v + `"`
			if en.list {
				raw = "[" + raw + "]"
			}
			cases = append(cases, acceptCase{name: en.typ + " " + en.field + " " + v, in: ev(en.typ, set("payload."+en.field, raw)), typ: typ})
		}
	}
	for _, level := range []string{"province", "district", "commune", "village"} {
		cases = append(cases, acceptCase{name: "source.level " + level, in: ev("survey.response", set("source.level", `"`+level+`"`)), typ: events.SurveyResponse})
	}
	for c := 1; c <= 19; c++ {
		n := strconv.Itoa(c)
		cases = append(cases, acceptCase{
			name: "criterion " + n,
			in:   ev("criterion.assessed", set("payload.criterion", `"`+n+`"`), set("payload.indicator", `"`+n+`.1"`)),
			typ:  events.CriterionAssessed,
		})
	}

	id64 := strings.Repeat("a", 60) + "-._:"
	return append(cases, []acceptCase{
		// Timestamps.
		{name: "occurred_at at +07:00", in: ev("survey.response", set("occurred_at", `"2025-03-10T09:15:00+07:00"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.True(t, e.OccurredAt.Equal(time.Date(2025, 3, 10, 2, 15, 0, 0, time.UTC)))
				require.Equal(t, time.UTC, e.OccurredAt.Location())
			}},
		{name: "occurred_at at -05:30", in: ev("survey.response", set("occurred_at", `"2025-03-09T20:45:00-05:30"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.True(t, e.OccurredAt.Equal(time.Date(2025, 3, 10, 2, 15, 0, 0, time.UTC)))
			}},
		{name: "occurred_at in Z", in: ev("survey.response", set("occurred_at", `"2025-03-10T02:15:00Z"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.True(t, e.OccurredAt.Equal(time.Date(2025, 3, 10, 2, 15, 0, 0, time.UTC)))
			}},
		{name: "occurred_at at +00:00 and -00:00", in: ev("survey.response", set("occurred_at", `"2025-03-10T02:15:00+00:00"`), set("recorded_at", `"2025-03-10T02:15:00-00:00"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.True(t, e.OccurredAt.Equal(e.RecordedAt))
			}},
		{name: "fractional seconds", in: ev("survey.response", set("occurred_at", `"2025-03-10T09:15:00.123456789+07:00"`), set("recorded_at", `"2025-03-10T02:15:00.5Z"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, 123456789, e.OccurredAt.Nanosecond())
				require.Equal(t, 500000000, e.RecordedAt.Nanosecond())
			}},
		{name: "extreme offsets", in: ev("survey.response", set("occurred_at", `"2025-03-10T23:59:59+14:00"`), set("recorded_at", `"2025-03-10T00:00:00-12:00"`)), typ: events.SurveyResponse},
		{name: "leap day", in: ev("criterion.assessed", set("occurred_at", `"2024-02-29T23:59:59+07:00"`), set("payload.assessed_on", `"2024-02-29"`)), typ: events.CriterionAssessed},
		{name: "2000-02-29", in: ev("training.completed", set("payload.completed_on", `"2000-02-29"`)), typ: events.TrainingCompleted},
		{name: "timestamp spelled with escapes", in: ev("survey.response", set("occurred_at", `"2025-03-10T09:15:00\u002b07:00"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.True(t, e.OccurredAt.Equal(time.Date(2025, 3, 10, 2, 15, 0, 0, time.UTC)))
			}},
		{name: "completed_at equal to received_at", in: ev("dossier.completed", set("payload.completed_at", `"2025-03-01T08:00:00+07:00"`)), typ: events.DossierCompleted},
		{name: "completed_at later in another offset", in: ev("dossier.completed", set("payload.completed_at", `"2025-03-01T01:30:00Z"`)), typ: events.DossierCompleted},
		{name: "closed_on equal to opened_on", in: ev("survey.conducted", set("payload.closed_on", `"2025-03-01"`)), typ: events.SurveyConducted},

		// Numbers by value.
		{name: "schema_version 1.0", in: ev("survey.response", set("schema_version", `1.0`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) { require.Equal(t, 1, e.SchemaVersion) }},
		{name: "schema_version 10e-1", in: ev("survey.response", set("schema_version", `10e-1`)), typ: events.SurveyResponse},
		{name: "schema_version 1E0", in: ev("survey.response", set("schema_version", `1E0`)), typ: events.SurveyResponse},
		{name: "amount_vnd 8.0", in: ev("funding.allocated", set("payload.amount_vnd", `8.0`)), typ: events.FundingAllocated,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, int64(8), e.Payload.(events.FundingAllocatedPayload).AmountVND)
			}},
		{name: "amount_vnd 1.5e8", in: ev("funding.disbursed", set("payload.amount_vnd", `1.5e8`)), typ: events.FundingDisbursed,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, int64(150000000), e.Payload.(events.FundingDisbursedPayload).AmountVND)
			}},
		{name: "amount_vnd at the contract's bound, 10^15", in: ev("funding.disbursed", set("payload.amount_vnd", `1000000000000000`)), typ: events.FundingDisbursed},
		{name: "hours at the bound", in: ev("training.completed", set("payload.hours", `1000`)), typ: events.TrainingCompleted},
		{name: "hectares at the bound", in: ev("raw_material_area.registered", set("payload.hectares", `100000`)), typ: events.RawMaterialAreaRegistered},
		{name: "amount_vnd 0", in: ev("funding.disbursed", set("payload.amount_vnd", `0`)), typ: events.FundingDisbursed},
		{name: "fiscal_year 2.021e3", in: ev("funding.allocated", set("payload.fiscal_year", `2.021e3`)), typ: events.FundingAllocated,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, int64(2021), e.Payload.(events.FundingAllocatedPayload).FiscalYear)
			}},
		{name: "fiscal_year 2030", in: ev("funding.allocated", set("payload.fiscal_year", `2030`)), typ: events.FundingAllocated},
		{name: "stars 5.0", in: ev("ocop.product_rated", set("payload.stars", `5.0`)), typ: events.OCOPProductRated,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, int64(5), e.Payload.(events.OCOPProductRatedPayload).Stars)
			}},
		{name: "stars 3", in: ev("ocop.product_rated", set("payload.stars", `3`)), typ: events.OCOPProductRated},
		{name: "satisfaction 1 and 5", in: ev("survey.response", set("payload.satisfaction", `1`)), typ: events.SurveyResponse},
		{name: "satisfaction 5e0", in: ev("survey.response", set("payload.satisfaction", `5e0`)), typ: events.SurveyResponse},
		{name: "empty village", in: ev("household_survey.recorded", set("payload.households", `0`), set("payload.with_smartphone", `0`), set("payload.with_fixed_broadband", `0.0`)), typ: events.HouseholdSurveyRecorded},
		{name: "every household with a smartphone", in: ev("household_survey.recorded", set("payload.with_smartphone", `1.2e2`)), typ: events.HouseholdSurveyRecorded},
		{name: "hours 0.5", in: ev("training.completed", set("payload.hours", `0.5`)), typ: events.TrainingCompleted,
			check: func(t *testing.T, e events.Event) {
				require.InDelta(t, 0.5, e.Payload.(events.TrainingCompletedPayload).Hours, 0)
			}},
		{name: "corners of the bounding box", in: ev("raw_material_area.registered", set("payload.latitude", `8`), set("payload.longitude", `102`)), typ: events.RawMaterialAreaRegistered},
		{name: "other corners of the bounding box", in: ev("tourism_site.registered", set("payload.latitude", `24.0`), set("payload.longitude", `1.1e2`)), typ: events.TourismSiteRegistered},

		// Units, optional and null members.
		{name: "province with a null parent_code", in: ev("admin_unit.registered", set("unit_code", `"38"`), set("payload.code", `"38"`), set("payload.name", `"Thanh Hóa"`),
			set("payload.level", `"province"`), set("payload.kind", `"tỉnh"`), set("payload.parent_code", `null`)), typ: events.AdminUnitRegistered,
			check: func(t *testing.T, e events.Event) {
				p := e.Payload.(events.AdminUnitRegisteredPayload)
				require.Equal(t, "38", p.Code)
				require.Empty(t, p.ParentCode)
				require.Empty(t, e.Unknown)
			}},
		{name: "village with its flags", in: ev("admin_unit.registered", set("unit_code", `"15814-007"`), set("payload.code", `"15814-007"`), set("payload.level", `"village"`),
			set("payload.kind", `"bản"`), set("payload.parent_code", `"15814"`), set("payload.flags", `["mountainous","ethnic_minority_extremely_difficult"]`)), typ: events.AdminUnitRegistered,
			check: func(t *testing.T, e events.Event) {
				p := e.Payload.(events.AdminUnitRegisteredPayload)
				require.Equal(t, "15814-007", p.Code)
				require.Equal(t, []string{"mountainous", "ethnic_minority_extremely_difficult"}, p.Flags)
			}},
		{name: "district-level unit", in: ev("admin_unit.registered", set("unit_code", `"389"`), set("payload.code", `"389"`), set("payload.level", `"district"`),
			set("payload.kind", `"huyện"`), set("payload.parent_code", `"38"`)), typ: events.AdminUnitRegistered},
		{name: "empty flags", in: ev("admin_unit.registered", set("payload.flags", `[]`)), typ: events.AdminUnitRegistered},
		{name: "null flags", in: ev("admin_unit.registered", set("payload.flags", `null`)), typ: events.AdminUnitRegistered},
		{name: "village unit_code and source", in: ev("connectivity.reported", set("source.level", `"village"`), set("source.unit_code", `"15814-007"`)), typ: events.ConnectivityReported,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, "15814-007", e.UnitCode)
				require.Equal(t, events.Source{Level: "village", UnitCode: "15814-007", System: "dvc-thanhhoa"}, e.Source)
			}},
		{name: "merger into one of its units", in: ev("admin_unit.merged", set("payload.from_codes", `["15814"]`)), typ: events.AdminUnitMerged},
		{name: "district-level unit dissolved", in: ev("admin_unit.dissolved", set("unit_code", `"389"`)), typ: events.AdminUnitDissolved,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, events.AdminUnitDissolvedPayload{Code: "389"}, e.Payload)
				require.Equal(t, 2, e.SchemaVersion)
			}},
		{name: "split into three thirds", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.3333333333333333"}, [2]string{"15796", "0.3333333333333333"},
			[2]string{"15835", "0.3333333333333333"}))), typ: events.AdminUnitSplit,
			check: func(t *testing.T, e events.Event) {
				p := e.Payload.(events.AdminUnitSplitPayload)
				require.Len(t, p.Into, 3)
				require.Equal(t, "15835", p.Into[2].Code)
				require.Equal(t, "Phần 3", p.Into[2].Name)
				require.InDelta(t, 1.0/3, p.Into[2].Share, 0)
			}},
		{name: "shares within 1e-9 of 1", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "0.3333333333"}, [2]string{"15796", "0.3333333333"}, [2]string{"15835", "0.3333333333"}))),
			typ: events.AdminUnitSplit},
		{name: "split into units of other units", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"phường","parent_code":"398","share":0.25},`+
			`{"code":"16417","name":"B","kind":"thị trấn","parent_code":"405","share":0.75}]`)), typ: events.AdminUnitSplit,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, []events.SplitPart{{Code: "15772", Name: "A", Kind: "phường", ParentCode: "398", Share: 0.25},
					{Code: "16417", Name: "B", Kind: "thị trấn", ParentCode: "405", Share: 0.75}}, e.Payload.(events.AdminUnitSplitPayload).Into)
			}},
		{name: "split with a share spelled 5e-1", in: ev("admin_unit.split", set("payload.into", splitInto([2]string{"15772", "5e-1"}, [2]string{"15796", "0.50"}))), typ: events.AdminUnitSplit},
		{name: "unknown member of a split part", in: ev("admin_unit.split", set("payload.into", `[{"code":"15772","name":"A","kind":"xã","parent_code":"38","share":0.5,"area_km2":12.5},`+
			`{"code":"15796","name":"B","kind":"xã","parent_code":"38","share":0.5}]`)), typ: events.AdminUnitSplit,
			check: func(t *testing.T, e events.Event) {
				require.Empty(t, e.Unknown)
				require.Contains(t, string(e.RawPayload), `"area_km2":12.5`)
			}},
		{name: "decision_ref absent", in: ev("criterion.assessed"), typ: events.CriterionAssessed,
			check: func(t *testing.T, e events.Event) {
				require.Empty(t, e.Payload.(events.CriterionAssessedPayload).DecisionRef)
			}},
		{name: "decision_ref null", in: ev("criterion.assessed", set("payload.decision_ref", `null`)), typ: events.CriterionAssessed},
		{name: "decision_ref present", in: ev("criterion.assessed", set("payload.decision_ref", `"QĐ-45/UBND"`)), typ: events.CriterionAssessed,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, "QĐ-45/UBND", e.Payload.(events.CriterionAssessedPayload).DecisionRef)
				require.Empty(t, e.Unknown)
			}},
		{name: "indicator with a sub-letter", in: ev("criterion.assessed", set("payload.indicator", `"8.4a"`)), typ: events.CriterionAssessed},
		{name: "corrects", in: ev("ocop.product_rated", set("corrects", `"ev-0000"`)), typ: events.OCOPProductRated,
			check: func(t *testing.T, e events.Event) { require.Equal(t, "ev-0000", e.Corrects) }},
		{name: "null corrects", in: ev("ocop.product_rated", set("corrects", `null`)), typ: events.OCOPProductRated,
			check: func(t *testing.T, e events.Event) { require.Empty(t, e.Corrects) }},

		// Unknown members are kept.
		{name: "unknown payload members", in: ev("training.completed", set("payload.note", `"bồi dưỡng"`), set("payload.extra", `{"a":[1,2.0,{"b":null}]}`)), typ: events.TrainingCompleted,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, []string{"note", "extra"}, e.Unknown)
				require.Contains(t, string(e.RawPayload), `"note":"bồi dưỡng"`)
				require.Contains(t, string(e.RawPayload), `"extra":{"a":[1,2.0,{"b":null}]}`)
			}},
		{name: "unknown payload member with an escaped name", in: ev("survey.response", set(`payload.x\u0079z`, `true`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, []string{"xyz"}, e.Unknown)
				require.Contains(t, string(e.RawPayload), `"x\u0079z":true`)
			}},
		{name: "unknown payload member nested to the limit", in: ev("survey.response", set("payload.extra", nest(62))), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) { require.Equal(t, []string{"extra"}, e.Unknown) }},
		{name: "unknown envelope and source members", in: ev("survey.response", set("trace_id", `"abc"`), set("source.version", `"2.1"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) { require.Empty(t, e.Unknown) }},
		{name: "null unknown payload member", in: ev("survey.response", set("payload.comment", `null`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) { require.Equal(t, []string{"comment"}, e.Unknown) }},

		// Escaped strings decode to their text.
		{name: "escaped Vietnamese text", in: ev("cooperative.registered", set("payload.name", `"\u0110\u1ed3ng Th\u1eafng"`)), typ: events.CooperativeRegistered,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, "Đồng Thắng", e.Payload.(events.CooperativeRegisteredPayload).Name)
			}},
		{name: "escaped enumeration value", in: ev("admin_unit.registered", set("payload.kind", `"x\u00e3"`), set("payload.level", `"commun\u0065"`)), typ: events.AdminUnitRegistered,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, "xã", e.Payload.(events.AdminUnitRegisteredPayload).Kind)
			}},
		{name: "escaped event_type, event_id and unit_code", in: ev("survey.response", set("event_type", `"survey\u002eresponse"`), set("event_id", `"ev\u002d1"`), set("unit_code", `"\u0031\u0035814"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, "ev-1", e.ID)
				require.Equal(t, "15814", e.UnitCode)
			}},
		{name: "escaped member names", in: ev("survey.response", set(`payload.satisf\u0061ction`, `5`), drop("payload.satisfaction")), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, int64(5), e.Payload.(events.SurveyResponsePayload).Satisfaction)
			}},
		{name: "escaped date", in: ev("training.completed", set("payload.completed_on", `"2025\u002d03-07"`)), typ: events.TrainingCompleted},
		{name: "surrogate pair and quotes in text", in: ev("cooperative.registered", set("payload.name", `"HTX \"Xanh\" \ud83c\udf3e"`)), typ: events.CooperativeRegistered,
			check: func(t *testing.T, e events.Event) {
				require.Equal(t, `HTX "Xanh" 🌾`, e.Payload.(events.CooperativeRegisteredPayload).Name)
			}},

		// Identifier lengths.
		{name: "64-char event_id", in: ev("survey.response", set("event_id", `"`+id64+`"`)), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) { require.Equal(t, id64, e.ID) }},
		{name: "64-char corrects", in: ev("survey.response", set("corrects", `"`+id64+`"`)), typ: events.SurveyResponse},
		{name: "64-char source.system", in: ev("survey.response", set("source.system", `"`+strings.Repeat("s", 64)+`"`)), typ: events.SurveyResponse},
		{name: "64-character person_ref of 3-byte runes", in: ev("manager.departed", set("payload.person_ref", `"`+strings.Repeat("ệ", 64)+`"`)), typ: events.ManagerDeparted},
		{name: "1-char ids", in: ev("survey.response", set("event_id", `"x"`), set("payload.survey_id", `"s"`)), typ: events.SurveyResponse},

		// Framing.
		{name: "surrounding white space and CRLF", in: " \t" + ev("survey.response") + "\r\n", typ: events.SurveyResponse},
		{name: "white space everywhere", in: "{\n  \"event_id\" : \"ev-0001\" ,\n  \"event_type\"\t:\t\"survey.response\",\r\n  \"schema_version\": 1,\n" +
			"  \"occurred_at\": \"2025-03-10T09:15:00+07:00\", \"recorded_at\": \"2025-03-10T09:16:02+07:00\",\n" +
			"  \"source\": { \"level\": \"commune\", \"unit_code\": \"15814\", \"system\": \"dvc-thanhhoa\" },\n" +
			"  \"unit_code\": \"15814\",\n  \"payload\": {\n    \"survey_id\": \"KS-2025-01\",\n    \"satisfaction\": 4\n  }\n}\n", typ: events.SurveyResponse},
		{name: "members in another order", in: `{"payload":{"satisfaction":4,"survey_id":"KS-2025-01"},"unit_code":"15814","source":{"system":"dvc-thanhhoa","unit_code":"15814","level":"commune"},` +
			`"recorded_at":"2025-03-10T09:16:02+07:00","occurred_at":"2025-03-10T09:15:00+07:00","schema_version":1,"event_type":"survey.response","event_id":"ev-0001"}`, typ: events.SurveyResponse},
		{name: "exactly 1 MiB", in: padTo(events.MaxEventSize), typ: events.SurveyResponse,
			check: func(t *testing.T, e events.Event) { require.Len(t, e.Raw, events.MaxEventSize) }},
	}...)
}

func TestDecodeAccepts(t *testing.T) {
	var d events.Decoder // reused across cases, as ingestion reuses it
	for _, tt := range acceptCases() {
		t.Run(tt.name, func(t *testing.T) {
			e, err := events.Decode([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.typ, e.Type)
			require.Equal(t, tt.typ, e.Payload.Type())
			require.Equal(t, strings.TrimSpace(tt.in), string(e.Raw))
			require.Equal(t, versionOf(tt.typ.String()), e.SchemaVersion)
			require.NotEmpty(t, e.ID)
			require.True(t, events.ValidUnitCode(e.UnitCode))
			require.NotEmpty(t, e.RawPayload)
			require.Equal(t, byte('{'), e.RawPayload[0])
			if tt.check != nil {
				tt.check(t, e)
			}

			again, err := d.Decode([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, e, again)
		})
	}
}

// Every accepted event survives AppendJSON: encoded and decoded again, it is the same event,
// payload and unknown members included (timestamps are written in UTC, so only their instants
// are compared).
func TestAppendJSONRoundTrip(t *testing.T) {
	for _, tt := range acceptCases() {
		t.Run(tt.name, func(t *testing.T) {
			e, err := events.Decode([]byte(tt.in))
			require.NoError(t, err)
			out := events.AppendJSON(nil, &e)
			again, err := events.Decode(out)
			require.NoError(t, err, "%s", out)
			require.Equal(t, e.ID, again.ID)
			require.Equal(t, e.Type, again.Type)
			require.Equal(t, e.SchemaVersion, again.SchemaVersion)
			require.True(t, e.OccurredAt.Equal(again.OccurredAt))
			require.True(t, e.RecordedAt.Equal(again.RecordedAt))
			require.Equal(t, e.Source, again.Source)
			require.Equal(t, e.UnitCode, again.UnitCode)
			require.Equal(t, e.Corrects, again.Corrects)
			require.Equal(t, e.BusinessDate, again.BusinessDate)
			require.Equal(t, e.Payload, again.Payload)
			require.Equal(t, e.Unknown, again.Unknown)
		})
	}
}

func TestDecodePayloads(t *testing.T) {
	e, err := events.Decode([]byte(ev("dossier.completed")))
	require.NoError(t, err)
	require.Equal(t, events.Event{
		ID:            "ev-0001",
		Type:          events.DossierCompleted,
		SchemaVersion: 1,
		OccurredAt:    time.Date(2025, 3, 10, 2, 15, 0, 0, time.UTC),
		RecordedAt:    time.Date(2025, 3, 10, 2, 16, 2, 500000000, time.UTC),
		Source:        events.Source{Level: "commune", UnitCode: "15814", System: "dvc-thanhhoa"},
		UnitCode:      "15814",
		BusinessDate:  events.NewDate(2025, time.March, 5),
		Payload: events.DossierCompletedPayload{
			DossierID:       "HS-2025-000123",
			Level:           "commune",
			ProcessedOnline: true,
			ReceivedAt:      time.Date(2025, 3, 1, 1, 0, 0, 0, time.UTC),
			CompletedAt:     time.Date(2025, 3, 5, 9, 30, 0, 0, time.UTC),
		},
		RawPayload: e.RawPayload,
		Raw:        []byte(ev("dossier.completed")),
	}, e)

	tests := []struct {
		typ  string
		want events.Payload
	}{
		{"admin_unit.merged", events.AdminUnitMergedPayload{FromCodes: []string{"15814", "15817"}, IntoCode: "15814", IntoName: "Xuân Lập", IntoKind: "xã", ParentCode: "389"}},
		{"admin_unit.dissolved", events.AdminUnitDissolvedPayload{Code: "389"}},
		{"admin_unit.split", events.AdminUnitSplitPayload{FromCode: "15772", Into: []events.SplitPart{
			{Code: "15772", Name: "Thiệu Hóa", Kind: "xã", ParentCode: "38", Share: 0.5},
			{Code: "15796", Name: "Thiệu Quang", Kind: "xã", ParentCode: "38", Share: 0.5}}}},
		{"criterion.assessed", events.CriterionAssessedPayload{CriteriaSet: "commune_ntm", Criterion: "8", Indicator: "8.4", Met: true, AssessedOn: events.NewDate(2025, time.March, 8)}},
		{"training.completed", events.TrainingCompletedPayload{PersonRef: "p-7f3a9c", CourseCode: "CDS-01", Topic: "digital_transformation", Hours: 8, CompletedOn: events.NewDate(2025, time.March, 7)}},
		{"cooperative.digital_adopted", events.CooperativeDigitalAdoptedPayload{CoopID: "HTX-015", Technologies: []string{"ecommerce"}}},
		{"raw_material_area.registered", events.RawMaterialAreaRegisteredPayload{AreaCode: "VNL-01", Product: "mía", Hectares: 120.5, Latitude: 19.9, Longitude: 105.4}},
		{"survey.conducted", events.SurveyConductedPayload{SurveyID: "KS-2025-01", Topic: "ntm_satisfaction", Channel: "online", OpenedOn: events.NewDate(2025, time.March, 1), ClosedOn: events.NewDate(2025, time.March, 31)}},
		{"household_survey.recorded", events.HouseholdSurveyRecordedPayload{Households: 120, WithSmartphone: 95, WithFixedBroadband: 60}},
		{"connectivity.reported", events.ConnectivityReportedPayload{FixedBroadband: true, Mobile4G: true}},
		{"funding.allocated", events.FundingAllocatedPayload{FiscalYear: 2025, Source: "province_budget", Task: "digital_government", AmountVND: 150000000}},
		{"event.retracted", events.EventRetractedPayload{EventID: "ev-0000", Reason: "nhập sai"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			e, err := events.Decode([]byte(ev(tt.typ)))
			require.NoError(t, err)
			require.Equal(t, tt.want, e.Payload)
		})
	}
}

func TestBusinessDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"occurred_at late on New Year's Eve in UTC", ev("survey.response", set("occurred_at", `"2024-12-31T20:00:00Z"`)), "2025-01-01"},
		{"the last second of a local day", ev("survey.response", set("occurred_at", `"2024-12-31T16:59:59Z"`)), "2024-12-31"},
		{"the first second of a local day", ev("survey.response", set("occurred_at", `"2024-12-31T17:00:00Z"`)), "2025-01-01"},
		{"occurred_at in local time", ev("funding.allocated", set("occurred_at", `"2025-01-01T00:00:00+07:00"`)), "2025-01-01"},
		{"occurred_at at -05:00", ev("funding.allocated", set("occurred_at", `"2024-12-31T20:00:00-05:00"`)), "2025-01-01"},
		{"occurred_at before 1970", ev("survey.response", set("occurred_at", `"1969-12-31T16:59:59Z"`)), "1969-12-31"},
		{"dossier.completed uses completed_at's local date",
			ev("dossier.completed", set("occurred_at", `"2025-03-10T09:15:00+07:00"`), set("payload.completed_at", `"2025-03-05T18:00:00Z"`)), "2025-03-06"},
		{"criterion.assessed uses assessed_on",
			ev("criterion.assessed", set("occurred_at", `"2025-03-10T09:15:00+07:00"`), set("payload.assessed_on", `"2025-02-14"`)), "2025-02-14"},
		{"training.completed uses completed_on",
			ev("training.completed", set("occurred_at", `"2025-01-01T03:00:00+07:00"`), set("payload.completed_on", `"2024-12-31"`)), "2024-12-31"},
		{"survey.conducted uses opened_on",
			ev("survey.conducted", set("occurred_at", `"2025-04-02T10:00:00+07:00"`), set("payload.opened_on", `"2025-03-01"`), set("payload.closed_on", `"2025-03-31"`)), "2025-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := events.Decode([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, e.BusinessDate.String())
			want, err := events.ParseDate(tt.want)
			require.NoError(t, err)
			require.Equal(t, want, e.BusinessDate)
		})
	}
}

// RejectionOf is the one verdict of an error: a rejection is itself, anything else bad_value.
func TestRejectionOf(t *testing.T) {
	assert.Nil(t, events.RejectionOf(nil))
	_, err := (&events.Decoder{}).Decode([]byte("{"))
	rej := events.RejectionOf(err)
	require.NotNil(t, rej)
	assert.Equal(t, events.NotJSON, rej.Reason)
	wrapped := events.RejectionOf(fmt.Errorf("line 3: %w", err))
	assert.Same(t, rej, wrapped)
	other := events.RejectionOf(errors.New("boom"))
	assert.Equal(t, events.BadValue, other.Reason)
	assert.Equal(t, "boom", other.Message)
}

func TestWithSourceReplacesOnlyTheSource(t *testing.T) {
	in := []byte(`{"event_id":"e-1","event_type":"manager.departed","schema_version":1,"occurred_at":"2025-03-01T08:00:00+07:00",` +
		`"recorded_at":"2025-03-01T09:00:00+07:00","source":{"level":"province","unit_code":"38","system":"hr-x"},"unit_code":"15814",` +
		`"payload":{"person_ref":"p-1","x_extra":[1,2]}}`)
	out, err := events.WithSource(in, events.Source{Level: "commune", UnitCode: "15814", Token: "xa-15814"})
	require.NoError(t, err)
	require.Equal(t, strings.Replace(string(in), `"source":{"level":"province","unit_code":"38","system":"hr-x"}`,
		`"source":{"level":"commune","unit_code":"15814","system":"hr-x","token":"xa-15814"}`, 1), string(out))
	e, err := events.Decode(out)
	require.NoError(t, err)
	require.Equal(t, events.Source{Level: "commune", UnitCode: "15814", System: "hr-x", Token: "xa-15814"}, e.Source)
	require.Equal(t, map[string]string{"38": "province", "398": "district", "15814": "commune", "15814-001": "village", "x": ""},
		map[string]string{"38": events.LevelOf("38"), "398": events.LevelOf("398"), "15814": events.LevelOf("15814"),
			"15814-001": events.LevelOf("15814-001"), "x": events.LevelOf("x")})
}
