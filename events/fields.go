package events

import (
	"bytes"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// member is one member of a JSON object, with the decoded name.
type member struct {
	key  []byte
	val  []byte
	used bool
}

// fields reads the members of one object (the envelope, source or payload) and checks each
// against a rule. It keeps the first rejection and turns every later read into a no-op, so a
// payload decoder reads as a plain list of fields and returns f.err at the end.
type fields struct {
	path    string // prefix of the JSON path in messages: "", "source." or "payload."
	members []member
	err     *Rejection
}

// errDuplicateKey stops a member walk at a repeated name.
var errDuplicateKey = errors.New("duplicate key")

// add records one member; a name that appears twice is a bad_value, since parsers disagree on
// which one wins and the warehouse refuses to guess.
func (f *fields) add(key []byte, esc bool, val []byte) error {
	if esc {
		key = jsonx.Unquote(nil, key)
	}
	for _, m := range f.members {
		if bytes.Equal(m.key, key) {
			f.fail(BadValue, string(key), "appears more than once")
			return errDuplicateKey
		}
	}
	f.members = append(f.members, member{key: key, val: val})
	return nil
}

// load collects the members of the object obj, which an earlier pass has validated.
func (f *fields) load(obj []byte) {
	f.members = f.members[:0]
	_ = jsonx.MembersValidated(obj, f.add)
}

// loadDocument validates data as one JSON object and collects its members in the same pass. It
// returns the object's bytes, or the syntax error; a repeated name is left in f.err.
func (f *fields) loadDocument(data []byte) ([]byte, error) {
	f.members = f.members[:0]
	doc, err := jsonx.ObjectDocument(data, f.add)
	if errors.Is(err, errDuplicateKey) {
		return nil, nil
	}
	return doc, err
}

func (f *fields) fail(reason Reason, name, format string, args ...any) {
	if f.err == nil {
		f.err = reject(reason, f.path+name, f.path+name+" "+format, args...)
	}
}

// get returns the raw value of the member called name, or nil when it is absent or null.
// A required member that is absent or null is a missing_field.
func (f *fields) get(name string, required bool) []byte {
	if f.err != nil {
		return nil
	}
	for i := range f.members {
		m := &f.members[i]
		if string(m.key) == name {
			m.used = true
			if m.val[0] == 'n' {
				if required {
					f.fail(MissingField, name, "is required and must not be null")
				}
				return nil
			}
			return m.val
		}
	}
	if required {
		f.fail(MissingField, name, "is required")
	}
	return nil
}

// unknown returns the names of members that no read has asked for.
func (f *fields) unknown() []string {
	var names []string
	for _, m := range f.members {
		if !m.used {
			names = append(names, string(m.key))
		}
	}
	return names
}

func (f *fields) typed(name string, v []byte, want string, ok bool) bool {
	if !ok {
		f.fail(BadType, name, "must be %s, got %s", want, jsonx.KindOf(v).Name())
	}
	return ok
}

// rawString returns the member's decoded string and whether it was present.
func (f *fields) rawString(name string, required bool) (string, bool) {
	v := f.get(name, required)
	if v == nil || !f.typed(name, v, "a string", v[0] == '"') {
		return "", false
	}
	return jsonx.StringValue(v), true
}

// text reads a required string with no rule on its content.
func (f *fields) text(name string) string {
	s, _ := f.rawString(name, true)
	return s
}

// optText reads an optional string; absent and null give "".
func (f *fields) optText(name string) string {
	s, _ := f.rawString(name, false)
	return s
}

// ident reads a required identifier: 1..64 characters.
func (f *fields) ident(name string) string {
	s, ok := f.rawString(name, true)
	if ok {
		f.checkIdent(name, s)
	}
	return s
}

func (f *fields) checkIdent(name, s string) {
	if n := utf8.RuneCountInString(s); n < 1 || n > 64 {
		f.fail(BadValue, name, "must be 1 to 64 characters, got %d", n)
	}
}

// eventID reads an event id: 1..64 characters of [A-Za-z0-9._:-].
func (f *fields) eventID(name string, required bool) string {
	s, ok := f.rawString(name, required)
	if ok && !validEventID(s) {
		f.fail(BadValue, name, "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-', got %q", clip(s))
	}
	return s
}

func validEventID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// unitCode reads a unit code: "38", 3 digits, 5 digits, or ddddd-ddd.
func (f *fields) unitCode(name string, required bool) string {
	s, ok := f.rawString(name, required)
	if ok {
		f.checkUnitCode(name, s)
	}
	return s
}

func (f *fields) checkUnitCode(name, s string) {
	if !ValidUnitCode(s) {
		f.fail(BadValue, name, "must be a unit code (\"38\", 3 digits, 5 digits or ddddd-ddd), got %q", clip(s))
	}
}

// ValidUnitCode reports whether s has the form of a unit code: the province "38", a
// district-level unit (3 digits), a commune (5 digits) or a village (ddddd-ddd).
func ValidUnitCode(s string) bool {
	allDigits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch len(s) {
	case 2:
		return s == "38"
	case 3, 5:
		return allDigits(s)
	case 9:
		return s[5] == '-' && allDigits(s[:5]) && allDigits(s[6:])
	}
	return false
}

// enum reads a required string that must be one of allowed.
func (f *fields) enum(name string, allowed []string) string {
	s, ok := f.rawString(name, true)
	if ok {
		f.checkEnum(name, s, allowed)
	}
	return s
}

func (f *fields) checkEnum(name, s string, allowed []string) {
	for _, a := range allowed {
		if a == s {
			return
		}
	}
	f.fail(BadValue, name, "must be one of %s, got %q", quoteList(allowed), clip(s))
}

func (f *fields) boolean(name string) bool {
	v := f.get(name, true)
	if v == nil || !f.typed(name, v, "a boolean", v[0] == 't' || v[0] == 'f') {
		return false
	}
	return v[0] == 't'
}

// integer reads a required integer in [lo, hi].
func (f *fields) integer(name string, lo, hi int64) int64 {
	v := f.get(name, true)
	if v == nil || !f.typed(name, v, "an integer", jsonx.KindOf(v).IsNumber()) {
		return 0
	}
	n, integral, inRange := jsonx.Int(v)
	switch {
	case !integral:
		f.fail(BadType, name, "must be an integer, got %s", clip(string(v)))
	case !inRange || n < lo || n > hi:
		f.fail(BadValue, name, "must be %s, got %s", rangeText(lo, hi), clip(string(v)))
	}
	return n
}

func rangeText(lo, hi int64) string {
	switch {
	case hi == maxInt:
		return "an integer ≥ " + strconv.FormatInt(lo, 10)
	default:
		return "an integer from " + strconv.FormatInt(lo, 10) + " to " + strconv.FormatInt(hi, 10)
	}
}

const maxInt = int64(^uint64(0) >> 1)

// number reads a required finite number.
func (f *fields) number(name string) float64 {
	v := f.get(name, true)
	if v == nil || !f.typed(name, v, "a number", jsonx.KindOf(v).IsNumber()) {
		return 0
	}
	x, ok := jsonx.Float(v)
	if !ok {
		f.fail(BadValue, name, "must be a finite number, got %s", clip(string(v)))
	}
	return x
}

// positive reads a required number > 0.
func (f *fields) positive(name string, hi float64) float64 {
	x := f.number(name)
	if f.err == nil && !(x > 0) {
		f.fail(BadValue, name, "must be greater than 0, got %v", x)
	}
	if f.err == nil && x > hi {
		f.fail(BadValue, name, "must be at most %v (the contract's plausible bound), got %v", hi, x)
	}
	return x
}

// fraction reads a required number in (0, 1], a share of a whole.
func (f *fields) fraction(name string) float64 {
	x := f.number(name)
	if f.err == nil && !(x > 0 && x <= 1) {
		f.fail(BadValue, name, "must be greater than 0 and at most 1, got %v", x)
	}
	return x
}

// coordinate reads a latitude or longitude inside Vietnam's bounding box [lo, hi].
func (f *fields) coordinate(name string, lo, hi float64) float64 {
	x := f.number(name)
	if f.err == nil && (x < lo || x > hi) {
		f.fail(BadValue, name, "must be within %v..%v (WGS84, inside Vietnam), got %v", lo, hi, x)
	}
	return x
}

func (f *fields) date(name string) Date {
	s, ok := f.rawString(name, true)
	if !ok {
		return 0
	}
	d, valid := parseDate([]byte(s))
	if !valid {
		f.fail(BadValue, name, "must be a date YYYY-MM-DD, got %q", clip(s))
	} else if y, _, _ := d.Civil(); y < MinYear || y > MaxYear {
		f.fail(BadValue, name, "must be a date of the years %d to %d, got %q", MinYear, MaxYear, clip(s))
	}
	return d
}

// The years a date or timestamp of the contract may fall in: the programme's records start
// after 1900, and a year past 2100 is a typing error (year 9999 also overflowed the local
// business date into year 10000).
const (
	MinYear = 1900
	MaxYear = 2100
)

func (f *fields) timestamp(name string) time.Time {
	v := f.get(name, true)
	if v == nil || !f.typed(name, v, "a string", v[0] == '"') {
		return time.Time{}
	}
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		raw = jsonx.Unquote(nil, raw) // an escaped character is still the character
	}
	t, ok := parseTimestamp(raw)
	if !ok {
		f.fail(BadValue, name, "must be an RFC 3339 timestamp with offset such as 2025-07-01T08:30:00+07:00, got %s", clip(string(v)))
	} else if y, local := t.Year(), DateOf(t); y < MinYear || y > MaxYear || local.year() < MinYear || local.year() > MaxYear {
		f.fail(BadValue, name, "must fall in the years %d to %d (UTC and UTC+07:00), got %s", MinYear, MaxYear, clip(string(v)))
	}
	return t
}

