package main

import (
	"os"
	"path/filepath"
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
		out[i] = t
	}
	return out
}

func indexOf(types []schema.Type, name string) int {
	for i, t := range types {
		if t.Name == name {
			return i
		}
	}
	panic(name)
}
