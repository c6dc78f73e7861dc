package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The indicators of the small generated stream for 2025, in the CSV contract of INTERFACES.md,
// are those of the golden file (reviewed when written; -update rewrites it after a reviewed
// change of the definitions).
func TestIndicatorsGoldenSmallStream(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests the whole small stream")
	}
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	kit.Produce(t, addr, lines)
	dir := t.TempDir()
	code, out, errOut := ntm(t, "", "ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up")
	require.Equal(t, exitOK, code, out+errOut)

	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)

	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"indicator_id", "period", "scope_level", "scope_code", "numerator", "denominator", "value", "target", "met"}, recs[0])
	ids := map[string]bool{}
	tops := map[string]bool{}
	for i, r := range recs[1:] {
		ids[r[0]] = true
		if r[2] != "province" {
			// The period ends after the district level's abolition (2025-07-01): the units
			// directly below the province are the communes.
			assert.Equal(t, "commune", r[2], "scope level of %s", r[3])
			tops[r[3]] = true
		}
		if i > 0 {
			prev := recs[i]
			order := func(x []string) string {
				lvl := "1"
				if x[2] == "province" {
					lvl = "0"
				}
				return x[0] + "\x00" + lvl + "\x00" + x[3]
			}
			assert.Less(t, order(prev), order(r), "rows sorted by indicator, province first, then code")
		}
		if r[5] == "0" {
			assert.Empty(t, r[6], "no value without a denominator")
		} else {
			assert.Regexp(t, `^\d+\.\d{6}$`, r[6])
		}
		assert.Contains(t, []string{"true", "false", ""}, r[8])
	}
	assert.Len(t, ids, 20, "every indicator of DOMAIN.md")
	assert.Len(t, tops, 166, "the communes of NQ 1686")
	assert.Len(t, recs[1:], 20*(1+len(tops)), "the province and every commune for each indicator")

	golden := filepath.Join("testdata", "indicators_small_2025.csv")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(out), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run the test with -update to write the golden file")
	assert.Equal(t, string(want), out)

	// The effective-dated hierarchy replays the real 2025 reorganization: on 2025-07-01 Thanh
	// Hóa has 166 communes (147 xã, 19 phường), the day before 547 (452 xã, 63 phường, 32 thị trấn).
	for _, c := range []struct{ day, want string }{
		{"2025-06-30", "phường,63\nthị trấn,32\nxã,452\n"},
		{"2025-07-01", "phường,19\nxã,147\n"},
	} {
		code, out, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv",
			"SELECT kind, count(*) FROM units_at(DATE '"+c.day+"', NULL) WHERE level = 'commune' GROUP BY 1 ORDER BY 1")
		require.Equal(t, exitOK, code, errOut)
		assert.Equal(t, "kind,count_star()\n"+c.want, out, c.day)
	}

	// The same warehouse answers the same as of now: known-at after the last commit changes nothing.
	code, out2, errOut := ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv", "--known-at", "2100-01-01T00:00:00Z")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, out, out2)
	// A bare date means the end of that local day, so the same answer.
	code, out2, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv", "--known-at", "2100-01-01")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, out, out2)
	// Before anything was committed, nothing counts.
	code, out3, errOut := ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv", "--known-at", "2020-01-01T00:00:00Z")
	require.Equal(t, exitOK, code, errOut)
	assert.NotContains(t, out3, ",district,", "no unit was known in 2020, so no district scope")
	assert.NotContains(t, out3, ",commune,", "no unit was known in 2020, so no commune scope")
}

