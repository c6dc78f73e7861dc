package jsonx

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Unquote decodes the contents of a validated string (the bytes between its quotes) and appends
// them to dst. Lone surrogates become U+FFFD, as encoding/json does.
func Unquote(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			dst = append(dst, raw[i+1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(raw[i+2:i+6])); pair != utf8.RuneError {
						dst = utf8.AppendRune(dst, pair)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		}
		i += 2
	}
	return dst
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		default:
			r |= rune(c-'A') + 10
		}
	}
	return r
}

// StringValue decodes a raw string value (with its quotes) that String has validated.
func StringValue(v []byte) string {
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' {
			return string(Unquote(make([]byte, 0, len(inner)), inner))
		}
	}
	return string(inner)
}

// AppendQuoted appends s as a JSON string, escaping only what JSON requires (quote, backslash
// and control characters), so the same text always gets the same bytes.
func AppendQuoted(dst []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// AppendQuotedString is AppendQuoted for a string.
func AppendQuotedString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// Int parses a validated raw number that must be an integer in int64's range. Integral values
// spelled with a fraction or exponent (8.0, 8e0) count as integers, since the contract compares
// numbers by value. ok is false for a non-integral value; inRange is false when it does not fit.
func Int(v []byte) (n int64, ok, inRange bool) {
	if len(v) <= 18 && bytes.IndexAny(v, ".eE") < 0 {
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, true, err == nil
	}
	c := CanonicalNumber(nil, v)
	// The canonical form is digits with an optional exponent: "-12", "34e3", "-5e-1".
	mant, exp := c, 0
	for i, ch := range c {
		if ch == 'e' {
			mant = c[:i]
			e, err := strconv.Atoi(string(c[i+1:]))
			if err != nil {
				// The exponent is too long for an int. A non-zero mantissa (zero has no
				// exponent in canonical form) times 10 to a huge negative power is a fraction;
				// to a huge positive power it does not fit.
				if c[i+1] == '-' {
					return 0, false, true
				}
				return 0, true, false
			}
			exp = e
			break
		}
	}
	if exp < 0 {
		return 0, false, true
	}
	if exp > 19 {
		return 0, true, false
	}
	digits := string(mant)
	for range exp {
		digits += "0"
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, true, false
	}
	return n, true, true
}

// Float parses a validated raw number as a float64. ok is false when it overflows.
func Float(v []byte) (f float64, ok bool) {
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}
