package queries_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// reorganization.ndjson: contract v2's abolition of the district level on 2025-07-01, over the
// fixture province of units.ndjson (see indicators_test.go):
//
//	dissolved: 380, 381, 382
//	merged:    14800 + 14803 + 14806 → 16000 xã (under 38);  14850 + 14853 → 16003 xã (under 38)
//	split:     14856 → 16006 (0.5), 16003 (0.5): equal shares, so its entities go to 16003, the
//	           smaller code
//	untouched: 14755 phường and 14758 xã, which from 2025-07-01 hang under the province
//
// So from 2025-07-01 the units directly below the province are the communes 14755, 14758, 16000,
// 16003 and 16006 (four of kind xã), and the scopes are those five, at scope_level commune.
//
//	commune_ntm 8.4 met: 14758 2024-06-01, 14800 2024-05-01, 14856 2024-05-01, 16003 2025-10-01
//	district_ntm 9.5 met: 381 2025-02-02
//	HTX-R1 registered at 14856 in 2022, digital in 2023; households 100/60 at village 14856-001
//	dossiers (commune level): HS-R1 14800 2025-03-10 on; HS-R2 16000 2025-08-10 off
//	dossier HS-R3, district level, at 381 on 2025-09-01, after 381 was dissolved
type scopeCell struct {
	Num, Den int64
	Value    string
}

func TestIndicatorsAcrossTheReorganization(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson", "reorganization.ndjson")
	db := f.db(t)

	districts := []string{"district 380", "district 381", "district 382"}
	communes := []string{"commune 14755", "commune 14758", "commune 16000", "commune 16003", "commune 16006"}
	for _, tc := range []struct {
		period string
		scopes []string // below the province, in row order
		want   map[string]map[string]scopeCell
	}{
		{"2025-Q2", districts, map[string]map[string]scopeCell{
			// At 2025-06-30, the old structure: 14758, 14800, 14856 of the six communes.
			"gov.commune_ntm_8_4":       {"38": {3, 6, "0.500000"}, "380": {1, 1, "1.000000"}, "381": {1, 2, "0.500000"}, "382": {1, 3, "0.333333"}},
			"gov.district_ntm_9_5":      {"38": {1, 3, "0.333333"}, "381": {1, 1, "1.000000"}, "380": {0, 1, "0.000000"}},
			"eco.communes_coop_digital": {"38": {1, 6, "0.166667"}, "382": {1, 3, "0.333333"}},
			// HS-R1 is of March, before the quarter.
			"gov.dossiers_online.commune": {"38": {0, 0, ""}, "381": {0, 0, ""}},
		}},
		{"2025-Q1", districts, map[string]map[string]scopeCell{
			"gov.dossiers_online.commune": {"38": {1, 1, "1.000000"}, "381": {1, 1, "1.000000"}, "380": {0, 0, ""}},
		}},
		{"2025-Q3", communes, map[string]map[string]scopeCell{
			"gov.dossiers_online.commune":  {"38": {0, 1, "0.000000"}, "16000": {0, 1, "0.000000"}},
			"gov.dossiers_online.district": {"38": {0, 0, ""}},
		}},
		{"2025", communes, map[string]map[string]scopeCell{
			// At 2025-12-31: 14758 keeps its assessment (its code continues); 14800's does not pass
			// to 16000; 16003 has its own; 14856's stays with the split unit → 2/4.
			"gov.commune_ntm_8_4": {"38": {2, 4, "0.500000"}, "14755": {0, 0, ""}, "14758": {1, 1, "1.000000"},
				"16000": {0, 1, "0.000000"}, "16003": {1, 1, "1.000000"}, "16006": {0, 1, "0.000000"}},
			// No district-level unit exists at the end: empty everywhere.
			"gov.district_ntm_9_5": {"38": {0, 0, ""}, "14758": {0, 0, ""}, "16003": {0, 0, ""}},
			// The split unit's cooperative goes to the part with the largest share (ties: the
			// smaller code), 16003.
			"eco.communes_coop_digital": {"38": {1, 4, "0.250000"}, "16003": {1, 1, "1.000000"}, "16006": {0, 1, "0.000000"}, "14755": {0, 0, ""}},
			// The split commune's village follows its entities' heir.
			"inf.households_smartphone": {"38": {60, 100, "0.600000"}, "16003": {60, 100, "0.600000"}, "16006": {0, 0, ""}},
			// Flow facts stay on their business date's unit: HS-R1 (March, under district 381)
			// counts for the province only, never for 16000, which did not exist; HS-R2 for 16000.
			"gov.dossiers_online.commune": {"38": {1, 2, "0.500000"}, "16000": {0, 1, "0.000000"}, "16003": {0, 0, ""}},
			// HS-R3 names a dissolved unit after its end: it counts in no scope.
			"gov.dossiers_online.district": {"38": {0, 0, ""}},
		}},
	} {
		t.Run(tc.period, func(t *testing.T) {
			rows := compute2(t, db, tc.period)
			for i, r := range rows[:len(tc.scopes)+1] {
				want := "province 38"
				if i > 0 {
					want = tc.scopes[i-1]
				}
				assert.Equal(t, want, r.ScopeLevel+" "+r.ScopeCode, "row %d of %s", i, r.IndicatorID)
			}
			require.Len(t, rows, len(indicatorIDs)*(len(tc.scopes)+1), "20 indicators × the scopes of the period's end")
			for id, cells := range tc.want {
				for code, c := range cells {
					r, ok := findRow(rows, id, code)
					if !assert.True(t, ok, "%s has a row for %s", id, code) {
						continue
					}
					assert.Equal(t, c, scopeCell{fits(t, r.Numerator), fits(t, r.Denominator), r.Value}, "%s %s %s", tc.period, id, code)
				}
			}
		})
	}

	// The SQL surface: the structure valid at each date.
	scalar := func(q string) string {
		var s sql.NullString
		require.NoError(t, db.QueryRow(q).Scan(&s), q)
		return s.String
	}
	assert.Equal(t, "14755:38:14755:commune 14758:38:14758:commune 16000:38:16000:commune 16003:38:16003:commune 16006:38:16006:commune",
		scalar(`SELECT string_agg(code || ':' || parent_code || ':' || top_code || ':' || top_level, ' ' ORDER BY code)
		        FROM units_at(DATE '2025-07-01', NULL) WHERE level = 'commune'`))
	assert.Equal(t, "14755:380:380 14758:380:380 14800:381:381 14803:381:381 14806:381:381 14850:382:382 14853:382:382 14856:382:382",
		scalar(`SELECT string_agg(code || ':' || parent_code || ':' || top_code, ' ' ORDER BY code)
		        FROM units_at(DATE '2025-06-30', NULL) WHERE level = 'commune'`))
	// admin_units: 14755 starts a period under the province on the day its district ended,
	// although no event names it; the districts end dissolved; the split unit names its heir.
	assert.Equal(t, "2022-01-01:380:380:active 2025-07-01:38::active",
		scalar(`SELECT string_agg(valid_from || ':' || parent_code || ':' || coalesce(district_code, '') || ':' || status, ' ' ORDER BY valid_from)
		        FROM admin_units WHERE code = '14755'`))
	assert.Equal(t, "active dissolved", scalar(`SELECT string_agg(status, ' ' ORDER BY valid_from) FROM admin_units WHERE code = '381'`))
	assert.Equal(t, "split:16003", scalar(`SELECT status || ':' || merged_into FROM admin_units WHERE code = '14856' AND valid_to IS NULL`))
	assert.Equal(t, "16003", scalar(`SELECT parent_code FROM admin_units WHERE code = '14856-001' AND valid_to IS NULL`),
		"the village of the split commune hangs under its heir")
}

