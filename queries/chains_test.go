package queries_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// response is a survey.response line of survey KS-1 (units.ndjson's commune 14758), recorded
// second seconds after 10:00 on 2024-05-10; corrects "" for none.
func response(id, corrects string, second, satisfaction int) []byte {
	c := ""
	if corrects != "" {
		c = fmt.Sprintf(`"corrects":%q,`, corrects)
	}
	rec := time.Date(2024, 5, 10, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600)).Add(time.Duration(second) * time.Second)
	return fmt.Appendf(nil, `{"event_id":%q,"event_type":"survey.response","schema_version":1,"occurred_at":"2024-05-10T09:00:00+07:00","recorded_at":%q,"source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"14758",%s"payload":{"survey_id":"KS-1","satisfaction":%d}}`,
		id, rec.Format(time.RFC3339), c, satisfaction)
}

func retraction(id, target string) []byte {
	return fmt.Appendf(nil, `{"event_id":%q,"event_type":"event.retracted","schema_version":1,"occurred_at":"2024-05-20T09:00:00+07:00","recorded_at":"2024-05-20T10:00:00+07:00","source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"14758","payload":{"event_id":%q,"reason":"nhập nhầm"}}`, id, target)
}

const survey = `{"event_id":"e-ks1","event_type":"survey.conducted","schema_version":1,"occurred_at":"2024-05-01T09:00:00+07:00","recorded_at":"2024-05-01T10:00:00+07:00","source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"14758","payload":{"survey_id":"KS-1","topic":"ntm_satisfaction","channel":"online","opened_on":"2024-05-01","closed_on":"2024-05-31"}}`

