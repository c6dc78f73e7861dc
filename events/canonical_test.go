package events_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
)

func TestSameContent(t *testing.T) {
	base := ev("funding.allocated")
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		// The same content, spelled differently.
		{"identical", base, base, true},
		{"key order", `{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"d":3,"c":2},"a":1}`, true},
		{"white space", `{"a":[1,2],"b":"x"}`, " {\n\t\"a\" : [ 1 ,\r\n 2 ] , \"b\":\"x\" }\n", true},
		{"8 and 8.0", `{"n":8}`, `{"n":8.0}`, true},
		{"8 and 8e0", `{"n":8}`, `{"n":8e0}`, true},
		{"8 and 80e-1", `{"n":8}`, `{"n":80e-1}`, true},
		{"8.0 and 0.8E+1", `{"n":8.0}`, `{"n":0.8E+1}`, true},
		{"0 and -0", `{"n":0}`, `{"n":-0.0}`, true},
		{"1.5 and 1.50", `{"n":1.5}`, `{"n":1.50}`, true},
		{"100 and 1e2", `{"n":100}`, `{"n":1e2}`, true},
		{"huge exponents", `{"n":1e99999999999999999999}`, `{"n":10e99999999999999999998}`, true},
		{"escaped and unescaped text", `{"s":"Đồng Thắng"}`, `{"s":"\u0110\u1ed3ng Th\u1eafng"}`, true},
		{"escaped slash and quote", `{"s":"a/b\"c"}`, `{"s":"a\/b\u0022c"}`, true},
		{"escaped control character", `{"s":"a\nb"}`, `{"s":"a\u000Ab"}`, true},
		{"surrogate pair and UTF-8", `{"s":"🌾"}`, `{"s":"\ud83c\udf3e"}`, true},
		{"escaped key", `{"event_id":"x"}`, `{"event\u005fid":"x"}`, true},
		{"a whole event reordered and respelled", base,
			`{"payload":{"amount_vnd":1.5e8,"task":"digital_government","source":"province_budget","fiscal_year":2025.0},` +
				`"unit_code":"15814","source":{"system":"dvc-thanhhoa","unit_code":"15814","level":"commune"},` +
				`"recorded_at":"2025-03-10T09:16:02.5+07:00","occurred_at":"2025-03-10T09:15:00+07:00",` +
				`"schema_version":1.0,"event_type":"funding\u002eallocated","event_id":"ev-0001"}`, true},

		// Different content.
		{"true and 1", `{"b":true}`, `{"b":1}`, false},
		{"false and 0", `{"b":false}`, `{"b":0}`, false},
		{"null and absent", `{"a":1,"b":null}`, `{"a":1}`, false},
		{"null and false", `{"b":null}`, `{"b":false}`, false},
		{"string 8 and number 8", `{"n":"8"}`, `{"n":8}`, false},
		{"string 8.0 and string 8", `{"n":"8.0"}`, `{"n":"8"}`, false},
		{"different numbers", `{"n":8}`, `{"n":8.000001}`, false},
		{"sign", `{"n":8}`, `{"n":-8}`, false},
		{"different strings", `{"s":"a"}`, `{"s":"b"}`, false},
		{"case", `{"s":"a"}`, `{"s":"A"}`, false},
		{"different keys", `{"a":1}`, `{"A":1}`, false},
		{"extra member", `{"a":1}`, `{"a":1,"b":2}`, false},
		{"nested value", `{"a":{"b":[1,{"c":"x"}]}}`, `{"a":{"b":[1,{"c":"y"}]}}`, false},
		{"nested key", `{"a":{"b":1}}`, `{"a":{"c":1}}`, false},
		{"array order", `{"t":["ecommerce","traceability"]}`, `{"t":["traceability","ecommerce"]}`, false},
		{"array length", `{"t":[1,2]}`, `{"t":[1,2,2]}`, false},
		{"object and array", `{"a":{}}`, `{"a":[]}`, false},
		{"empty string and null", `{"a":""}`, `{"a":null}`, false},
		{"trailing space in a string", `{"s":"a"}`, `{"s":"a "}`, false},
		{"a whole event with another amount", base, ev("funding.allocated", set("payload.amount_vnd", "150000001")), false},
		{"a whole event with an unknown member more", base, ev("funding.allocated", set("payload.note", `"x"`)), false},
		{"a whole event with another offset for the same instant", base, ev("funding.allocated", set("occurred_at", `"2025-03-10T02:15:00Z"`)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, events.SameContent([]byte(tt.a), []byte(tt.b)))
			require.Equal(t, tt.want, events.SameContent([]byte(tt.b), []byte(tt.a)), "SameContent must be symmetric")
			require.True(t, events.SameContent([]byte(tt.a), []byte(tt.a)))
		})
	}
}

func TestAppendCanonical(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sorted, compact, numbers by value", ` { "b" : [ 8.0 , 1.50 ] , "a" : "\u0041\/" } `, `{"a":"A/","b":[8,15e-1]}`},
		{"nested objects sorted", `{"z":{"y":1,"x":{"b":true,"a":null}}}`, `{"z":{"x":{"a":null,"b":true},"y":1}}`},
		{"control characters escaped one way", `"\n\t\u001F"`, `"\u000a\u0009\u001f"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := events.AppendCanonical([]byte("prefix:"), []byte(tt.in))
			require.Equal(t, "prefix:"+tt.want, string(got))
			require.Equal(t, tt.want, string(events.AppendCanonical(nil, []byte(tt.want))), "the canonical form is a fixed point")
		})
	}
}

// The fast canonicalizer of decoded events gives exactly AppendCanonical's bytes, over a
// generated stream with respelled duplicates, unknown members and every type.
func TestCanonicalizerMatchesAppendCanonical(t *testing.T) {
	var buf bytes.Buffer
	_, err := generate.Generate(context.Background(), &buf, generate.Options{Seed: 3, Scale: generate.Small})
	require.NoError(t, err)
	var c events.Canonicalizer
	var d events.Decoder
	n := 0
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		ev, err := d.Decode(line)
		if err != nil {
			continue
		}
		want := events.AppendCanonical(nil, ev.Raw)
		require.Equal(t, string(want), string(c.Append(nil, &ev)), "line %q", line)
		if n++; n == 60000 {
			break
		}
	}
	for _, doc := range []string{
		`{"b":[1,{"z":1,"a":[2.50,{"y":"\u0041","x":null}]}],"a":"é\\n","c":{}}`,
		`{ "a" : [ ] , "\u0062" : [ 1e2 , -0.0 , true ] }`,
	} {
		ev := events.Event{Raw: []byte(doc)}
		assert.Equal(t, string(events.AppendCanonical(nil, []byte(doc))), string(c.Append(nil, &ev)), doc)
	}
}
