package jsonx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// nested returns n arrays nested in each other around the value 1.
func nested(n int) string {
	return strings.Repeat("[", n) + "1" + strings.Repeat("]", n)
}

func TestDocumentValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the value Document returns, without surrounding white space
	}{
		{"object", `{"a":1}`, `{"a":1}`},
		{"empty object", `{}`, `{}`},
		{"empty array", `[]`, `[]`},
		{"surrounding white space", " \t\r\n{\"a\" : [ 1 , 2 ] }\n ", `{"a" : [ 1 , 2 ] }`},
		{"string", `"x"`, `"x"`},
		{"escapes", `"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"`, `"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"`},
		{"lone surrogate is valid JSON", `"\ud800"`, `"\ud800"`},
		{"UTF-8 text", `"Đồng Thắng"`, `"Đồng Thắng"`},
		{"true", `true`, `true`},
		{"false", `false`, `false`},
		{"null", `null`, `null`},
		{"zero", `0`, `0`},
		{"minus zero", `-0`, `-0`},
		{"fraction and exponent", `-12.5e+3`, `-12.5e+3`},
		{"upper-case exponent", `1E-2`, `1E-2`},
		{"huge exponent", `1e99999999999999999999`, `1e99999999999999999999`},
		{"nested to the limit", nested(jsonx.MaxDepth), nested(jsonx.MaxDepth)},
		{"nested objects", `{"a":{"b":{"c":[{"d":null}]}}}`, `{"a":{"b":{"c":[{"d":null}]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jsonx.Document([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func TestDocumentInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ``},
		{"white space only", " \n\t "},
		{"truncated object", `{"a":1`},
		{"truncated string", `{"a":"x`},
		{"truncated literal", `tru`},
		{"truncated escape", `"\`},
		{"truncated unicode escape", `"\u12"`},
		{"bad unicode escape", `"\u12G4"`},
		{"bad escape", `"\x"`},
		{"two values", `{} {}`},
		{"trailing comma in object", `{"a":1,}`},
		{"trailing comma in array", `[1,]`},
		{"missing colon", `{"a" 1}`},
		{"unquoted key", `{a:1}`},
		{"single quotes", `{'a':1}`},
		{"leading zero", `01`},
		{"leading plus", `+1`},
		{"bare dot", `1.`},
		{"dot first", `.5`},
		{"bare exponent", `1e`},
		{"bare minus", `-`},
		{"NaN", `NaN`},
		{"Infinity", `Infinity`},
		{"NUL outside a string", "{\"a\":1}\x00"},
		{"NUL in a string", "\"a\x00b\""},
		{"newline in a string", "\"a\nb\""},
		{"invalid UTF-8", "\"\xff\""},
		{"truncated UTF-8", "\"\xe1\xbb\""},
		{"UTF-8 surrogate", "\"\xed\xa0\x80\""},
		{"byte order mark", "\xef\xbb\xbf{}"},
		{"comment", `{} // x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jsonx.Document([]byte(tt.in))
			require.Error(t, err)
			var se *jsonx.SyntaxError
			require.ErrorAs(t, err, &se)
			require.GreaterOrEqual(t, se.Offset, 0)
			require.LessOrEqual(t, se.Offset, len(tt.in))
			require.NotEmpty(t, se.Msg)
		})
	}
}

func TestDocumentDepth(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"arrays", nested(jsonx.MaxDepth + 1)},
		{"objects", strings.Repeat(`{"a":`, jsonx.MaxDepth+1) + "1" + strings.Repeat("}", jsonx.MaxDepth+1)},
		{"deep inside a member", `{"payload":{"x":` + nested(jsonx.MaxDepth) + `}}`},
		{"far too deep and unterminated", strings.Repeat("[", 100000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jsonx.Document([]byte(tt.in))
			require.ErrorIs(t, err, jsonx.ErrTooDeep)
		})
	}
}

func TestDepthErrorPath(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"member", `{"payload":{"x":` + nested(jsonx.MaxDepth) + `}}`, "payload.x[0][0]"},
		{"escaped member", `{"pay\u006coad":{"x":` + nested(jsonx.MaxDepth) + `}}`, "payload.x[0][0]"},
		{"array element", `[1,2,` + nested(jsonx.MaxDepth) + `]`, "[2][0][0]"},
		{"the document itself", nested(jsonx.MaxDepth + 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jsonx.Document([]byte(tt.in))
			var de *jsonx.DepthError
			require.ErrorAs(t, err, &de)
			require.True(t, strings.HasPrefix(de.Path, tt.want), "path %q does not start with %q", de.Path, tt.want)
			require.Contains(t, err.Error(), "64")
		})
	}
}

