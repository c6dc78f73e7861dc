package gateway

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRecentIsBounded(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		adds  int
		first bool // whether the first id added is still remembered
		last  bool
	}{
		{"within one generation", 4, 4, true, true},
		{"the previous generation is kept", 4, 8, true, true},
		{"the oldest generation is dropped", 4, 9, false, true},
		{"disabled", 0, 3, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecent(tt.max)
			for i := range tt.adds {
				r.add(fmt.Sprint("id-", i), uint64(i))
			}
			h, ok := r.get("id-0")
			require.Equal(t, tt.first, ok)
			if ok {
				r.add("id-0", 99) // the first hash of an id stands
				h, _ = r.get("id-0")
				require.Zero(t, h)
			}
			_, ok = r.get(fmt.Sprint("id-", tt.adds-1))
			require.Equal(t, tt.last, ok)
			require.LessOrEqual(t, len(r.cur)+len(r.prev), 2*tt.max)
		})
	}
}
