package events_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

func TestPartitionKey(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // "" for no key
	}{
		{"event", `{"event_id":"a","unit_code":"15814","payload":{"unit_code":"x"}}`, "15814"},
		{"white space", " \t{ \"unit_code\" : \"38\" }\t ", "38"},
		{"after nested values", `{"a":[1,{"b":"}"},-2.5e+3,true,false,null],"c":{"d":[]},"unit_code":"380"}`, "380"},
		{"escaped value", `{"unit_code":"15814-0\u0030\u0031"}`, "15814-001"},
		{"escaped name", `{"unit\u005fcode":"15814"}`, "15814"},
		{"escaped quote before it", `{"a":"x\"y\\","unit_code":"1"}`, "1"},
		{"first of two", `{"unit_code":"1","unit_code":"2"}`, "1"},
		{"empty string", `{"unit_code":""}`, ""},
		{"only nested", `{"source":{"unit_code":"15814"}}`, ""},
		{"number", `{"unit_code":15814}`, ""},
		{"null", `{"unit_code":null}`, ""},
		{"missing", `{"event_id":"a"}`, ""},
		{"array", `[{"unit_code":"1"}]`, ""},
		{"string", `"unit_code"`, ""},
		{"not JSON", `unit_code=15814`, ""},
		{"truncated after it", `{"unit_code":"15814","payload":{`, ""},
		{"trailing garbage", `{"unit_code":"15814"} x`, ""},
		{"two objects", `{"unit_code":"1"}{"unit_code":"2"}`, ""},
		{"missing comma", `{"unit_code":"1" "a":2}`, ""},
		{"trailing comma", `{"unit_code":"1",}`, ""},
		{"bad escape", `{"unit_code":"1\x"}`, ""},
		{"bad number", `{"a":01,"unit_code":"1"}`, ""},
		{"bad literal", `{"a":tru,"unit_code":"1"}`, ""},
		{"unterminated string", `{"unit_code":"1`, ""},
		{"too deep", `{"a":` + strings.Repeat("[", jsonx.MaxDepth+1) + strings.Repeat("]", jsonx.MaxDepth+1) + `,"unit_code":"1"}`, ""},
		{"invalid UTF-8", "{\"a\":\"\xff\",\"unit_code\":\"1\"}", ""},
		{"control character", "{\"a\":\"\x01\",\"unit_code\":\"1\"}", ""},
		{"empty", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := events.PartitionKey([]byte(tt.line))
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tt.want, string(got))
		})
	}
}

// oracleKey is the key by encoding/json: the first top-level unit_code of a valid JSON
// object, when it is a string.
func oracleKey(line []byte) (key []byte, ok bool) {
	if !json.Valid(line) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, true
	}
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if name == "unit_code" {
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, true
			}
			return []byte(s), true
		}
	}
	return nil, true
}

// FuzzPartitionKey checks the key against encoding/json on every UTF-8 input encoding/json
// accepts, and that input that is not JSON the judge reads (invalid UTF-8 included, which
// encoding/json would repair) gets no key.
func FuzzPartitionKey(f *testing.F) {
	for _, s := range []string{`{"unit_code":"15814"}`, `{"a":[1,{"b":"}"}],"unit_code":"3\u0038"}`,
		`{"unit_code":1}`, `[1]`, `{"unit_code":"1",}`, `{"x":"\"","unit_code":"2"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got := events.PartitionKey(line)
		want, valid := oracleKey(line)
		if valid && utf8.Valid(line) {
			if bytes.Count(line, []byte("["))+bytes.Count(line, []byte("{")) > jsonx.MaxDepth {
				return
			}
			require.Equal(t, string(want), string(got))
			return
		}
		if got != nil {
			t.Fatalf("key %q for input that is not JSON: %q", got, line)
		}
	})
}

func BenchmarkPartitionKey(b *testing.B) {
	line := []byte(`{"event_id":"dossier-0000123456","event_type":"dossier.completed","schema_version":1,"occurred_at":"2024-05-14T09:31:07+07:00","recorded_at":"2024-05-14T09:31:09+07:00","source":{"level":"commune","unit_code":"15814","system":"dvc-thanhhoa"},"unit_code":"15814","payload":{"dossier_id":"H56.42-240514-0001","level":"commune","processed_online":true,"received_at":"2024-05-10T08:00:00+07:00","completed_at":"2024-05-14T09:31:07+07:00"}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if events.PartitionKey(line) == nil {
			b.Fatal("no key")
		}
	}
}