func TestValueOffsets(t *testing.T) {
	b := []byte(`  {"a":[1,2]} , "x"`)
	end, err := jsonx.Value(b, 2, 0)
	require.NoError(t, err)
	require.Equal(t, `{"a":[1,2]}`, string(b[2:end]))
	start := jsonx.SkipSpace(b, end)
	require.Equal(t, byte(','), b[start])
	end, err = jsonx.Value(b, jsonx.SkipSpace(b, start+1), 0)
	require.NoError(t, err)
	require.Equal(t, len(b), end)

	_, err = jsonx.Value(b, len(b), 0)
	require.Error(t, err)
}

func TestMembersAndElements(t *testing.T) {
	type got struct {
		key string
		esc bool
		val string
	}
	var members []got
	err := jsonx.Members([]byte(`{ "a" : 1 , "b\u0062" : [true, null], "c": {"d": "e"} }`), func(key []byte, esc bool, val []byte) error {
		members = append(members, got{string(key), esc, string(val)})
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []got{{"a", false, "1"}, {`b\u0062`, true, "[true, null]"}, {"c", false, `{"d": "e"}`}}, members)

	stop := errors.New("stop")
	n := 0
	err = jsonx.Members([]byte(`{"a":1,"b":2}`), func([]byte, bool, []byte) error { n++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, n)

	require.Error(t, jsonx.Members([]byte(`[1]`), func([]byte, bool, []byte) error { return nil }))

	var elems []string
	err = jsonx.Elements([]byte(`[ 1 , "x" ,{"a":[]} ]`), func(elem []byte) error {
		elems = append(elems, string(elem))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"1", `"x"`, `{"a":[]}`}, elems)

	called := false
	require.NoError(t, jsonx.Elements([]byte(`[ ]`), func([]byte) error { called = true; return nil }))
	require.False(t, called)
	require.Error(t, jsonx.Elements([]byte(`{}`), func([]byte) error { return nil }))
}

func TestKind(t *testing.T) {
	tests := []struct {
		in     string
		name   string
		number bool
	}{
		{`{}`, "object", false},
		{`[]`, "array", false},
		{`"x"`, "string", false},
		{`true`, "boolean", false},
		{`false`, "boolean", false},
		{`null`, "null", false},
		{`0`, "number", true},
		{`-1`, "number", true},
		{`9`, "number", true},
		{``, "nothing", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k := jsonx.KindOf([]byte(tt.in))
			require.Equal(t, tt.name, k.Name())
			require.Equal(t, tt.number, k.IsNumber())
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct {
		name string
		raw  string // the bytes between the quotes
		want string
	}{
		{"plain", `abc`, "abc"},
		{"empty", ``, ""},
		{"UTF-8 kept", `Đồng`, "Đồng"},
		{"simple escapes", `\"\\\/\b\f\n\r\t`, "\"\\/\b\f\n\r\t"},
		{"BMP escape", `\u0110\u1ed3ng`, "Đồng"},
		{"upper-case hex", `\u00C9\u00e9`, "Éé"},
		{"NUL escape", `a\u0000b`, "a\x00b"},
		{"surrogate pair", `\uD83D\uDE00`, "😀"},
		{"surrogate pair in text", `x\ud83d\ude00y`, "x😀y"},
		{"lone high surrogate", `\ud800`, "\uFFFD"},
		{"lone high surrogate before text", `\ud800x`, "\uFFFDx"},
		{"lone low surrogate", `\udc00`, "\uFFFD"},
		{"low before high", `\udc00\ud800`, "\uFFFD\uFFFD"},
		{"high before a non-surrogate escape", `\ud800\u0041`, "\uFFFDA"},
		{"high before a simple escape", `\ud800\n`, "\uFFFD\n"},
		{"two highs then a low", `\ud800\ud83d\ude00`, "\uFFFD😀"},
		{"escaped U+FFFD", `\ufffd`, "\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, string(jsonx.Unquote(nil, []byte(tt.raw))))
			require.Equal(t, "prefix"+tt.want, string(jsonx.Unquote([]byte("prefix"), []byte(tt.raw))))
			require.Equal(t, tt.want, jsonx.StringValue([]byte(`"`+tt.raw+`"`)))
		})
	}
}

func TestAppendQuoted(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"abc", `"abc"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"a/b", `"a/b"`},
		{"\x00\n\x1f", `"\u0000\u000a\u001f"`},
		{"Đồng 😀", `"Đồng 😀"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, string(jsonx.AppendQuoted(nil, []byte(tt.in))))
			require.Equal(t, tt.want, string(jsonx.AppendQuotedString(nil, tt.in)))
			require.Equal(t, tt.in, jsonx.StringValue([]byte(tt.want)))
		})
	}
}

