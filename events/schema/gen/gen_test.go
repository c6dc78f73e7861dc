package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events/schema"
)

// The generated files are what the field table says: a field added to the table without
// `go generate ./events/` fails here.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := Generate(schema.Types)
	require.NoError(t, err)
	require.Len(t, files, 2)
	for name, want := range files {
		have, err := os.ReadFile(filepath.Join("..", "..", "..", name))
		require.NoError(t, err)
		require.Equal(t, string(want), string(have), "%s is stale: run go generate ./events/", name)
	}
}

// A field added to a type changes every generated part: the struct, the decoder, the encoder
// and the column appenders.
func TestAFieldReachesEveryPart(t *testing.T) {
	types := clone(schema.Types)
	i := indexOf(types, "cooperative.registered")
	types[i].Fields = append(types[i].Fields, schema.Field{Name: "member_count", Go: "MemberCount", Rule: schema.Int, Min: 0, Max: 100000,
		Doc: "Members (số thành viên)"})
	files, err := Generate(types)
	require.NoError(t, err)
	ev, bt := string(files[EventsFile]), string(files[BatchFile])
	require.Contains(t, ev, "MemberCount int64")
	require.Contains(t, ev, `x.MemberCount = p.integer("member_count", 0, 100000)`)
	require.Contains(t, ev, `w.int("member_count", x.MemberCount)`)
	require.Contains(t, bt, `{"member_count", int64Column(func(p events.Payload) int64 { return p.(events.CooperativeRegisteredPayload).MemberCount })}`)
	cols := schema.Columns(types)
	require.Contains(t, cols, schema.Column{Name: "member_count", Storage: schema.Int64, Doc: "Members (số thành viên)",
		Types: []string{"cooperative.registered"}})
}

// An object list is one Go slice of structs in the payload and one list column per member in
// the event log; the unit codes inside its objects reach the gateway's check by their path.
func TestAnObjectListReachesEveryPart(t *testing.T) {
	files, err := Generate(schema.Types)
	require.NoError(t, err)
	ev, bt := string(files[EventsFile]), string(files[BatchFile])
	require.Contains(t, ev, "Into     []SplitPart")
	require.Contains(t, ev, "type SplitPart struct {")
	require.Contains(t, ev, `x.Into = objectList(p, "into", 2, func(q *fields) (it SplitPart) {`)
	require.Contains(t, ev, `it.Share = q.fraction("share")`)
	require.Contains(t, ev, `w.objects("into", len(x.Into), func(w *objWriter, i int) {`)
	require.Contains(t, ev, `fn(elemPath("into", i)+".parent_code", it.ParentCode)`)
	require.Contains(t, bt, `{"into_shares", float64ItemsColumn(func(p events.Payload) []events.SplitPart { return p.(events.AdminUnitSplitPayload).Into }, func(it events.SplitPart) float64 { return it.Share })}`)
	cols := schema.Columns(schema.Types)
	for _, c := range []schema.Column{
		{Name: "into_codes", Storage: schema.StringList, Types: []string{"admin_unit.split"}},
		{Name: "into_parent_codes", Storage: schema.StringList, Types: []string{"admin_unit.split"}},
		{Name: "into_shares", Storage: schema.Float64List, Types: []string{"admin_unit.split"}},
	} {
		i := slices.IndexFunc(cols, func(have schema.Column) bool { return have.Name == c.Name })
		require.GreaterOrEqual(t, i, 0, c.Name)
		c.Doc = cols[i].Doc
		require.NotEmpty(t, c.Doc)
		require.Equal(t, c, cols[i])
	}
	require.False(t, slices.ContainsFunc(cols, func(c schema.Column) bool { return c.Name == "into" }), "an object list has no column of its own")
}

func TestCheckRefusesAnInconsistentTable(t *testing.T) {
	tests := []struct {
		name  string
		edit  func([]schema.Type)
		error string
	}{
		{"a column stored two ways", func(ts []schema.Type) {
			ts[indexOf(ts, "survey.response")].Fields[1].Rule = schema.Positive // satisfaction as a double
			ts[indexOf(ts, "survey.response")].Fields[1].Column = "stars"
		}, "column stars is stored"},
		{"a column without a description", func(ts []schema.Type) {
			ts[0].Fields = append(ts[0].Fields, schema.Field{Name: "note", Go: "Note", Rule: schema.OptText})
		}, "column note has no description"},
		{"an unknown list", func(ts []schema.Type) { ts[0].Fields[2].Values = "planets" }, `no list "planets"`},
		{"a business date that is not a date", func(ts []schema.Type) { ts[indexOf(ts, "survey.conducted")].BusinessDate = "survey_id" },
			"is not a date or timestamp field"},
		{"a field twice", func(ts []schema.Type) { ts[1].Fields = append(ts[1].Fields, ts[1].Fields[0]) }, "once"},
		{"a type twice", func(ts []schema.Type) { ts[1].Name = ts[0].Name }, "once"},
		{"an item field without its list column", func(ts []schema.Type) { splitItems(ts)[0].Column = "" }, "names its list column"},
		{"an optional item field", func(ts []schema.Type) { splitItems(ts)[1].Rule = schema.OptText }, "only a required string or number"},
		{"an item field with no list form", func(ts []schema.Type) { splitItems(ts)[4].Rule = schema.Bool }, "only a required string or number"},
		{"an item column stored two ways", func(ts []schema.Type) { splitItems(ts)[4].Column = "into_names" }, "column into_names is stored"},
		{"an object list without its struct", func(ts []schema.Type) { ts[indexOf(ts, "admin_unit.split")].Fields[1].Item = "" }, "needs its Item struct"},
		{"items outside an object list", func(ts []schema.Type) { ts[indexOf(ts, "admin_unit.split")].Fields[0].Items = splitItems(ts) }, "go with ObjectList only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			types := clone(schema.Types)
			tt.edit(types)
			err := Check(types)
			require.Error(t, err)
			require.True(t, strings.Contains(err.Error(), tt.error), err.Error())
		})
	}
	require.NoError(t, Check(schema.Types))
}

func clone(types []schema.Type) []schema.Type {
	out := make([]schema.Type, len(types))
	for i, t := range types {
		t.Fields = append([]schema.Field(nil), t.Fields...)
		for j, f := range t.Fields {
			t.Fields[j].Items = append([]schema.Field(nil), f.Items...)
		}
		out[i] = t
	}
	return out
}

// splitItems are the members of admin_unit.split's into, to edit in a clone of the table.
func splitItems(types []schema.Type) []schema.Field {
	return types[indexOf(types, "admin_unit.split")].Fields[1].Items
}

func indexOf(types []schema.Type, name string) int {
	for i, t := range types {
		if t.Name == name {
			return i
		}
	}
	panic(name)
}
