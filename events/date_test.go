package events

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAppendTimestampMatchesTimeFormat compares the fast formatter with the standard library on
// random instants, offsets and fractions, including dates before 1970.
func TestAppendTimestampMatchesTimeFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, Local(), time.FixedZone("", -5*3600-30*60), time.FixedZone("", 14*3600)}
	for range 5000 {
		sec := rng.Int64N(200*365*86400) - 100*365*86400
		ns := int64(0)
		if rng.IntN(2) == 0 {
			ns = rng.Int64N(1e9)
		}
		tm := time.Unix(sec, ns).In(zones[rng.IntN(len(zones))])
		want := tm.Format(time.RFC3339Nano)
		require.Equal(t, want, string(appendTimestamp(nil, tm)))
		got, ok := parseTimestamp([]byte(want))
		if tm.Year() >= 1000 {
			require.True(t, ok, want)
			require.True(t, got.Equal(tm), want)
		}
	}
}

func TestDateCivilAndBusinessDate(t *testing.T) {
	for _, tc := range []struct {
		at   string
		want string
	}{
		{"2024-12-31T20:00:00Z", "2025-01-01"},
		{"2024-12-31T16:59:59Z", "2024-12-31"},
		{"2024-12-31T17:00:00Z", "2025-01-01"},
		{"2025-06-30T23:30:00+07:00", "2025-06-30"},
		{"2025-07-01T00:10:00+07:00", "2025-07-01"},
		{"2024-02-28T23:00:00-05:00", "2024-02-29"},
		{"1969-12-31T20:00:00Z", "1970-01-01"},
		{"1969-12-31T10:00:00Z", "1969-12-31"},
	} {
		tm, err := time.Parse(time.RFC3339, tc.at)
		require.NoError(t, err)
		require.Equal(t, tc.want, DateOf(tm).String(), tc.at)
		d, err := ParseDate(tc.want)
		require.NoError(t, err)
		require.Equal(t, DateOf(tm), d)
	}
	for days := int64(-719_000); days < 2_900_000; days += 97 {
		want := time.Unix(days*86400, 0).UTC().Format(time.DateOnly)
		require.Equal(t, want, Date(days).String())
	}
}
