package kafkaio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// maxKeyScanDepth bounds the nesting the key scan follows. Deeper input is not an event the
// consumer will accept, so it gets no key rather than a deep recursion.
const maxKeyScanDepth = 512

// unitCodeKey returns the record key for one line: the string value of the top-level member
// "unit_code" when the line is one JSON object that has such a member, and nil otherwise (not
// JSON, not an object, no unit_code, or a unit_code that is not a string). The key only chooses
// a partition, so the scan checks the structure of the line but not every rule of JSON (UTF-8,
// control characters in strings): the consumer judges the event, and the producer must not
// drop or alter it. When a name repeats, the first unit_code wins; the consumer rejects such
// an event anyway.
//
// The returned key aliases line unless the value had escapes to decode.
func unitCodeKey(line []byte) []byte {
	i := skipSpace(line, 0)
	if i == len(line) || line[i] != '{' {
		return nil
	}
	var k keyScan
	end := scanObject(line, i, 1, &k)
	if end < 0 || skipSpace(line, end) != len(line) {
		return nil
	}
	return k.key
}

// keyScan collects the unit_code member of the top-level object during the scan.
type keyScan struct {
	key   []byte
	found bool
}

func (k *keyScan) member(name, val []byte) {
	if k.found || !isUnitCode(name) {
		return
	}
	k.found = true
	if val[0] == '"' {
		k.key = stringContent(val)
	}
}

// isUnitCode says whether the quoted member name q is "unit_code", escapes decoded.
func isUnitCode(q []byte) bool {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == "unit_code"
	}
	var s string
	return json.Unmarshal(q, &s) == nil && s == "unit_code"
}

// stringContent returns the decoded content of the quoted JSON string q, or nil when q does
// not decode (an invalid escape), so that such a line gets no key.
func stringContent(q []byte) []byte {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var s string
	if json.Unmarshal(q, &s) != nil {
		return nil
	}
	return []byte(s)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue returns the index just after the JSON value starting at b[i], or -1 when there is
// no well-formed value there.
func scanValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{':
		if depth >= maxKeyScanDepth {
			return -1
		}
		return scanObject(b, i, depth+1, nil)
	case c == '[':
		if depth >= maxKeyScanDepth {
			return -1
		}
		return scanArray(b, i, depth+1)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	}
	return -1
}

// scanObject scans the object starting at b[i] (a '{'), giving each member's quoted name and
// value to k when k is not nil (the top level).
func scanObject(b []byte, i, depth int, k *keyScan) int {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		nameEnd := scanString(b, i)
		if nameEnd < 0 {
			return -1
		}
		name := b[i:nameEnd]
		i = skipSpace(b, nameEnd)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		start := skipSpace(b, i+1)
		end := scanValue(b, start, depth)
		if end < 0 {
			return -1
		}
		if k != nil {
			k.member(name, b[start:end])
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

func scanArray(b []byte, i, depth int) int {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		end := scanValue(b, i, depth)
		if end < 0 {
			return -1
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// Masks for looking at eight bytes at a time.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanString scans the string starting at b[i] (a '"'). Most of an event is string content,
// so it skips eight bytes at a time while none is a quote or a backslash.
func scanString(b []byte, i int) int {
	i++
	for i < len(b) {
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			q, bs := w^(lsb*'"'), w^(lsb*'\\')
			// A byte of q or bs is zero where w holds a quote or a backslash.
			if ((q-lsb)&^q|(bs-lsb)&^bs)&msb != 0 {
				break
			}
			i += 8
		}
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 > len(b) || !isHex4(b[i+1:i+5]) {
					return -1
				}
				i += 5
			default:
				return -1
			}
		default:
			i++
		}
	}
	return -1
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func scanLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// scanNumber scans a number by the JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
