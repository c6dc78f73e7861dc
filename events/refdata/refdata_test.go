package refdata

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
)

// apply replays the changes up to and including day on top of units and returns the units in
// force that day, with parents resolved through merges, keyed by code.
func apply(t *testing.T, units []Unit, changes []Change, day events.Date) map[string]Unit {
	t.Helper()
	state := make(map[string]Unit, len(units))
	for _, u := range units {
		state[u.Code] = u
	}
	for _, c := range changes {
		if c.Date > day {
			break
		}
		level := ""
		for _, from := range c.FromCodes {
			u, ok := state[from]
			require.True(t, ok, "change on %s ends %s, which is not active", c.Date, from)
			if level == "" {
				level = u.Level
			}
			require.Equal(t, level, u.Level, "a merge joins units of one level")
			delete(state, from)
		}
		state[c.IntoCode] = Unit{Code: c.IntoCode, Name: c.IntoName, Level: level, Kind: c.IntoKind, ParentCode: c.ParentCode}
		for code, u := range state {
			for _, from := range c.FromCodes {
				if u.ParentCode == from {
					u.ParentCode = c.IntoCode
					state[code] = u
				}
			}
		}
	}
	return state
}

func count(state map[string]Unit) map[string]int {
	n := map[string]int{}
	for _, u := range state {
		n[u.Level+"/"+u.Kind]++
	}
	return n
}

func TestUnits2022Counts(t *testing.T) {
	units, err := Units2022()
	require.NoError(t, err)
	state := map[string]Unit{}
	for _, u := range units {
		state[u.Code] = u
	}
	// SOURCES.md: 27 district-level units and 559 communes (60 phường, 469 xã, 30 thị trấn).
	require.Equal(t, map[string]int{
		"province/tỉnh": 1, "district/thành phố": 2, "district/thị xã": 2, "district/huyện": 23,
		"commune/phường": 60, "commune/xã": 469, "commune/thị trấn": 30,
	}, count(state))
}

// TestChangesRebuild2025List replays the changes on the 2022 list and checks that the result is
// exactly the official 2025-01 list, unit by unit.
func TestChangesRebuild2025List(t *testing.T) {
	u22, err := Units2022()
	require.NoError(t, err)
	u25, err := Units2025()
	require.NoError(t, err)
	changes, err := Changes()
	require.NoError(t, err)

	got := apply(t, u22, changes, events.NewDate(2025, 1, 1))
	require.Len(t, got, len(u25))
	for _, want := range u25 {
		g, ok := got[want.Code]
		require.True(t, ok, "unit %s missing", want.Code)
		require.Equal(t, []string{want.Name, want.Level, want.Kind, want.ParentCode},
			[]string{g.Name, g.Level, g.Kind, g.ParentCode}, "unit %s", want.Code)
	}

	// 2024-02-01 … 2024-12-31: 558 communes (SOURCES.md).
	mid := count(apply(t, u22, changes, events.NewDate(2024, 6, 1)))
	require.Equal(t, 60, mid["commune/phường"])
	require.Equal(t, 467, mid["commune/xã"])
	require.Equal(t, 31, mid["commune/thị trấn"])
}

func TestReorganization2025(t *testing.T) {
	u22, err := Units2022()
	require.NoError(t, err)
	changes, err := Changes()
	require.NoError(t, err)
	got := count(apply(t, u22, changes, Reorganization2025))
	// NQ 1686: 166 commune-level units, 147 xã and 19 phường.
	require.Equal(t, 147, got["commune/xã"])
	require.Equal(t, 19, got["commune/phường"])
	require.Zero(t, got["commune/thị trấn"])
	require.Equal(t, 26, got["district/huyện"]+got["district/thị xã"]+got["district/thành phố"])
}

func TestEventsAreValidContractEvents(t *testing.T) {
	evs, err := Events()
	require.NoError(t, err)
	require.Len(t, evs, 587+186)
	seen := map[string]bool{}
	for i := range evs {
		raw := events.AppendJSON(nil, &evs[i])
		got, err := events.Decode(raw)
		require.NoError(t, err, "%s", raw)
		require.False(t, seen[got.ID], "duplicate id %s", got.ID)
		seen[got.ID] = true
		require.Equal(t, evs[i].Payload, got.Payload)
		require.Equal(t, events.DateOf(evs[i].OccurredAt), got.BusinessDate)
	}
}
