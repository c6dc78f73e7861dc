// Package jsonx is a small, strict, allocation-free JSON scanner for the event decoder.
//
// The event contract needs more than a generic unmarshaller gives: it must tell a missing field
// from a null one and a string from a number, keep unknown payload members byte for byte, reject
// invalid UTF-8, and compare documents by value rather than by spelling. jsonx therefore works on
// raw byte slices: it validates a value in one pass and hands out the raw bytes of object members,
// leaving the interpretation of each member to the caller.
package jsonx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Masks for scanning eight bytes at a time.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// MaxDepth bounds the nesting of arrays and objects. Deeper input is rejected rather than
// recursed into, so hostile input cannot exhaust the stack.
const MaxDepth = 64

// ErrTooDeep reports input nested deeper than MaxDepth.
var ErrTooDeep = errors.New("nested deeper than 64 levels")

// DepthError is the error for input nested deeper than MaxDepth. Path is the JSON path, relative
// to the value being validated, of the container that crossed the limit ("payload.extra[0]"), so
// that a rejection can name the member at fault. errors.Is(err, ErrTooDeep) holds for it.
type DepthError struct {
	Path string
}

func (e *DepthError) Error() string {
	if e.Path == "" {
		return ErrTooDeep.Error()
	}
	return e.Path + " is " + ErrTooDeep.Error()
}

func (e *DepthError) Unwrap() error { return ErrTooDeep }

// prepend adds the step of an enclosing container to the path as the error unwinds: a member
// name, or an array index in brackets.
func (e *DepthError) prepend(step string) {
	if e.Path != "" && e.Path[0] != '[' {
		step += "."
	}
	e.Path = step + e.Path
}

// SyntaxError describes input that is not valid JSON.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Msg    string // what is wrong there
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset) }

func syntaxErr(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipSpace returns the index of the first non-white-space byte at or after i.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// Kind is the first byte of a JSON value: '{', '[', '"', 't', 'f', 'n', or a number's first byte.
type Kind byte

// KindOf returns the kind of the raw value v (which must not start with white space).
func KindOf(v []byte) Kind {
	if len(v) == 0 {
		return 0
	}
	return Kind(v[0])
}

// IsNumber reports whether the kind is a number.
func (k Kind) IsNumber() bool { return k == '-' || (k >= '0' && k <= '9') }

// Name names the kind in messages ("string", "number", ...).
func (k Kind) Name() string {
	switch {
	case k == '{':
		return "object"
	case k == '[':
		return "array"
	case k == '"':
		return "string"
	case k == 't' || k == 'f':
		return "boolean"
	case k == 'n':
		return "null"
	case k.IsNumber():
		return "number"
	}
	return "nothing"
}

// Document validates that b holds exactly one JSON value, surrounded only by white space, and
// returns that value's bytes.
func Document(b []byte) ([]byte, error) {
	start := SkipSpace(b, 0)
	if start == len(b) {
		return nil, syntaxErr(start, "no value")
	}
	end, err := Value(b, start, 0)
	if err != nil {
		return nil, err
	}
	if rest := SkipSpace(b, end); rest != len(b) {
		return nil, syntaxErr(rest, "unexpected %q after the value", b[rest])
	}
	return b[start:end], nil
}

// ObjectDocument validates that b holds exactly one JSON object, surrounded only by white
// space, calling fn for each top-level member as it goes, and returns the object's bytes. It
// reads the input once. An error from fn stops the walk and is returned as is.
func ObjectDocument(b []byte, fn MemberFunc) ([]byte, error) {
	start := SkipSpace(b, 0)
	if start == len(b) || b[start] != '{' {
		return nil, syntaxErr(start, "not an object")
	}
	end, err := object(b, start, 1, fn)
	if err != nil {
		return nil, err
	}
	if rest := SkipSpace(b, end); rest != len(b) {
		return nil, syntaxErr(rest, "unexpected %q after the value", b[rest])
	}
	return b[start:end], nil
}

// Value validates the value that starts at b[i] and returns the index just past it. depth is the
// nesting depth of the value's container.
func Value(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, syntaxErr(i, "unexpected end of input")
	}
	switch c := b[i]; {
	case c == '{':
		return object(b, i, depth+1, nil)
	case c == '[':
		return array(b, i, depth+1)
	case c == '"':
		end, _, err := String(b, i)
		return end, err
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return Number(b, i)
	default:
		return i, syntaxErr(i, "unexpected %q", c)
	}
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, syntaxErr(i, "invalid literal")
	}
	return i + len(lit), nil
}

// Number validates a number at b[i] against RFC 8259's grammar and returns the index past it.
func Number(b []byte, i int) (int, error) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return i, syntaxErr(start, "invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, syntaxErr(start, "invalid number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, syntaxErr(start, "invalid number")
		}
	}
	return i, nil
}