// stringList reads a required array of strings, each checked by check.
func (f *fields) stringList(name string, nonEmpty bool, required bool, check func(elem string, s string)) []string {
	v := f.get(name, required)
	if v == nil || !f.typed(name, v, "an array of strings", v[0] == '[') {
		return nil
	}
	var out []string
	i := 0
	_ = jsonx.Elements(v, func(elem []byte) error {
		elemName := elemPath(name, i)
		i++
		if !f.typed(elemName, elem, "a string", elem[0] == '"') {
			return errDuplicateKey // any error stops the walk; f.err holds the reason
		}
		s := jsonx.StringValue(elem)
		check(elemName, s)
		out = append(out, s)
		return nil
	})
	if f.err == nil && nonEmpty && len(out) == 0 {
		f.fail(BadValue, name, "must have at least one element")
	}
	return out
}

// elemPath is the path of the element i of the list member name: "into[1]".
func elemPath(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// objectList reads a required array of at least least objects, each read by item from its own
// members, so that a rejection names the member inside the list ("payload.into[1].share").
// Members of an object that item does not read are kept in the raw payload, as unknown
// payload members are.
func objectList[T any](f *fields, name string, least int, item func(*fields) T) []T {
	v := f.get(name, true)
	if v == nil || !f.typed(name, v, "an array of objects", v[0] == '[') {
		return nil
	}
	var out []T
	var q fields
	i := 0
	_ = jsonx.Elements(v, func(elem []byte) error {
		elemName := elemPath(name, i)
		i++
		if !f.typed(elemName, elem, "an object", elem[0] == '{') {
			return errDuplicateKey // any error stops the walk; f.err holds the reason
		}
		q.path, q.err = f.path+elemName+".", nil
		q.load(elem)
		var x T
		if q.err == nil {
			x = item(&q)
		}
		if q.err != nil {
			f.err = q.err
			return errDuplicateKey
		}
		out = append(out, x)
		return nil
	})
	if f.err == nil && len(out) < least {
		f.fail(BadValue, name, "must have at least %d items, got %d", least, len(out))
	}
	return out
}

func (f *fields) enumList(name string, allowed []string, nonEmpty, required bool) []string {
	return f.stringList(name, nonEmpty, required, func(elem, s string) { f.checkEnum(elem, s, allowed) })
}

// object reads a required object member and returns its raw bytes.
func (f *fields) object(name string) []byte {
	v := f.get(name, true)
	if v == nil || !f.typed(name, v, "an object", v[0] == '{') {
		return nil
	}
	return v
}

func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 80
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func quoteList(values []string) string {
	var b []byte
	for i, v := range values {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, v)
	}
	return string(b)
}