// Sums of VND past 2^63 print exactly: every digit in the table and the CSV, a JSON number (not
// a string, not a float's rounding) in the JSON, and the same digits in the ministry's report.
func TestIndicatorsPast2to63(t *testing.T) {
	addr := kit.StartBroker(t)
	kit.Produce(t, addr, append(kit.Fixture(t, "units.ndjson"), kit.FundingPast2to63()...))
	dir, reports := t.TempDir(), t.TempDir()
	code, out, errOut := ntm(t, "", "ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up")
	require.Equal(t, exitOK, code, out+errOut)
	num, den, rate := kit.DisbursedPast2to63, kit.AllocatedPast2to63, kit.RatePast2to63

	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	assert.Contains(t, recs, []string{"fin.disbursement_rate", "2025", "district", "381", num, den, rate, "", ""})
	assert.Contains(t, recs, []string{"fin.disbursement_rate", "2025", "province", "38", num, den, rate, "", ""})

	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var rows []map[string]any
	require.NoError(t, dec.Decode(&rows))
	found := 0
	for _, r := range rows {
		if r["indicator_id"] == "fin.disbursement_rate" && r["scope_code"] == "381" {
			found++
			assert.Equal(t, json.Number(num), r["numerator"], "a JSON number of every digit")
			assert.Equal(t, json.Number(den), r["denominator"], "a JSON number of every digit")
			assert.Equal(t, rate, r["value"])
		}
	}
	assert.Equal(t, 1, found)

	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025")
	require.Equal(t, exitOK, code, errOut)
	assert.Regexp(t, `fin\.disbursement_rate +2025 +district +381 +`+num+` +`+den+` +`+rate, out)

	code, _, errOut = ntm(t, "", "report", "--warehouse", dir, "--period", "2025", "--out", reports)
	require.Equal(t, exitOK, code, errOut)
	b, err := os.ReadFile(filepath.Join(reports, "ntm-report-38-2025-r1.csv"))
	require.NoError(t, err)
	assert.Contains(t, string(b), ",381,FIN_DISBURSEMENT_RATE,2025,"+rate+","+num+","+den+",,")
}

// The table a person reads says why a period after the abolition of the district level has
// commune scopes and empty district-level indicators; CSV stays data only, and a period before
// it has no note.
func TestIndicatorsTableSaysWhyDistrictsAreGone(t *testing.T) {
	addr := kit.StartBroker(t)
	kit.Produce(t, addr, kit.Fixture(t, "units.ndjson", "reorganization.ndjson"))
	dir := t.TempDir()
	code, out, errOut := ntm(t, "", "ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up")
	require.Equal(t, exitOK, code, out+errOut)

	const note = "The district level was abolished on 2025-07-01"
	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, note)
	assert.Contains(t, out, "Cấp huyện không còn từ 2025-07-01")
	assert.Regexp(t, `gov\.commune_ntm_8_4 +2025 +commune +16003 +1 +1 +1\.000000`, out)

	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)
	assert.NotContains(t, out, note, "CSV is data only")

	code, out, errOut = ntm(t, "", "indicators", "--warehouse", dir, "--period", "2025-Q2")
	require.Equal(t, exitOK, code, errOut)
	assert.NotContains(t, out, note)
	assert.Regexp(t, `gov\.district_ntm_9_5 +2025-Q2 +district +381 +1 +1 +1\.000000`, out)
}

// A period in which the warehouse holds no event says so in the table, so that its zeros are not
// read as results; CSV and JSON stay data only, and a period with events has no such note.
func TestIndicatorsTableSaysWhenAPeriodHasNoData(t *testing.T) {
	addr := kit.StartBroker(t)
	kit.Produce(t, addr, kit.Fixture(t, "units.ndjson", "reorganization.ndjson"))
	dir := t.TempDir()
	code, out, errOut := ntm(t, "", "ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up")
	require.Equal(t, exitOK, code, out+errOut)

	for _, tc := range []struct {
		period, knownAt string
		note            bool
	}{
		{"2019", "", true},
		// Only the register of units is dated in 2022-Q2 (a cooperative registered in 2022-Q1 stands).
		{"2022-Q2", "", true},
		{"2022", "", false},
		{"2025", "", false},
		// Nothing was known before the ingest.
		{"2025", "2020-01-01", true},
	} {
		t.Run(tc.period+" "+tc.knownAt, func(t *testing.T) {
			args := []string{"indicators", "--warehouse", dir, "--period", tc.period}
			if tc.knownAt != "" {
				args = append(args, "--known-at", tc.knownAt)
			}
			code, out, errOut := ntm(t, "", args...)
			require.Equal(t, exitOK, code, errOut)
			note := "The warehouse holds no event dated in " + tc.period + " (besides the register of administrative units)"
			if !tc.note {
				assert.NotContains(t, out, "no event dated")
				return
			}
			assert.Contains(t, out, note)
			assert.Contains(t, out, "Kho không có sự kiện nào trong kỳ "+tc.period)
			for _, format := range []string{"csv", "json"} {
				code, out, errOut = ntm(t, "", append(args, "--format", format)...)
				require.Equal(t, exitOK, code, errOut)
				assert.NotContains(t, out, "no event dated", "%s is data only", format)
			}
		})
	}
}