// chainLines is a chain of links corrections of "<name>-0": every member but the last is
// dissatisfied (1), the last satisfied (5), each recorded a second after the one it corrects.
func chainLines(name string, links int) [][]byte {
	out := [][]byte{response(name+"-0", "", 0, 1)}
	for i := 1; i <= links; i++ {
		sat := 1
		if i == links {
			sat = 5
		}
		out = append(out, response(fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%s-%d", name, i-1), i, sat))
	}
	return out
}

// satisfaction is soc.satisfaction_rate for May 2024 in the province: satisfied responses and
// responses, each fact once.
func satisfaction(t *testing.T, db *sql.DB, knownAt *time.Time) (num, den int64) {
	t.Helper()
	p, err := queries.ParsePeriod("2024-05")
	require.NoError(t, err)
	rows, err := queries.Indicators(context.Background(), db, p, knownAt)
	require.NoError(t, err)
	for _, r := range rows {
		if r.IndicatorID == "soc.satisfaction_rate" && r.ScopeCode == "38" {
			return fits(t, r.Numerator), fits(t, r.Denominator)
		}
	}
	t.Fatal("no soc.satisfaction_rate row for the province")
	return 0, 0
}

func queryInt(t *testing.T, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(query, args...).Scan(&n), query)
	return n
}

// Correction chains of any length count once, in their last form; retracting the original or a
// middle member retracts the whole fact; events_log holds each event once.
func TestCorrectionChains(t *testing.T) {
	f := newFixture(t)
	lines := append(readLines(t, "units.ndjson"), []byte(survey), response("plain", "", 0, 5))
	lengths := []int{1, 2, 11, 50, 1000}
	for _, n := range lengths {
		lines = append(lines, chainLines(fmt.Sprintf("c%d", n), n)...)
	}
	lines = append(lines, chainLines("ret-first", 3)...)
	lines = append(lines, retraction("x-ret-first", "ret-first-0"))
	lines = append(lines, chainLines("ret-middle", 3)...)
	lines = append(lines, retraction("x-ret-middle", "ret-middle-2"))
	f.ingestLines(t, lines)
	db := f.db(t)

	assert.Equal(t, int64(len(lines)), queryInt(t, db, "SELECT count(*) FROM events_log"))
	assert.Equal(t, int64(len(lines)), queryInt(t, db, "SELECT count(DISTINCT event_id) FROM events_log"), "one row per event")

	for _, n := range lengths {
		name := fmt.Sprintf("c%d", n)
		assert.Equal(t, int64(n), queryInt(t, db, "SELECT count(*) FROM events_log WHERE event_id LIKE ? AND superseded", name+"-%"),
			"%s: all but the last member are superseded", name)
		var standing, fact string
		require.NoError(t, db.QueryRow("SELECT event_id, fact_id FROM effective('survey.response', NULL) WHERE event_id LIKE ?", name+"-%").Scan(&standing, &fact))
		assert.Equal(t, fmt.Sprintf("%s-%d", name, n), standing, "%s: the last correction stands", name)
		assert.Equal(t, name+"-0", fact, "%s: the fact is rooted at the original", name)
	}
	for _, name := range []string{"ret-first", "ret-middle"} {
		assert.Zero(t, queryInt(t, db, "SELECT count(*) FROM effective('survey.response', NULL) WHERE event_id LIKE ?", name+"-%"), name)
		assert.Equal(t, int64(4), queryInt(t, db, "SELECT count(*) FROM events_log WHERE event_id LIKE ? AND retracted", name+"-%"), name)
	}

	num, den := satisfaction(t, db, nil)
	assert.Equal(t, int64(1+len(lengths)), den, "the plain response and each chain once")
	assert.Equal(t, int64(1+len(lengths)), num, "each chain in its last (satisfied) form")
}

// A correction that arrives before the event it corrects is a plain event until its target is
// stored; from then on the two are one fact, also for known_at instants between the commits.
func TestCorrectionBeforeItsTarget(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson")
	f.ingestLines(t, [][]byte{[]byte(survey), response("late-1", "late-0", 5, 5)})
	between := time.Now()
	time.Sleep(10 * time.Millisecond) // commit times are the clock's; keep them apart
	f.ingestLines(t, [][]byte{response("late-0", "", 0, 1)})
	db := f.db(t)

	num, den := satisfaction(t, db, &between)
	assert.Equal(t, [2]int64{1, 1}, [2]int64{num, den}, "before its target, the correction counts as a plain event")
	num, den = satisfaction(t, db, nil)
	assert.Equal(t, [2]int64{1, 1}, [2]int64{num, den}, "then the two are one fact, in the correction's form")

	var superseded bool
	require.NoError(t, db.QueryRow("SELECT superseded FROM event_status(NULL) WHERE event_id = 'late-0'").Scan(&superseded))
	assert.True(t, superseded)
	assert.Zero(t, queryInt(t, db, "SELECT count(*) FROM event_status(?::TIMESTAMPTZ) WHERE event_id = 'late-0'", between.UTC()), "not yet known")
	assert.Equal(t, int64(2), queryInt(t, db, "SELECT count(*) FROM events_log WHERE event_id LIKE 'late-%'"))
}

// An event stops standing at the commit that supersedes or retracts it, and not before: as
// known between the commits, the chain's last member stands until a retraction of its
// superseded original arrives, and an original until its correction arrives.
func TestStandingAsKnownBetweenCommits(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson")
	f.ingestLines(t, append([][]byte{[]byte(survey), response("r-0", "", 0, 1), response("r-1", "r-0", 1, 5)},
		response("s-0", "", 0, 1)))
	between := time.Now()
	time.Sleep(10 * time.Millisecond) // commit times are the clock's; keep them apart
	f.ingestLines(t, [][]byte{retraction("x-r-0", "r-0"), response("s-1", "s-0", 1, 5)})
	db := f.db(t)

	standing := func(at any) []string {
		rows, err := db.Query("SELECT event_id FROM standing('survey.response', ?::TIMESTAMPTZ) ORDER BY event_id", at)
		require.NoError(t, err)
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			require.NoError(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(t, rows.Err())
		return ids
	}
	assert.Equal(t, []string{"r-1", "s-0"}, standing(between.UTC()), "before the retraction and the correction")
	assert.Equal(t, []string{"s-1"}, standing(nil), "after them")
	assert.Equal(t, []string{"s-1"}, standing(time.Now().UTC()), "as known now")
}

// The indicators() macro and queries.Indicators (behind ntm indicators and the API) give every
// row the same value and verdict: one formatter, in SQL.
func TestIndicatorFormatterIsOne(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson", "gov.ndjson", "eco_soc.ndjson", "inf_fin.ndjson")
	db := f.db(t)
	rows := compute(t, db, "2025", nil)
	got, err := db.Query("SELECT indicator_id, scope_code, CAST(value AS VARCHAR), CAST(met AS VARCHAR) FROM indicators('2025', NULL)")
	require.NoError(t, err)
	defer got.Close()
	i := 0
	for got.Next() {
		var id, scope string
		var value, met sql.NullString
		require.NoError(t, got.Scan(&id, &scope, &value, &met))
		require.Less(t, i, len(rows))
		assert.Equal(t, [4]string{rows[i].IndicatorID, rows[i].ScopeCode, rows[i].Value, rows[i].Met},
			[4]string{id, scope, value.String, met.String})
		i++
	}
	require.NoError(t, got.Err())
	assert.Equal(t, len(rows), i)

	for _, c := range []struct {
		num, den int64
		want     string
	}{
		{1, 3, "0.333333"}, {2, 3, "0.666667"}, {1, 8, "0.125000"}, {1, 2_000_000, "0.000001"},
		{1, 2_000_001, "0.000000"}, {0, 5, "0.000000"}, {5, 5, "1.000000"}, {7, 2, "3.500000"},
		{9_000_000_000_000_000_000 / 1000, 3, "3000000000000000.000000"}, {5, 0, ""},
	} {
		var v sql.NullString
		require.NoError(t, db.QueryRow("SELECT CAST(ratio6(?::BIGINT, ?::BIGINT) AS VARCHAR)", c.num, c.den).Scan(&v))
		assert.Equal(t, c.want, v.String, "%d/%d", c.num, c.den)
	}
}
