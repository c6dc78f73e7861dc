// Package render turns the values of a DuckDB result into text and JSON, the one way for every
// surface: `ntm sql` (table, csv, json) and the SQL endpoint answer a query with the same
// values. Each value is first made canonical with its column's DuckDB type, then written:
//
//   - NULL: "NULL" in a table, empty in CSV, null in JSON.
//   - Integers of any width (HUGEINT included) and DECIMAL: exact decimal text, a JSON number;
//     a DECIMAL keeps its scale (1.50, as DuckDB prints it).
//   - DOUBLE and FLOAT: the shortest text that reads back the same; NaN and the infinities,
//     which JSON cannot spell as numbers, are the strings "NaN", "Infinity" and "-Infinity".
//   - DATE: the calendar day, 2025-01-01, never shifted by a time zone; TIME 15:04:05.123;
//     TIMESTAMP (no zone) 2025-01-01T15:04:05; TIMESTAMPTZ RFC 3339 in local time (UTC+07:00),
//     the domain's time zone.
//   - UUID: its canonical text; INTERVAL: ISO 8601 (P1M2DT3H4M5.5S); BLOB: DuckDB's escape
//     form (printable ASCII as is, other bytes \xHH).
//   - LIST: a JSON array; STRUCT: a JSON object in the struct's field order; MAP: a JSON object
//     keyed by each key's text (MAP {1: 'a'} is {"1": "a"}). In a table and in CSV a
//     nested value is its JSON text.
package render

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// Local is the domain's time zone, in which TIMESTAMPTZ values are written.
var Local = time.FixedZone("+07", 7*3600)

// Number is an exact numeric value, written as is (a JSON number).
type Number string

// MarshalJSON writes the number as a JSON number.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// Field is a member of an Object.
type Field struct {
	Key   string
	Value any
}

// Object is a STRUCT or a MAP with text keys, its members in order.
type Object []Field

// MarshalJSON writes the members in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Result is a query's answer with canonical values (see Value).
type Result struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// Read reads rows to the end, or to max rows when max > 0 (truncated then says whether more
// were left), making every value canonical.
func Read(rows *sql.Rows, max int) (res Result, truncated bool, err error) {
	return ReadBounded(rows, max, 0)
}

// ErrTooLarge is ReadBounded's error for an answer over its bound in bytes.
var ErrTooLarge = errors.New("render: the answer is over its size bound")