// String validates the string that starts at the quote b[i] and returns the index past its
// closing quote and whether it contains escapes. Control characters and invalid UTF-8 are
// errors: the contract's events are UTF-8 text.
func String(b []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for i < len(b) {
		// Skip eight plain bytes at a time: none a quote, a backslash, a control character or
		// part of a multi-byte sequence. A false alarm only sends one byte down the slow path.
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			q, bs := w^(lsb*'"'), w^(lsb*'\\')
			if ((q-lsb)&^q|(bs-lsb)&^bs|(w-lsb*0x20)&^w|w)&msb != 0 {
				break
			}
			i += 8
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return i, escaped, syntaxErr(i, "unterminated escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return i, escaped, syntaxErr(i, "invalid \\u escape")
				}
				i += 6
			default:
				return i, escaped, syntaxErr(i, "invalid escape \\%c", b[i+1])
			}
		case c < 0x20:
			return i, escaped, syntaxErr(i, "control character 0x%02x in string", c)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, escaped, syntaxErr(i, "invalid UTF-8")
			}
			i += size
		}
	}
	return i, escaped, syntaxErr(start, "unterminated string")
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func array(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, &DepthError{}
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		end, err := Value(b, i, depth)
		if err != nil {
			var de *DepthError
			if errors.As(err, &de) {
				de.prepend("[" + strconv.Itoa(n) + "]")
			}
			return end, err
		}
		i = SkipSpace(b, end)
		if i >= len(b) {
			return i, syntaxErr(i, "unterminated array")
		}
		switch b[i] {
		case ',':
			i = SkipSpace(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, syntaxErr(i, "expected ',' or ']' in array")
		}
	}
}

// MemberFunc receives one object member: the raw key between its quotes (escapes not decoded),
// whether the key has escapes, and the raw value.
type MemberFunc func(key []byte, keyEscaped bool, value []byte) error

func object(b []byte, i, depth int, fn MemberFunc) (int, error) {
	if depth > MaxDepth {
		return i, &DepthError{}
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, syntaxErr(i, "expected a member name")
		}
		kEnd, kEsc, err := String(b, i)
		if err != nil {
			return kEnd, err
		}
		key := b[i+1 : kEnd-1]
		i = SkipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return i, syntaxErr(i, "expected ':' after member name")
		}
		i = SkipSpace(b, i+1)
		vEnd, err := Value(b, i, depth)
		if err != nil {
			var de *DepthError
			if errors.As(err, &de) {
				if kEsc {
					key = Unquote(nil, key)
				}
				de.prepend(string(key))
			}
			return vEnd, err
		}
		if fn != nil {
			if err := fn(key, kEsc, b[i:vEnd]); err != nil {
				return vEnd, err
			}
		}
		i = SkipSpace(b, vEnd)
		if i >= len(b) {
			return i, syntaxErr(i, "unterminated object")
		}
		switch b[i] {
		case ',':
			i = SkipSpace(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, syntaxErr(i, "expected ',' or '}' in object")
		}
	}
}

// Members validates the object v (a raw value starting with '{') and calls fn for each member in
// order. An error returned by fn stops the walk and is returned as is.
func Members(v []byte, fn MemberFunc) error {
	if len(v) == 0 || v[0] != '{' {
		return syntaxErr(0, "not an object")
	}
	_, err := object(v, 0, 1, fn)
	return err
}

// Elements calls fn for each element of the array v (a raw, already validated value starting
// with '[').
func Elements(v []byte, fn func(elem []byte) error) error {
	if len(v) == 0 || v[0] != '[' {
		return syntaxErr(0, "not an array")
	}
	i := SkipSpace(v, 1)
	if i < len(v) && v[i] == ']' {
		return nil
	}
	for {
		end, err := Value(v, i, 1)
		if err != nil {
			return err
		}
		if err := fn(v[i:end]); err != nil {
			return err
		}
		i = SkipSpace(v, end)
		if i >= len(v) {
			return syntaxErr(i, "unterminated array")
		}
		if v[i] == ']' {
			return nil
		}
		if v[i] != ',' {
			return syntaxErr(i, "expected ',' or ']' in array")
		}
		i = SkipSpace(v, i+1)
	}
}

// skipValue returns the index just past the value at b[i], which an earlier pass has validated.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the validated string at b[i].
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		k := i + j
		n := 0
		for k-1-n >= i && b[k-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			return k + 1
		}
		i = k + 1
	}
}

// MembersValidated calls fn for each member of the object v, which Members or Document has
// already validated; it skips validation, so it is several times faster. fn's keyEscaped tells
// whether the key holds a backslash.
func MembersValidated(v []byte, fn MemberFunc) error {
	i := SkipSpace(v, 1)
	for i < len(v) && v[i] == '"' {
		kEnd := skipString(v, i)
		key := v[i+1 : kEnd-1]
		i = SkipSpace(v, kEnd)
		i = SkipSpace(v, i+1) // the colon
		vEnd := skipValue(v, i)
		if err := fn(key, bytes.IndexByte(key, '\\') >= 0, v[i:vEnd]); err != nil {
			return err
		}
		i = SkipSpace(v, vEnd)
		if i < len(v) && v[i] == ',' {
			i = SkipSpace(v, i+1)
		}
	}
	return nil
}
