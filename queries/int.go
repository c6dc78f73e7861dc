package queries

import (
	"fmt"
	"math/big"
)

// Int is an exact whole number of any size: an indicator's numerator or denominator, a count of
// units or a sum of VND. The contract bounds one amount_vnd at 10^15, so 9,224 allocations in one
// district and year already pass 2^63; the SQL keeps these sums HUGEINT and Int holds them
// without rounding or overflow. The zero Int is 0. An Int never changes once made, so copies may
// share their digits; compare two with Cmp, not ==.
type Int struct {
	v *big.Int // nil is 0
}

// NewInt returns n as an Int.
func NewInt(n int64) Int { return Int{v: big.NewInt(n)} }

// value returns i as a big.Int, never nil; the caller must not change it.
func (i Int) value() *big.Int {
	if i.v == nil {
		return new(big.Int)
	}
	return i.v
}

// String returns the decimal digits, with a leading - when negative.
func (i Int) String() string { return i.value().String() }

// MarshalJSON writes the digits as a JSON number, as large as it is: a reader that parses
// numbers into float64 rounds a sum past 2^53, one that keeps the text (json.Number, Python's
// int) gets it exactly.
func (i Int) MarshalJSON() ([]byte, error) { return []byte(i.String()), nil }

// Sign returns -1, 0 or +1 as i is negative, zero or positive.
func (i Int) Sign() int { return i.value().Sign() }

// Cmp returns -1, 0 or +1 as i is less than, equal to or greater than j.
func (i Int) Cmp(j Int) int { return i.value().Cmp(j.value()) }

// Int64 returns i and true when it fits in an int64, and 0 and false when it does not.
func (i Int) Int64() (int64, bool) {
	b := i.value()
	if !b.IsInt64() {
		return 0, false
	}
	return b.Int64(), true
}

// Scan reads a HUGEINT (which duckdb-go scans as *big.Int) or a narrower integer column; it
// implements sql.Scanner. NULL is refused: a numerator or a denominator is never missing.
func (i *Int) Scan(src any) error {
	switch v := src.(type) {
	case *big.Int:
		if v == nil {
			return fmt.Errorf("scan %T into queries.Int: nil", src)
		}
		i.v = new(big.Int).Set(v)
	case int64:
		i.v = big.NewInt(v)
	case int32:
		i.v = big.NewInt(int64(v))
	default:
		return fmt.Errorf("scan %T into queries.Int: not an integer", src)
	}
	return nil
}