func TestCanonicalNumber(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"0", "0"},
		{"-0", "0"},
		{"0.000", "0"},
		{"-0.0e-5", "0"},
		{"0e99999999999999999999", "0"},
		{"8", "8"},
		{"8.0", "8"},
		{"8e0", "8"},
		{"8E+0", "8"},
		{"80e-1", "8"},
		{"0.8e1", "8"},
		{"-8", "-8"},
		{"-8.00", "-8"},
		{"1.50", "15e-1"},
		{"100", "1e2"},
		{"1e2", "1e2"},
		{"0.001", "1e-3"},
		{"123.456", "123456e-3"},
		{"1000.0001", "10000001e-4"},
		{"12345678901234567890123456789", "12345678901234567890123456789"},
		{"9223372036854775807", "9223372036854775807"},
		{"1e99999999999999999999", "1e99999999999999999999"},
		{"1e+99999999999999999999", "1e99999999999999999999"},
		{"10e99999999999999999999", "1e100000000000000000000"},
		{"1e-99999999999999999999", "1e-99999999999999999999"},
		{"0.1e-99999999999999999999", "1e-100000000000000000000"},
		{"1e00000000000000000000000001", "1e1"},
		{"1e0000000000000001", "1e1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, string(jsonx.CanonicalNumber(nil, []byte(tt.in))))
			require.Equal(t, "x"+tt.want, string(jsonx.CanonicalNumber([]byte("x"), []byte(tt.in))))
		})
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sorted members", `{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{"white space", " { \"a\" : [ 1 , 2 ] } ", `{"a":[1,2]}`},
		{"numbers", `[8.0,80e-1,-0,1.50]`, `[8,8,0,15e-1]`},
		{"escaped key sorts by its value", `{"b":1,"\u0061":2}`, `{"a":2,"b":1}`},
		{"string escapes", `"\u0110\/\u0022\n"`, `"Đ/\"\u000a"`},
		{"literals", `[true,false,null]`, `[true,false,null]`},
		{"nested", `{"z":{"y":[{"b":1.0,"a":"\u0041"}]}}`, `{"z":{"y":[{"a":"A","b":1}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := jsonx.Document([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, string(jsonx.Canonical(nil, v)))
		})
	}
}

func TestInt(t *testing.T) {
	tests := []struct {
		in       string
		n        int64
		integral bool
		inRange  bool
	}{
		{"0", 0, true, true},
		{"-0", 0, true, true},
		{"8", 8, true, true},
		{"-8", -8, true, true},
		{"8.0", 8, true, true},
		{"8e0", 8, true, true},
		{"80e-1", 8, true, true},
		{"1e3", 1000, true, true},
		{"1E+3", 1000, true, true},
		{"0.5e1", 5, true, true},
		{"8.5", 0, false, true},
		{"0.1", 0, false, true},
		{"-8.5", 0, false, true},
		{"1e-3", 0, false, true},
		{"123456789012345678", 123456789012345678, true, true},
		{"9223372036854775807", 9223372036854775807, true, true},
		{"9223372036854775807.0", 9223372036854775807, true, true},
		{"-9223372036854775808", -9223372036854775808, true, true},
		{"9223372036854775808", 0, true, false},
		{"-9223372036854775809", 0, true, false},
		{"9223372036854775807.5", 0, false, true},
		{"1e18", 1000000000000000000, true, true},
		{"1e19", 0, true, false},
		{"1e20", 0, true, false},
		{"100000000000000000000", 0, true, false},
		{"1e99999999999999999999", 0, true, false},
		{"1e-99999999999999999999", 0, false, true},
		{"0e-99999999999999999999", 0, true, true},
		{"0.0", 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, integral, inRange := jsonx.Int([]byte(tt.in))
			require.Equal(t, tt.integral, integral, "integral")
			require.Equal(t, tt.inRange, inRange, "inRange")
			if integral && inRange {
				require.Equal(t, tt.n, n)
			}
		})
	}
}

func TestFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"1.5", 1.5, true},
		{"-21.03", -21.03, true},
		{"1e308", 1e308, true},
		{"1e309", 0, false},
		{"-1e99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, ok := jsonx.Float([]byte(tt.in))
			require.Equal(t, tt.ok, ok)
			if ok {
				require.InDelta(t, tt.want, f, 0)
			}
		})
	}
}