// ReadBounded is Read with a bound on the answer's size too: once the values read weigh more
// than maxBytes (0: no bound; strings and blobs by their length, other values by 16 bytes), it
// stops with ErrTooLarge, so that a query of a few huge values cannot hold the server's memory.
func ReadBounded(rows *sql.Rows, max, maxBytes int) (res Result, truncated bool, err error) {
	if res.Columns, err = rows.Columns(); err != nil {
		return res, false, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return res, false, err
	}
	res.Types = make([]string, len(types))
	for i, t := range types {
		res.Types[i] = t.DatabaseTypeName()
	}
	res.Rows = [][]any{}
	weight := 0
	for rows.Next() {
		if max > 0 && len(res.Rows) == max {
			return res, true, nil
		}
		vals := make([]any, len(res.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, false, err
		}
		for i, v := range vals {
			if maxBytes > 0 {
				if weight += weigh(v); weight > maxBytes {
					return res, false, ErrTooLarge
				}
			}
			vals[i] = Value(v, res.Types[i])
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, false, rows.Err()
}

// weigh estimates a scanned value's size in an answer.
func weigh(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 2
	case []byte:
		return 2*len(x) + 2
	case []any:
		n := 2
		for _, e := range x {
			n += weigh(e) + 1
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + weigh(e) + 4
		}
		return n
	}
	return 16
}

// Value makes v, scanned from a column of DuckDB type typ, canonical: nil, bool, string,
// Number, []any or Object, nested values likewise.
func Value(v any, typ string) any {
	typ = strings.TrimSpace(typ)
	switch x := v.(type) {
	case nil:
		return nil
	case bool, string:
		return x
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return Number(fmt.Sprint(x))
	case *big.Int:
		return Number(x.String())
	case float64:
		return float(x, 64)
	case float32:
		return float(float64(x), 32)
	case duckdb.Decimal:
		return Number(decimal(x))
	case time.Time:
		return timeText(x, typ)
	case duckdb.Interval:
		return interval(x)
	case duckdb.UUID:
		return x.String()
	case []byte:
		if typ == "UUID" && len(x) == 16 {
			var u duckdb.UUID
			copy(u[:], x)
			return u.String()
		}
		return blob(x)
	case []any:
		elem := strings.TrimSuffix(typ, "[]")
		if i := strings.LastIndexByte(typ, '['); i > 0 && strings.HasSuffix(typ, "]") {
			elem = typ[:i] // a fixed-size ARRAY: T[3]
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Value(e, elem)
		}
		return out
	case map[string]any:
		fields := structFields(typ)
		out := make(Object, 0, len(x))
		seen := map[string]bool{}
		for _, f := range fields {
			if e, ok := x[f.name]; ok {
				out = append(out, Field{f.name, Value(e, f.typ)})
				seen[f.name] = true
			}
		}
		for k, e := range x { // members the type did not name (a type text not parsed)
			if !seen[k] {
				out = append(out, Field{k, Value(e, "")})
			}
		}
		return out
	case duckdb.OrderedMap:
		kt, vt := mapTypes(typ)
		keys, values := x.Keys(), x.Values()
		out := make(Object, len(keys))
		for i := range keys {
			out[i] = Field{Text(Value(keys[i], kt), "NULL"), Value(values[i], vt)}
		}
		return out
	case duckdb.Union:
		return Value(x.Value, "")
	}
	return fmt.Sprint(v)
}

// float is f in its shortest exact text, or its name when JSON has no number for it.
func float(f float64, bits int) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return Number(strconv.FormatFloat(f, 'g', -1, bits))
}

// decimal is d with its scale: DECIMAL(4,2) 100 is 1.00.
func decimal(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

func timeText(t time.Time, typ string) string {
	switch typ {
	case "DATE":
		return t.UTC().Format(time.DateOnly)
	case "TIME", "TIME_NS":
		return t.UTC().Format("15:04:05.999999999")
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return t.UTC().Format("2006-01-02T15:04:05.999999999")
	}
	return t.In(Local).Format(time.RFC3339Nano)
}

// interval is i in ISO 8601: P1Y2M3DT4H5M6.5S; P0D when empty.
func interval(i duckdb.Interval) string {
	var b strings.Builder
	b.WriteByte('P')
	if y := i.Months / 12; y != 0 {
		fmt.Fprintf(&b, "%dY", y)
	}
	if m := i.Months % 12; m != 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if i.Days != 0 {
		fmt.Fprintf(&b, "%dD", i.Days)
	}
	if us := i.Micros; us != 0 {
		b.WriteByte('T')
		if h := us / 3_600_000_000; h != 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m := us / 60_000_000 % 60; m != 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s := us % 60_000_000; s != 0 {
			b.WriteString(strconv.FormatFloat(float64(s)/1e6, 'f', -1, 64) + "S")
		}
	}
	if b.Len() == 1 {
		return "P0D"
	}
	return b.String()
}

// blob is DuckDB's text of a BLOB: printable ASCII as is, every other byte \xHH.
func blob(p []byte) string {
	var b strings.Builder
	for _, c := range p {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			b.WriteByte(c)
			continue
		}
		b.WriteString(`\x`)
		b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

type field struct{ name, typ string }

// structFields parses STRUCT(a INTEGER, "b c" VARCHAR[]) into its fields; nil otherwise.
func structFields(typ string) []field {
	inner, ok := strings.CutPrefix(typ, "STRUCT(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return nil
	}
	var out []field
	for _, part := range splitTop(inner[:len(inner)-1]) {
		part = strings.TrimSpace(part)
		var name, rest string
		if strings.HasPrefix(part, `"`) {
			end := 1
			for end < len(part) {
				if part[end] == '"' {
					if end+1 < len(part) && part[end+1] == '"' {
						end += 2
						continue
					}
					break
				}
				end++
			}
			name = strings.ReplaceAll(part[1:min(end, len(part))], `""`, `"`)
			rest = part[min(end+1, len(part)):]
		} else {
			name, rest, _ = strings.Cut(part, " ")
		}
		out = append(out, field{name, strings.TrimSpace(rest)})
	}
	return out
}

// mapTypes parses MAP(K, V).
func mapTypes(typ string) (string, string) {
	inner, ok := strings.CutPrefix(typ, "MAP(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return "", ""
	}
	parts := splitTop(inner[:len(inner)-1])
	if len(parts) != 2 {
		return "", ""
	}
	return strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
}

// splitTop splits s at the commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// Printable is s safe to print to a terminal: reporters' text reaches analysts' terminals, so
// control characters (C0, DEL, C1: escape sequences that move the cursor, retitle the window or
// rewrite what was printed) and the bidirectional overrides are written as Go escapes
// (\n, \t, \x1b, \u202e) rather than sent raw. Other text, Vietnamese included, is unchanged.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !unsafeRune(r) || r == utf8.RuneError {
			b.WriteRune(r) // a byte that is not UTF-8 is written as U+FFFD, never raw
			continue
		}
		q := strconv.QuoteRune(r) // '\x1b', '\n', '\u202e'
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == utf8.RuneError
}

// Text is v (canonical) as a table or CSV cell; null stands for NULL.
func Text(v any, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case Number:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Cell is Text for a table: NULL, one line, at most width characters (0: no bound), with
// every control character escaped (see Printable).
func Cell(v any, width int) string {
	s := Printable(Text(v, "NULL"))
	if width > 0 && utf8.RuneCountInString(s) > width {
		s = string([]rune(s)[:width-1]) + "…"
	}
	return s
}
