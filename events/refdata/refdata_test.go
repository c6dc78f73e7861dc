package refdata

import (
	"maps"
	"slices"
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

// TestReorganization2025 checks the projection of the reorganization onto contract v1 that
// Changes still gives the gateway's scopes: every old commune ends and 166 communes remain,
// under their former districts.
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

// replay applies the reference events effective up to and including day and returns the units
// in force that day, keyed by code. The events of one date act together, as the contract dates
// them: a code they end is the unit in force the day before (a new unit may reuse it), and a code
// they start is the unit from that date on, which several of them may start (a merge and the
// splits that give it parts). A merged unit's children follow it, a dissolved unit's children
// hang under the province, and a split unit may have none.
func replay(t *testing.T, evs []events.Event, day events.Date) map[string]Unit {
	t.Helper()
	state := map[string]Unit{}
	for i := 0; i < len(evs); {
		date := events.DateOf(evs[i].OccurredAt)
		if date > day {
			break
		}
		ends := map[string]string{} // ended code → the new parent of its children ("" for none)
		starts := map[string]Unit{}
		continues := map[string]bool{} // started by split parts only, which may continue a unit
		end := func(id, code, successor string) Unit {
			u, ok := state[code]
			require.True(t, ok, "%s ends %s, which is not in force on %s", id, code, date)
			_, twice := ends[code]
			require.False(t, twice, "%s ends %s a second time on %s", id, code, date)
			ends[code] = successor
			return u
		}
		start := func(id string, u Unit, part bool) {
			if have, ok := starts[u.Code]; ok {
				require.Equal(t, have, u, "%s starts %s as another event of %s does", id, u.Code, date)
				continues[u.Code] = continues[u.Code] && part
			} else {
				continues[u.Code] = part
			}
			starts[u.Code] = u
		}
		for ; i < len(evs) && events.DateOf(evs[i].OccurredAt) == date; i++ {
			e := evs[i]
			switch p := e.Payload.(type) {
			case events.AdminUnitRegisteredPayload:
				start(e.ID, Unit{Code: p.Code, Name: p.Name, Level: p.Level, Kind: p.Kind, ParentCode: p.ParentCode}, false)
			case events.AdminUnitMergedPayload:
				level := ""
				for _, from := range p.FromCodes {
					u := end(e.ID, from, p.IntoCode)
					require.True(t, level == "" || level == u.Level, "%s joins units of one level", e.ID)
					level = u.Level
				}
				start(e.ID, Unit{Code: p.IntoCode, Name: p.IntoName, Level: level, Kind: p.IntoKind, ParentCode: p.ParentCode}, false)
			case events.AdminUnitDissolvedPayload:
				end(e.ID, p.Code, ProvinceCode)
			case events.AdminUnitSplitPayload:
				from := end(e.ID, p.FromCode, "")
				for _, part := range p.Into {
					start(e.ID, Unit{Code: part.Code, Name: part.Name, Level: from.Level, Kind: part.Kind, ParentCode: part.ParentCode}, true)
				}
			default:
				t.Fatalf("%s: %s is not a reference event", e.ID, e.Type)
			}
		}
		for code := range starts {
			_, inForce := state[code]
			_, ended := ends[code]
			require.True(t, !inForce || ended || continues[code], "%s starts on %s while the unit of that code in force does not end", code, date)
		}
		for code := range ends {
			delete(state, code)
		}
		for code, u := range state {
			if successor, ok := ends[u.ParentCode]; ok {
				require.NotEmpty(t, successor, "%s is left below %s, which was split on %s", code, u.ParentCode, date)
				u.ParentCode = successor
				state[code] = u
			}
		}
		maps.Copy(state, starts)
	}
	return state
}

// mergerRows reads the mapping of 2025-07-01: each old commune with the new units it went into,
// in file order.
func mergerRows(t *testing.T) (partsOf map[string][]string, newCodes map[string]bool) {
	t.Helper()
	rows, err := readCSV("data/commune_mergers_2025.csv", []string{"old_code", "old_name", "new_code", "new_name", "new_kind", "effective_from"})
	require.NoError(t, err)
	partsOf, newCodes = map[string][]string{}, map[string]bool{}
	for _, r := range rows {
		partsOf[r[0]] = append(partsOf[r[0]], r[2])
		newCodes[r[2]] = true
	}
	return partsOf, newCodes
}

// TestReorganizationAsItWas checks the reorganization of 2025-07-01 as contract v2 says it,
// against the mapping of NQ 1686: every district-level unit dissolved, every old commune ending
// once (whole in a merge, or divided in a split), each new commune started once under the
// province, and the ten splits with their receiving units and shares.
func TestReorganizationAsItWas(t *testing.T) {
	r, err := TwoLevel()
	require.NoError(t, err)
	require.Equal(t, Reorganization2025, r.Date)
	u25, err := Units2025()
	require.NoError(t, err)
	partsOf, newCodes := mergerRows(t)
	require.Len(t, newCodes, 166, "NQ 1686 Art. 1 §146: 166 commune-level units")

	var districts []string
	communes := map[string]Unit{}
	for _, u := range u25 {
		switch u.Level {
		case "district":
			districts = append(districts, u.Code)
		case "commune":
			communes[u.Code] = u
		}
	}
	require.Len(t, r.Dissolved, 26)
	require.ElementsMatch(t, districts, r.Dissolved, "every district-level unit of 2025-06-30 is dissolved")
	require.Len(t, partsOf, len(communes), "the mapping names every commune of 2025-06-30")

	ended := map[string]int{}
	require.Len(t, r.Merges, len(newCodes))
	for _, m := range r.Merges {
		require.True(t, newCodes[m.IntoCode], "merge into %s", m.IntoCode)
		require.Equal(t, ProvinceCode, m.ParentCode, "new commune %s hangs under the province", m.IntoCode)
		require.NotEmpty(t, m.FromCodes)
		for _, from := range m.FromCodes {
			require.Equal(t, []string{m.IntoCode}, partsOf[from], "%s went whole into %s", from, m.IntoCode)
			ended[from]++
		}
	}
	require.Len(t, r.Splits, 10)
	for _, s := range r.Splits {
		require.GreaterOrEqual(t, len(s.Into), 2, "split of %s", s.FromCode)
		sum := 0.0
		var codes []string
		for _, part := range s.Into {
			codes = append(codes, part.Code)
			require.Equal(t, ProvinceCode, part.ParentCode)
			require.InDelta(t, 1/float64(len(s.Into)), part.Share, 0, "equal shares: the resolution gives none")
			sum += part.Share
		}
		require.InDelta(t, 1, sum, events.ShareTolerance, "the shares of %s sum to 1", s.FromCode)
		require.Equal(t, partsOf[s.FromCode], codes, "%s goes to the units the mapping lists", s.FromCode)
		ended[s.FromCode]++
	}
	for code := range communes {
		require.Equal(t, 1, ended[code], "commune %s is merged or split exactly once", code)
	}
	require.Len(t, ended, len(communes))
	require.Equal(t, []string{"15016", "15019"}, []string{r.Splits[1].Into[0].Code, r.Splits[1].Into[1].Code}, "15016 Sơn Lư → 15016, 15019")
	thieuHoa := r.Splits[slices.IndexFunc(r.Splits, func(s Split) bool { return s.FromCode == "15772" })]
	require.Len(t, thieuHoa.Into, 3, "15772 Thiệu Hóa is split in three")

	// The example: 15853 Đông Tiến is formed from communes of 380 and 398, and is filed
	// under neither.
	dongTien := r.Merges[slices.IndexFunc(r.Merges, func(c Change) bool { return c.IntoCode == "15853" })]
	formerDistricts := map[string]bool{}
	for _, from := range dongTien.FromCodes {
		formerDistricts[communes[from].ParentCode] = true
	}
	require.Equal(t, map[string]bool{"380": true, "398": true}, formerDistricts)
	require.Equal(t, ProvinceCode, dongTien.ParentCode)
}

// TestEventsReplayTheHierarchy replays the reference events: 26 district-level units and 547
// communes on 2025-06-30, and on 2025-07-01 no district-level unit and 166 communes (147 xã, 19
// phường), each directly under the province.
func TestEventsReplayTheHierarchy(t *testing.T) {
	evs, err := Events()
	require.NoError(t, err)
	_, newCodes := mergerRows(t)

	before := replay(t, evs, Reorganization2025-1)
	require.Equal(t, map[string]int{
		"province/tỉnh": 1, "district/thành phố": 2, "district/thị xã": 2, "district/huyện": 22,
		"commune/phường": 63, "commune/xã": 452, "commune/thị trấn": 32,
	}, count(before), "the official list of 2025-01-01 … 2025-06-30")

	after := replay(t, evs, Reorganization2025)
	require.Equal(t, map[string]int{"province/tỉnh": 1, "commune/phường": 19, "commune/xã": 147}, count(after))
	for code, u := range after {
		if u.Level == "commune" {
			require.True(t, newCodes[code], "%s is a unit of NQ 1686", code)
			require.Equal(t, ProvinceCode, u.ParentCode, "%s hangs under the province", code)
		}
	}
	require.Len(t, after, 1+len(newCodes))
}

func TestEventsAreValidContractEvents(t *testing.T) {
	evs, err := Events()
	require.NoError(t, err)
	// 587 units of 2022, 20 changes up to 2025-01-01, and on 2025-07-01 26 dissolutions, 166
	// merges and 10 splits.
	require.Len(t, evs, 587+20+26+166+10)
	byType := map[events.Type]int{}
	seen := map[string]bool{}
	var judge events.Decoder // the one judge of every line, as ingest and the gateway use it
	for i := range evs {
		raw := events.AppendJSON(nil, &evs[i])
		got, err := judge.Decode(raw)
		require.NoError(t, err, "%s", raw)
		require.False(t, seen[got.ID], "duplicate id %s", got.ID)
		seen[got.ID] = true
		require.Equal(t, evs[i].Payload, got.Payload)
		require.Equal(t, events.DateOf(evs[i].OccurredAt), got.BusinessDate)
		byType[got.Type]++
		switch p := got.Payload.(type) {
		case events.AdminUnitDissolvedPayload:
			require.Equal(t, 2, got.SchemaVersion)
			require.Equal(t, "ref.dissolve.2025-07-01."+p.Code, got.ID)
		case events.AdminUnitSplitPayload:
			require.Equal(t, 2, got.SchemaVersion)
			require.Equal(t, "ref.split.2025-07-01."+p.FromCode, got.ID)
		case events.AdminUnitMergedPayload:
			require.Equal(t, 1, got.SchemaVersion)
			require.Equal(t, "ref.merge."+got.BusinessDate.String()+"."+p.IntoCode, got.ID)
		case events.AdminUnitRegisteredPayload:
			require.Equal(t, "ref.unit."+p.Code, got.ID)
		}
	}
	require.Equal(t, map[events.Type]int{events.AdminUnitRegistered: 587, events.AdminUnitMerged: 186,
		events.AdminUnitDissolved: 26, events.AdminUnitSplit: 10}, byType)
}

func TestOutline(t *testing.T) {
	ring := Outline()
	require.Len(t, ring, 211)
	require.Equal(t, ring[0], ring[len(ring)-1], "the ring is closed")
	for _, p := range ring {
		require.True(t, p.Lat > 19.2 && p.Lat < 20.7 && p.Lon > 104.3 && p.Lon < 106.1, "%v is outside Thanh Hóa's box", p)
	}
	for _, c := range []struct {
		name string
		p    Point
		in   bool
	}{
		{"Thanh Hóa city", Point{Lon: 105.78, Lat: 19.80}, true},
		{"Mường Lát", Point{Lon: 104.60, Lat: 20.52}, true},
		{"the Gulf of Tonkin", Point{Lon: 106.05, Lat: 19.70}, false},
		{"Hà Nội", Point{Lon: 105.85, Lat: 21.03}, false},
		{"Vinh (Nghệ An)", Point{Lon: 105.68, Lat: 18.67}, false},
	} {
		require.Equal(t, c.in, InProvince(c.p), c.name)
	}
}
