package queries_test

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries"
)

func TestInt(t *testing.T) {
	past, _ := new(big.Int).SetString("10000000000000000003", 10)
	scanned := func(src any) queries.Int {
		var i queries.Int
		require.NoError(t, i.Scan(src))
		return i
	}
	for _, c := range []struct {
		name   string
		i      queries.Int
		digits string
		sign   int
		fits   bool
	}{
		{"the zero Int", queries.Int{}, "0", 0, true},
		{"NewInt", queries.NewInt(-42), "-42", -1, true},
		{"a BIGINT", scanned(int64(9223372036854775807)), "9223372036854775807", 1, true},
		{"a HUGEINT past 2^63", scanned(past), "10000000000000000003", 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.digits, c.i.String())
			b, err := json.Marshal(map[string]any{"n": c.i})
			require.NoError(t, err)
			assert.JSONEq(t, `{"n":`+c.digits+`}`, string(b), "a JSON number, not a string")
			assert.Equal(t, c.sign, c.i.Sign())
			_, ok := c.i.Int64()
			assert.Equal(t, c.fits, ok)
			assert.Zero(t, c.i.Cmp(scanned(mustBig(t, c.digits))), "Cmp compares values")
		})
	}
	assert.Equal(t, -1, queries.NewInt(9).Cmp(scanned(past)))

	var i queries.Int
	assert.Error(t, i.Scan(nil), "a numerator is never NULL")
	assert.Error(t, i.Scan("12"), "text is not an integer column")
}

func mustBig(t *testing.T, s string) *big.Int {
	t.Helper()
	b, ok := new(big.Int).SetString(s, 10)
	require.True(t, ok, s)
	return b
}
