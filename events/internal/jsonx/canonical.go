package jsonx

import (
	"bytes"
	"math/big"
	"slices"
	"strconv"
)

// Canonical appends a canonical form of the validated JSON value v to dst: object members sorted
// by their decoded names, no white space, strings re-escaped one way, and numbers by value. Two
// documents that differ only in key order, white space, escaping or number spelling (8, 8.0,
// 8e0, 80e-1) get the same bytes; true and 1 do not.
func Canonical(dst, v []byte) []byte {
	switch KindOf(v) {
	case '{':
		type member struct{ key, val []byte }
		var members []member
		_ = Members(v, func(key []byte, esc bool, val []byte) error {
			if esc {
				key = Unquote(nil, key)
			}
			members = append(members, member{key, val})
			return nil
		})
		slices.SortStableFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
		dst = append(dst, '{')
		for i, m := range members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendQuoted(dst, m.key)
			dst = append(dst, ':')
			dst = Canonical(dst, m.val)
		}
		return append(dst, '}')
	case '[':
		dst = append(dst, '[')
		first := true
		_ = Elements(v, func(elem []byte) error {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = Canonical(dst, elem)
			return nil
		})
		return append(dst, ']')
	case '"':
		inner := v[1 : len(v)-1]
		if bytes.IndexByte(inner, '\\') < 0 {
			return AppendQuoted(dst, inner)
		}
		return AppendQuoted(dst, Unquote(nil, inner))
	case 't', 'f', 'n':
		return append(dst, v...)
	default:
		return CanonicalNumber(dst, v)
	}
}

// CanonicalNumber appends the canonical spelling of the validated number v: an optional minus,
// the significant digits without leading or trailing zeros, and "e" with the decimal exponent
// when it is not zero. Zero (and minus zero) is "0".
func CanonicalNumber(dst, v []byte) []byte {
	neg := false
	i := 0
	if v[0] == '-' {
		neg = true
		i++
	}
	var digits []byte
	var stack [32]byte
	digits = stack[:0]
	fracLen := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		digits = append(digits, v[i])
	}
	if i < len(v) && v[i] == '.' {
		i++
		for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			digits = append(digits, v[i])
			fracLen++
		}
	}
	expText := []byte("0")
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		expText = v[i+1:]
	}
	// Strip leading zeros; all zeros is zero whatever the exponent.
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return append(dst, '0')
	}
	trailing := 0
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		trailing++
	}
	if neg {
		dst = append(dst, '-')
	}
	dst = append(dst, digits...)
	adjust := int64(trailing - fracLen)
	// Exponents that fit comfortably are summed in int64; longer ones (hostile input) in big.Int
	// so that the canonical form stays exact.
	if len(expText) < 18 {
		e, _ := strconv.ParseInt(string(expText), 10, 64)
		e += adjust
		if e != 0 {
			dst = append(dst, 'e')
			dst = strconv.AppendInt(dst, e, 10)
		}
		return dst
	}
	e, _ := new(big.Int).SetString(string(bytes.TrimPrefix(expText, []byte("+"))), 10)
	e.Add(e, big.NewInt(adjust))
	if e.Sign() != 0 {
		dst = append(dst, 'e')
		dst = e.Append(dst, 10)
	}
	return dst
}

// Canonicalizer appends canonical forms of values that an earlier pass validated, reusing its
// scratch space: it walks each object once without validating again and sorts members on one
// shared stack, so that canonicalizing a decoded event costs a fraction of Canonical. Not safe
// for concurrent use.
type Canonicalizer struct {
	stack []canonMember
}

type canonMember struct{ key, val []byte }

// Append appends the canonical form of the validated value v to dst; the result is the same as
// Canonical's.
func (c *Canonicalizer) Append(dst, v []byte) []byte {
	switch KindOf(v) {
	case '{':
		base := len(c.stack)
		_ = MembersValidated(v, func(key []byte, esc bool, val []byte) error {
			if esc {
				key = Unquote(nil, key)
			}
			c.stack = append(c.stack, canonMember{key, val})
			return nil
		})
		members := c.stack[base:]
		slices.SortStableFunc(members, func(a, b canonMember) int { return bytes.Compare(a.key, b.key) })
		dst = append(dst, '{')
		for i := base; i < len(c.stack); i++ {
			if i > base {
				dst = append(dst, ',')
			}
			m := c.stack[i]
			dst = AppendQuoted(dst, m.key)
			dst = append(dst, ':')
			dst = c.Append(dst, m.val)
		}
		c.stack = c.stack[:base]
		return append(dst, '}')
	case '[':
		dst = append(dst, '[')
		i := SkipSpace(v, 1)
		first := true
		for i < len(v) && v[i] != ']' {
			end := skipValue(v, i)
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = c.Append(dst, v[i:end])
			i = SkipSpace(v, end)
			if i < len(v) && v[i] == ',' {
				i = SkipSpace(v, i+1)
			}
		}
		return append(dst, ']')
	}
	return Canonical(dst, v)
}
