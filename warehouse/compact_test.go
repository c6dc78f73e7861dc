package warehouse_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func TestParseCommitTimes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[int64]int64
		err  bool
	}{
		{"", map[int64]int64{}, false},
		{"1:2", map[int64]int64{1: 2}, false},
		{"1700000000000001:1700000000123,1700000000000002:1700000000456", map[int64]int64{1700000000000001: 1700000000123, 1700000000000002: 1700000000456}, false},
		{"1", nil, true},
		{"1:x", nil, true},
		{"1:2,", nil, true},
	} {
		got, err := warehouse.ParseCommitTimes(tc.in)
		if tc.err {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}