// compute2 is compute for fixtures whose scopes change with the period.
func compute2(t *testing.T, db *sql.DB, period string) []queries.Row {
	t.Helper()
	p, err := queries.ParsePeriod(period)
	require.NoError(t, err)
	rows, err := queries.Indicators(context.Background(), db, p, nil)
	require.NoError(t, err)
	fromLog(t, db, p, nil, rows)
	return rows
}

func findRow(rows []queries.Row, id, code string) (queries.Row, bool) {
	for _, r := range rows {
		if r.IndicatorID == id && r.ScopeCode == code {
			return r, true
		}
	}
	return queries.Row{}, false
}

func TestDistrictsAbolished(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson", "reorganization.ndjson")
	db := f.db(t)
	for period, want := range map[string]string{"2025-Q2": "", "2025-06": "", "2025-Q3": "2025-07-01", "2025": "2025-07-01", "2024": ""} {
		p, err := queries.ParsePeriod(period)
		require.NoError(t, err)
		since, ok, err := queries.DistrictsAbolished(context.Background(), db, p, nil)
		require.NoError(t, err)
		if want == "" {
			assert.False(t, ok, period)
			continue
		}
		if assert.True(t, ok, period) {
			assert.Equal(t, want, since.Format("2006-01-02"), period)
		}
	}
	assert.Contains(t, queries.AbolitionNote(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)).String(), "abolished on 2025-07-01")
}

// TestUnitAtAndChildren reads the dashboard's page of a unit from both sides of the abolition: a
// district with its communes before it, the same district dissolved (known, not active) after
// it, the merged commune 16000 under the province, and an unknown code.
func TestUnitAtAndChildren(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson", "reorganization.ndjson")
	db := f.db(t)
	ctx := context.Background()
	before := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	after := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	codes := func(us []queries.Unit) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Code+" "+u.Name)
		}
		return out
	}
	for _, c := range []struct {
		code     string
		on       time.Time
		active   bool
		parent   string
		top      string
		children []string
	}{
		{"381", before, true, "38", "381", []string{"14800 Xã Đông Phú", "14803 Xã Đông Thanh", "14806 Thị trấn Rừng Thông"}},
		{"381", after, false, "38", "", nil},
		{"14800", before, true, "381", "381", []string{"14800-001 Thôn Phú Bình", "14800-002 Thôn Phú Yên"}},
		{"16000", after, true, "38", "16000", []string{"14800-001 Thôn Phú Bình", "14800-002 Thôn Phú Yên", "14803-001 Thôn Thanh Nam"}},
		{"38", after, true, "", "", []string{"14755 Phường Ba Đình", "14758 Xã Quảng Lợi", "16000", "16003", "16006"}},
	} {
		u, err := queries.UnitAt(ctx, db, c.code, c.on, nil)
		require.NoError(t, err, c.code)
		assert.Equal(t, c.active, u.Active, "%s on %s", c.code, c.on)
		assert.NotEmpty(t, u.Name, c.code)
		if c.active {
			assert.Equal(t, c.parent, u.ParentCode, "%s on %s", c.code, c.on)
			assert.Equal(t, c.top, u.TopCode, "%s on %s", c.code, c.on)
		}
		kids, err := queries.UnitChildren(ctx, db, c.code, c.on, nil)
		require.NoError(t, err, c.code)
		got := codes(kids)
		if c.code == "38" {
			// The merged communes' names are the merge events'; compare their codes only.
			for i := range got {
				if len(c.children[i]) == 5 {
					got[i] = got[i][:5]
				}
			}
		}
		assert.Equal(t, c.children, got, "%s on %s", c.code, c.on)
	}
	_, err := queries.UnitAt(ctx, db, "99999", after, nil)
	require.ErrorIs(t, err, queries.ErrUnknownUnit)
}
