package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseKnownAt(t *testing.T) {
	ict := time.FixedZone("", 7*3600)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		// A bare date is the end of that local day, so that it includes the whole day.
		{in: "2025-07-01", want: time.Date(2025, 7, 1, 23, 59, 59, 999_999_999, ict)},
		{in: "2024-02-29", want: time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, ict)},
		{in: "2025-07-01T00:00:00+07:00", want: time.Date(2025, 7, 1, 0, 0, 0, 0, ict)},
		{in: "2025-06-30T17:00:00.5Z", want: time.Date(2025, 6, 30, 17, 0, 0, 500_000_000, time.UTC)},
		{in: "2025-02-29", err: "neither an RFC 3339 instant"},
		{in: "2025-7-1", err: "nor a date"},
		{in: "yesterday", err: "nor a date"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseKnownAt(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.ErrorAs(t, err, new(usageError))
				return
			}
			require.NoError(t, err)
			require.True(t, tc.want.Equal(got), "got %s, want %s", got, tc.want)
		})
	}
}
