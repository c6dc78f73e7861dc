package queries_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// The fixtures of these tests are small hand-built event sets in testdata/indicators, about a
// made-up province 38 (units.ndjson, every unit registered on 2022-01-01):
//
//	38 province
//	├── 380 thành phố: 14755 phường, 14758 xã (village 14758-001)
//	├── 381 huyện:     14800 xã (villages 14800-001, 14800-002), 14803 xã (14803-001), 14806 thị trấn
//	└── 382 huyện:     14850 xã (14850-001), 14853 xã (14853-001), 14856 xã (14856-001)
//
// So, until a merge: 6 communes of kind xã (380: 1, 381: 2, 382: 3), 3 district-level units,
// and 9 "communes + district-level units" (380: 2, 381: 3, 382: 4). Every expected number below
// is worked out by hand from DOMAIN.md; the comment of each case gives the arithmetic.

const fixtureDir = "testdata/indicators"

// indicatorIDs are DOMAIN.md's 20 indicators, in the order of the rows (byte order).
var indicatorIDs = []string{
	"eco.communes_coop_digital",
	"eco.districts_linkage_digital",
	"eco.raw_area_linkage_digital",
	"fin.disbursement_rate",
	"gov.commune_adv_15_2",
	"gov.commune_adv_8_4",
	"gov.commune_ntm_8_4",
	"gov.district_adv_6_5",
	"gov.district_adv_9_2",
	"gov.district_ntm_9_5",
	"gov.dossiers_online.commune",
	"gov.dossiers_online.district",
	"gov.dossiers_online.province",
	"gov.managers_trained",
	"inf.communes_free_wifi_one_stop",
	"inf.households_smartphone",
	"inf.villages_fixed_broadband",
	"pil.districts_with_smart_model",
	"soc.satisfaction_rate",
	"soc.units_service_and_survey",
}

// scopes are the scopes of every indicator in row order: the province, then the district-level
// units (none of the fixtures merges a district, so all three are active at every period's end).
var scopes = [4]struct{ level, code string }{{"province", "38"}, {"district", "380"}, {"district", "381"}, {"district", "382"}}

// cell is what one row says about one scope.
type cell struct {
	Num, Den   int64
	Value, Met string
}

// indicatorCase is one indicator in one period: its target and its cells for 38, 380, 381, 382.
type indicatorCase struct {
	period, id, target string
	want               [4]cell
}

// fits returns i as an int64: the hand-built fixtures' counts and sums all fit in one.
func fits(t *testing.T, i queries.Int) int64 {
	t.Helper()
	n, ok := i.Int64()
	require.True(t, ok, "%s fits in an int64", i)
	return n
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// readLines returns the non-blank lines of the fixture files, in order.
func readLines(t *testing.T, names ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		require.NoError(t, err)
		for _, l := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				out = append(out, l)
			}
		}
	}
	return out
}

// fixture is a broker and a warehouse that the fixture files are ingested into.
type fixture struct {
	addr string
	wh   *warehouse.Warehouse
	// refreshed counts the derived states db wrote: every one after the first must be brought
	// forward from the one before, not derived again from the log.
	refreshed int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	addr := kit.StartBroker(t)
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return &fixture{addr: addr, wh: wh}
}

// ingest produces the files' events and runs ingest until it has caught up with them. Every
// fixture line is a valid event, so nothing may reach the dead letters.
func (f *fixture) ingest(t *testing.T, names ...string) {
	t.Helper()
	f.ingestLines(t, readLines(t, names...))
	_, dead := kit.Counts(t, f.wh)
	require.Empty(t, dead, "every fixture line is a valid event")
}

// ingestLines produces lines and runs ingest until it has caught up with them.
func (f *fixture) ingestLines(t *testing.T, lines [][]byte) {
	t.Helper()
	kit.Produce(t, f.addr, lines)
	_, err := ingest.Run(context.Background(), ingest.Config{Brokers: []string{f.addr}, Topics: []string{kit.Topic},
		Group: "indicators", Warehouse: f.wh, UntilCaughtUp: true, Log: quiet()})
	require.NoError(t, err)
}

// db opens a DuckDB session on the warehouse's current snapshot, from its derived state
// (session.Refresh), after checking that the derived surface answers as a session built from
// the log does (sameSurface). compute and compute2 check the indicators on the session built
// from the log too (twins).
func (f *fixture) db(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	// No commit hook writes a derived state in these fixtures: the snapshot has none yet, so
	// this session derives everything from the log.
	scratch, _, err := session.Open(ctx, f.wh)
	require.NoError(t, err)
	t.Cleanup(func() { scratch.Close() })
	require.False(t, isDerived(t, scratch))
	r, err := session.RefreshState(ctx, f.wh)
	require.NoError(t, err)
	if f.refreshed > 0 && r.How != session.Kept {
		require.Equal(t, session.Incremental, r.How, "the state is brought forward: %s", r.Why)
	}
	f.refreshed++
	db, _, err := session.Open(ctx, f.wh)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.True(t, isDerived(t, db), "the session opens the snapshot's derived state")
	sameSurface(t, scratch, db)
	twins.Store(db, scratch)
	t.Cleanup(func() { twins.Delete(db) })
	return db
}

// twins maps each derived session of f.db to the session of the same snapshot built from the
// log.
var twins sync.Map

// isDerived reports whether the session reads a derived state.
func isDerived(t *testing.T, db *sql.DB) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(),
		"SELECT count(*) FROM duckdb_tables() WHERE table_name = 'derived_unit_scopes'").Scan(&n))
	return n > 0
}

// surface is every relation of the SQL surface that a derived state materializes or reads, and
// the effective events of every type.
func surface() []string {
	out := []string{"admin_units", "unit_states(NULL)", "unit_scopes(NULL)", "units_at(DATE '2025-12-31', NULL)",
		"unit_names(DATE '2025-12-31', NULL)", "districts_abolished(DATE '2025-12-31', NULL)",
		"event_chains", "events_log", "dead_letters", "indicators('2025', NULL)"}
	for _, typ := range events.Types() {
		out = append(out, typ.ViewName(), fmt.Sprintf("effective('%s', NULL)", typ), fmt.Sprintf("standing('%s', NULL)", typ))
	}
	return append(out, "event_facts(NULL, NULL)")
}

// sameSurface asserts that the two sessions hold the same rows in every relation of surface.
func sameSurface(t *testing.T, want, got *sql.DB) {
	t.Helper()
	for _, rel := range surface() {
		q := "SELECT * FROM " + rel + " ORDER BY ALL"
		assert.Equal(t, kit.Dump(t, want, q), kit.Dump(t, got, q), "%s: derived and from the log", rel)
	}
}

// fromLog runs queries.Indicators on the twin of a derived session and asserts it answers rows.
func fromLog(t *testing.T, db *sql.DB, p queries.Period, knownAt *time.Time, rows []queries.Row) {
	t.Helper()
	scratch, ok := twins.Load(db)
	if !ok {
		return
	}
	want, err := queries.Indicators(context.Background(), scratch.(*sql.DB), p, knownAt)
	require.NoError(t, err)
	require.Equal(t, want, rows, "%s at %v: derived and from the log", p, knownAt)
}

// compute runs queries.Indicators and checks the shape of its answer: the 20 indicators, each
// for the province and the three districts, sorted, all labelled with the period.
func compute(t *testing.T, db *sql.DB, period string, knownAt *time.Time) []queries.Row {
	t.Helper()
	p, err := queries.ParsePeriod(period)
	require.NoError(t, err)
	rows, err := queries.Indicators(context.Background(), db, p, knownAt)
	require.NoError(t, err)
	fromLog(t, db, p, knownAt, rows)
	if assert.Len(t, rows, len(indicatorIDs)*len(scopes), "period %s: 20 indicators × 4 scopes", period) {
		for i, r := range rows {
			s := scopes[i%len(scopes)]
			assert.Equal(t, [4]string{indicatorIDs[i/len(scopes)], period, s.level, s.code},
				[4]string{r.IndicatorID, r.Period, r.ScopeLevel, r.ScopeCode}, "row %d", i)
		}
	}
	return rows
}

// check asserts the cases on the rows of their period.
func check(t *testing.T, rows map[string][]queries.Row, cases []indicatorCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.period+"_"+c.id, func(t *testing.T) {
			byScope := map[string]queries.Row{}
			for _, r := range rows[c.period] {
				if r.IndicatorID == c.id {
					byScope[r.ScopeCode] = r
				}
			}
			for i, s := range scopes {
				r, ok := byScope[s.code]
				if !assert.True(t, ok, "no row for scope %s", s.code) {
					continue
				}
				assert.Equal(t, c.want[i], cell{fits(t, r.Numerator), fits(t, r.Denominator), r.Value, r.Met}, "%s %s scope %s", c.period, c.id, s.code)
				assert.Equal(t, c.target, r.Target, "%s %s scope %s: target", c.period, c.id, s.code)
			}
		})
	}
}

// computeAll computes, once each, the rows of every period the cases name.
func computeAll(t *testing.T, db *sql.DB, cases []indicatorCase) map[string][]queries.Row {
	t.Helper()
	rows := map[string][]queries.Row{}
	for _, c := range cases {
		if _, ok := rows[c.period]; !ok {
			rows[c.period] = compute(t, db, c.period, nil)
		}
	}
	return rows
}

// TestIndicators ingests each fixture once and checks its cases. gov.ndjson, eco_soc.ndjson and
// inf_fin.ndjson share no event type, so each decides its own indicators alone and one ingest
// (and one computation per period) serves the three.
func TestIndicators(t *testing.T) {
	for _, fx := range []struct {
		name  string
		files []string
		cases []indicatorCase
	}{
		{"base", []string{"units.ndjson", "gov.ndjson", "eco_soc.ndjson", "inf_fin.ndjson"},
			slices.Concat(govCases, ecoSocCases, infFinCases)},
		{"merge", []string{"units.ndjson", "merge.ndjson"}, mergeCases},
	} {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.ingest(t, fx.files...)
			check(t, computeAll(t, f.db(t), fx.cases), fx.cases)
		})
	}
}

// Short names for the cells of the cases.
const (
	T = "true"
	F = "false"
)

// gov.ndjson: online dossiers, the six criteria indicators and trained managers.
//
// Dossiers (level commune unless said; "on" = online):
//
//	HS-1  14800 (381) 2025-03-05 on
//	HS-2  14850 (382) completed 2024-12-31T20:00:00Z = 2025-01-01 local, off      (UTC midnight)
//	HS-3  14758 (380) received 2024-12-20, completed 2025-01-03, on; occurred_at is 2024-12-31,
//	      but the business date is completed_at
//	HS-4  14803 (381) completed 2024-12-15 off, completed again 2025-01-20 on (another event, not a
//	      correction): the latest over all time is 2025-01-20, so HS-4 is not in 2024 at all
//	HS-5  14853 (382) 2025-02-14 twice: on recorded 17:00+07:00 (10:00Z), off recorded 11:00Z:
//	      the later instant wins → off                                               (same-day tie)
//	HS-6  14856 (382) 2025-02-20 twice, recorded at one instant (10:00+07:00 = 03:00Z): on as
//	      g-hs6-a, off as g-hs6-b: the greater event_id wins → off             (tie on event_id)
//	HS-7  14758 (380) 2025-02-28: A off (recorded 10:00), B corrects A on (12:00), C corrects B off
//	      (11:00): B has the greatest recorded_at and stands → on               (correction chain)
//	HS-10 14800 (381) 2025-03-10: A on, B corrects A on, a retraction names A → the whole fact is
//	      gone                                                           (retraction of a member)
//	HS-11 14803 (381) 2025-06-06 on, the same event twice → once                       (duplicate)
//	HS-12 14758 (380) 2024-07-01 on
//	HS-13 14850 (382) completed 2024-12-31T16:59:59Z = 2024-12-31 23:59:59 local, off
//	HS-17 14899, a unit never registered, 2025-03-03 on: counts in no scope, not even the province
//	HS-18 14758 (380) 2025-03-20: A off recorded 16:00+07:00 (09:00Z), B corrects A on recorded
//	      10:00Z (17:00+07:00): B is the later instant and stands → on   (chain across offsets)
//	HS-8  level district, 381, 2025-04-10 on, corrects an event that never arrives → plain event
//	HS-9  level district, 380, 2025-05-05 on, corrects g-cr84-14758 (a criterion.assessed): a
//	      cross-type correction counts as a plain event, and its target still counts
//	HS-14 level district, 382, 2025-01-15 off
//	HS-15 level province, 38, 2025-02-02 on;  HS-16 level province, 38, 2024-10-10 off
//
// Criteria (met T/F, assessed_on):
//
//	commune_ntm 8.4: 14758 T 2024-06-01; 14800 F 2024-05-01, T 2025-02-01; 14803 T 2024-03-01,
//	  F 2025-05-10; 14850 on 2025-03-20 T recorded 16:00+07:00 and F recorded 10:00Z (17:00+07:00:
//	  F wins); 14853 T 2024-12-01; 14856 none; 14755 T 2024-01-10 (a phường: outside NTM criteria)
//	commune_ntm_advanced 8.4: 14758 T 2025-01-15; 14800 T 2025-06-01; 14850 F 2025-02-01
//	commune_ntm_advanced 15.2: 14803 T assessed_on 2025-03-31 (occurred_at is 2025-04-01 local:
//	  the business date is assessed_on); 14853 T 2025-04-01; 14856 T 2024-11-11, retracted
//	district_ntm 9.5: 380 T 2024-08-01; 381 T 2025-02-02; 382 F 2025-01-01
//	district_ntm_advanced 6.5: 381 T 2025-06-30;  9.2: 382 T 2025-12-31
//
// Managers (unit → scope):
//
//	p-001 38 reg 2022-03-01, DT training 2023-05-01
//	p-002 380 reg 2023-01-10, DT training 2022-11-20 (before registration: still counts)
//	p-003 381 reg 2023-02-01, training of topic "other" only
//	p-004 14800 (381) reg 2023-03-01, DT 2024-01-01, departed 2025-02-15
//	p-005 14850 (382) reg 2024-06-01, DT 2025-04-10
//	p-006 14853 (382) reg 2022-05-01, DT 2023-01-01, departed 2024-03-01, registered again at
//	      14758 (380) on 2025-01-10
//	p-008 382 reg 2022-01-05, DT 2022-02-01; on 2025-03-01 departed (recorded 09:00+07:00 =
//	      02:00Z) and registered again (recorded 03:00Z = 10:00+07:00): the registration is the
//	      later instant, so p-008 stays active (a same-day tie of lifecycle events)
var govCases = []indicatorCase{
	// 2024 commune dossiers: HS-12 (380, on) and HS-13 (382, off; 23:59:59 local on 12-31).
	// HS-2 is 2025-01-01 local; HS-4's latest completion is in 2025. 1/2; 380 1/1; 381 none; 382 0/1.
	{"2024", "gov.dossiers_online.commune", "0.70", [4]cell{{1, 2, "0.500000", F}, {1, 1, "1.000000", T}, {0, 0, "", ""}, {0, 1, "0.000000", F}}},
	// Month 2025-01: HS-2 (382 off, UTC midnight), HS-3 (380 on), HS-4 (381 on) → 2/3.
	{"2025-01", "gov.dossiers_online.commune", "0.70", [4]cell{{2, 3, "0.666667", F}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},
	// Quarter 2025-Q1: HS-1 on, HS-2 off, HS-3 on, HS-4 on, HS-5 off (tie), HS-6 off (tie), HS-7 on
	// (chain: B stands), HS-18 on (B stands); HS-10 retracted; HS-17 in no scope → 5/8 = 0.625.
	// 380: HS-3, HS-7, HS-18 3/3; 381: HS-1, HS-4 2/2; 382: HS-2, HS-5, HS-6 0/3.
	{"2025-Q1", "gov.dossiers_online.commune", "0.70", [4]cell{{5, 8, "0.625000", F}, {3, 3, "1.000000", T}, {2, 2, "1.000000", T}, {0, 3, "0.000000", F}}},
	// 2025: Q1's eight plus HS-11 (381, on, duplicated but counted once) → 6/9 = 0.666….
	{"2025", "gov.dossiers_online.commune", "0.70", [4]cell{{6, 9, "0.666667", F}, {3, 3, "1.000000", T}, {3, 3, "1.000000", T}, {0, 3, "0.000000", F}}},

	// No district-level dossier in 2024.
	{"2024", "gov.dossiers_online.district", "0.90", [4]cell{{0, 0, "", ""}, {0, 0, "", ""}, {0, 0, "", ""}, {0, 0, "", ""}}},
	// Q1: only HS-14 (382, off) → 0/1.
	{"2025-Q1", "gov.dossiers_online.district", "0.90", [4]cell{{0, 1, "0.000000", F}, {0, 0, "", ""}, {0, 0, "", ""}, {0, 1, "0.000000", F}}},
	// 2025: HS-8 (381 on: its corrected event never arrives), HS-9 (380 on: cross-type
	// correction), HS-14 (382 off) → 2/3.
	{"2025", "gov.dossiers_online.district", "0.90", [4]cell{{2, 3, "0.666667", F}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},

	// Province-level dossiers are at unit 38, in no district scope. 2024: HS-16 off → 0/1.
	{"2024", "gov.dossiers_online.province", "1.00", [4]cell{{0, 1, "0.000000", F}, {0, 0, "", ""}, {0, 0, "", ""}, {0, 0, "", ""}}},
	// 2025-01: HS-15 is on 02-02, outside the month → nothing.
	{"2025-01", "gov.dossiers_online.province", "1.00", [4]cell{{0, 0, "", ""}, {0, 0, "", ""}, {0, 0, "", ""}, {0, 0, "", ""}}},
	// 2025: HS-15 on → 1/1.
	{"2025", "gov.dossiers_online.province", "1.00", [4]cell{{1, 1, "1.000000", T}, {0, 0, "", ""}, {0, 0, "", ""}, {0, 0, "", ""}}},

	// commune_ntm 8.4 at 2024-12-31: 14758 T, 14800 F, 14803 T, 14850 none, 14853 T, 14856 none
	// (14755 is a phường: in neither part) → 3/6; 380 1/1; 381 1/2; 382 1/3.
	{"2024", "gov.commune_ntm_8_4", "0.98", [4]cell{{3, 6, "0.500000", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {1, 3, "0.333333", F}}},
	// At 2025-01-31 nothing changed yet (14800's T is 02-01) → 3/6 as in 2024.
	{"2025-01", "gov.commune_ntm_8_4", "0.98", [4]cell{{3, 6, "0.500000", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {1, 3, "0.333333", F}}},
	// At 2025-03-31: 14800 now T; 14850's same-day tie goes to F (recorded 10:00Z is later than
	// 16:00+07:00) → 14758, 14800, 14803, 14853 = 4/6; 381 2/2; 382 1/3.
	{"2025-Q1", "gov.commune_ntm_8_4", "0.98", [4]cell{{4, 6, "0.666667", F}, {1, 1, "1.000000", T}, {2, 2, "1.000000", T}, {1, 3, "0.333333", F}}},
	// At 2025-12-31: 14803 F since 05-10 → 14758, 14800, 14853 = 3/6. 14758's assessment counts
	// although HS-9 names it in a cross-type `corrects`.
	{"2025", "gov.commune_ntm_8_4", "0.98", [4]cell{{3, 6, "0.500000", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {1, 3, "0.333333", F}}},

	// commune_ntm_advanced 8.4: none by 2024-12-31 → 0/6.
	{"2024", "gov.commune_adv_8_4", "0.75", [4]cell{{0, 6, "0.000000", F}, {0, 1, "0.000000", F}, {0, 2, "0.000000", F}, {0, 3, "0.000000", F}}},
	// At 2025-03-31: 14758 T; 14850 F; 14800's is in June → 1/6.
	{"2025-Q1", "gov.commune_adv_8_4", "0.75", [4]cell{{1, 6, "0.166667", F}, {1, 1, "1.000000", T}, {0, 2, "0.000000", F}, {0, 3, "0.000000", F}}},
	// At 2025-12-31: 14758, 14800 → 2/6; 381 1/2.
	{"2025", "gov.commune_adv_8_4", "0.75", [4]cell{{2, 6, "0.333333", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {0, 3, "0.000000", F}}},

	// commune_ntm_advanced 15.2 in 2024: 14856's assessment is retracted → 0/6.
	{"2024", "gov.commune_adv_15_2", "0.75", [4]cell{{0, 6, "0.000000", F}, {0, 1, "0.000000", F}, {0, 2, "0.000000", F}, {0, 3, "0.000000", F}}},
	// At 2025-03-31: 14803 (assessed_on 03-31, though occurred_at is 04-01 local) → 1/6; 381 1/2.
	{"2025-Q1", "gov.commune_adv_15_2", "0.75", [4]cell{{1, 6, "0.166667", F}, {0, 1, "0.000000", F}, {1, 2, "0.500000", F}, {0, 3, "0.000000", F}}},
	// At 2025-12-31: 14803, 14853 → 2/6; 381 1/2; 382 1/3.
	{"2025", "gov.commune_adv_15_2", "0.75", [4]cell{{2, 6, "0.333333", F}, {0, 1, "0.000000", F}, {1, 2, "0.500000", F}, {1, 3, "0.333333", F}}},

	// district_ntm 9.5 at 2024-12-31: 380 T → 1/3; each district scope is itself, 1 unit.
	{"2024", "gov.district_ntm_9_5", "0.60", [4]cell{{1, 3, "0.333333", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}}},
	// At 2025-03-31: 380 T, 381 T (02-02), 382 F → 2/3 = 0.666… ≥ 0.60.
	{"2025-Q1", "gov.district_ntm_9_5", "0.60", [4]cell{{2, 3, "0.666667", T}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},
	{"2025", "gov.district_ntm_9_5", "0.60", [4]cell{{2, 3, "0.666667", T}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},

	// district_ntm_advanced 6.5: 381 T on 2025-06-30, so 0/3 at 2025-03-31 and 1/3 at year end
	// (0.333… < 0.40).
	{"2025-Q1", "gov.district_adv_6_5", "0.40", [4]cell{{0, 3, "0.000000", F}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}}},
	{"2025", "gov.district_adv_6_5", "0.40", [4]cell{{1, 3, "0.333333", F}, {0, 1, "0.000000", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},

	// district_ntm_advanced 9.2: 382 T on 2025-12-31, the period's last day: 1/3 ≥ 0.30.
	{"2025-Q1", "gov.district_adv_9_2", "0.30", [4]cell{{0, 3, "0.000000", F}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}}},
	{"2025", "gov.district_adv_9_2", "0.30", [4]cell{{1, 3, "0.333333", T}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}, {1, 1, "1.000000", T}}},

	// Managers at 2024-12-31: active p-001 (38, DT), p-002 (380, DT before registration),
	// p-003 (381, no DT), p-004 (381, DT), p-005 (382, DT only in 2025), p-008 (382, DT); p-006
	// departed → 4/6; 380 1/1; 381 1/2; 382 1/2.
	{"2024", "gov.managers_trained", "1.00", [4]cell{{4, 6, "0.666667", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {1, 2, "0.500000", F}}},
	// At 2025-01-31: p-004 not yet departed; p-006 active again at 14758 (380) with its 2023
	// training → active 7, trained p-001, p-002, p-004, p-006, p-008 = 5/7; 380 2/2; 381 1/2; 382 1/2.
	{"2025-01", "gov.managers_trained", "1.00", [4]cell{{5, 7, "0.714286", F}, {2, 2, "1.000000", T}, {1, 2, "0.500000", F}, {1, 2, "0.500000", F}}},
	// At 2025-03-31: p-004 departed (not counted at all); p-008's departure and registration on
	// 03-01 tie, the registration is later → active. Active p-001, p-002, p-003, p-005, p-006,
	// p-008; trained p-001, p-002, p-006, p-008 → 4/6; 380 2/2; 381 0/1; 382 1/2.
	{"2025-Q1", "gov.managers_trained", "1.00", [4]cell{{4, 6, "0.666667", F}, {2, 2, "1.000000", T}, {0, 1, "0.000000", F}, {1, 2, "0.500000", F}}},
	// At 2025-12-31: p-005 trained on 04-10 → 5/6; 382 2/2.
	{"2025", "gov.managers_trained", "1.00", [4]cell{{5, 6, "0.833333", F}, {2, 2, "1.000000", T}, {0, 1, "0.000000", F}, {2, 2, "1.000000", T}}},
}

// eco_soc.ndjson: cooperatives, linkage models, online services and surveys, smart models and
// satisfaction responses.
//
//	Cooperatives: HTX-1 14758 reg 2022, digital 2024-02-01. HTX-2 14800 reg 2023, digital
//	  2023-06-01, dissolved 2025-02-01. HTX-3 14803 reg 2025-03-15, digital 2025-03-01 (adopted
//	  before registration: counts once active). HTX-4 14850 no adoption. HTX-5 14853 digital
//	  2025-05-05. HTX-6 14755 (a phường) digital: outside the denominator.
//	Linkage models: LK-1 380 raw, reg 2022, digital 2024-04-01. LK-2 381 raw, reg 2023, no
//	  adoption. LK-3 381 not raw, reg 2025-02-01, digital 2025-06-01. LK-4 382 raw, reg
//	  2025-08-01, digital 2025-01-20. LK-9: an adoption (unit 382) of a model never registered.
//	Services / surveys: DV-1 + KS-1 (ntm, online, 2024-05-01) at 14758. DV-2 at 381 launched
//	  2024-01-01, withdrawn 2025-03-01, KS-2 (ntm, online, 2024-02-01) at 381. DV-3 + KS-3 (ntm,
//	  offline) at 14800. DV-4 + KS-4 (topic other, online) at 14850. DV-5 at 382 launched
//	  2025-02-01, KS-5 (ntm, online) at 382 opened 2025-04-01. DV-6 at 380, no survey at 380.
//	Responses (unit, satisfaction, local date): r1 14758 5 2024-05-10 (sent twice), r2 14758 3
//	  2024-05-11, r3 14758 4 2025-01-05 (KS-1); r4 381 4 2024-02-10, r5 381 2 2024-12-31T18:00Z =
//	  2025-01-01 (KS-2); r6 14850 5 2025-02-01 (KS-4, topic other); r7 14800 4 2025-02-02 (KS-3,
//	  offline but ntm); r8 14853 5 2025-04-05, r9 14758 1 2025-04-06 (both KS-5, a survey of 382:
//	  each response counts where its own unit is); r11 village 14853-001 (382) 4 2025-04-07 (KS-5);
//	  r10 14850 5 to KS-99, never conducted.
//	Smart models: TM-1 at village 14758-001, approved 2024-06-01. TM-2 at 14803, approved
//	  2025-03-10. TM-3 at 14856-001, never approved. TM-4 at 14850, its approval retracted.
var ecoSocCases = []indicatorCase{
	// At 2024-12-31: 14758 (HTX-1), 14800 (HTX-2) → 2/6; 380 1/1; 381 1/2; 382 0/3.
	{"2024", "eco.communes_coop_digital", "0.70", [4]cell{{2, 6, "0.333333", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {0, 3, "0.000000", F}}},
	// At 2025-03-31: HTX-2 dissolved, so 14800 no longer counts; HTX-3 active at 14803 with an
	// adoption dated before its registration → 14758, 14803 = 2/6; 381 1/2.
	{"2025-Q1", "eco.communes_coop_digital", "0.70", [4]cell{{2, 6, "0.333333", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {0, 3, "0.000000", F}}},
	// At 2025-12-31: + 14853 (HTX-5) → 3/6; 382 1/3.
	{"2025", "eco.communes_coop_digital", "0.70", [4]cell{{3, 6, "0.500000", F}, {1, 1, "1.000000", T}, {1, 2, "0.500000", F}, {1, 3, "0.333333", F}}},

	// At 2024-12-31 and 2025-03-31: only 380 (LK-1) → 1/3. LK-9 was never registered.
	{"2024", "eco.districts_linkage_digital", "0.70", [4]cell{{1, 3, "0.333333", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}}},
	{"2025-Q1", "eco.districts_linkage_digital", "0.70", [4]cell{{1, 3, "0.333333", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}}},
	// At 2025-12-31: 380 (LK-1), 381 (LK-3), 382 (LK-4, adopted before its registration) → 3/3.
	{"2025", "eco.districts_linkage_digital", "0.70", [4]cell{{3, 3, "1.000000", T}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}}},

	// Raw-material models registered by 2024-12-31: LK-1 (digital), LK-2 → 1/2 ≥ 0.50; 382 has none.
	{"2024", "eco.raw_area_linkage_digital", "0.50", [4]cell{{1, 2, "0.500000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {0, 0, "", ""}}},
	{"2025-Q1", "eco.raw_area_linkage_digital", "0.50", [4]cell{{1, 2, "0.500000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {0, 0, "", ""}}},
	// At 2025-12-31: LK-1, LK-2, LK-4 registered; LK-1 and LK-4 digital → 2/3 (LK-3 is not raw).
	{"2025", "eco.raw_area_linkage_digital", "0.50", [4]cell{{2, 3, "0.666667", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {1, 1, "1.000000", T}}},

	// Units with an active service and an online ntm survey, both at the unit, out of 9
	// (380: 2, 381: 3, 382: 4). At 2024-12-31: 14758 and 381 → 2/9. 380 has a service but its
	// survey is KS-1 of 14758; 14800's survey is offline; 14850's is of topic other.
	{"2024", "soc.units_service_and_survey", "0.40", [4]cell{{2, 9, "0.222222", F}, {1, 2, "0.500000", T}, {1, 3, "0.333333", F}, {0, 4, "0.000000", F}}},
	// At 2025-03-31: DV-2 withdrawn → 381 out; 382's survey opens 04-01 → 1/9.
	{"2025-Q1", "soc.units_service_and_survey", "0.40", [4]cell{{1, 9, "0.111111", F}, {1, 2, "0.500000", T}, {0, 3, "0.000000", F}, {0, 4, "0.000000", F}}},
	// At 2025-12-31: 14758, 382 → 2/9; 382 scope 1/4.
	{"2025", "soc.units_service_and_survey", "0.40", [4]cell{{2, 9, "0.222222", F}, {1, 2, "0.500000", T}, {0, 3, "0.000000", F}, {1, 4, "0.250000", F}}},

	// At 2024-12-31: 380 (TM-1 at village 14758-001) → 1/3.
	{"2024", "pil.districts_with_smart_model", "1.00", [4]cell{{1, 3, "0.333333", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}, {0, 1, "0.000000", F}}},
	// At 2025-03-31 and 2025-12-31: + 381 (TM-2); 382's only approval is retracted → 2/3.
	{"2025-Q1", "pil.districts_with_smart_model", "1.00", [4]cell{{2, 3, "0.666667", F}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},
	{"2025", "pil.districts_with_smart_model", "1.00", [4]cell{{2, 3, "0.666667", F}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},

	// Satisfaction in 2024: r1 (5, once although sent twice), r2 (3), r4 (4) → 2/3; 380 r1, r2
	// 1/2; 381 r4 1/1. r5 is 2025-01-01 local. No target.
	{"2024", "soc.satisfaction_rate", "", [4]cell{{2, 3, "0.666667", ""}, {1, 2, "0.500000", ""}, {1, 1, "1.000000", ""}, {0, 0, "", ""}}},
	// 2025-Q1: r3 (4, 380), r5 (2, 381), r7 (4, 381); r6 (topic other) and r10 (unknown survey)
	// do not count → 2/3; 380 1/1; 381 1/2.
	{"2025-Q1", "soc.satisfaction_rate", "", [4]cell{{2, 3, "0.666667", ""}, {1, 1, "1.000000", ""}, {1, 2, "0.500000", ""}, {0, 0, "", ""}}},
	// 2025: + r8 (5, 14853 → 382), r9 (1, 14758 → 380: the response's own unit), r11 (4, a
	// village of 14853 → 382) → r3, r7, r8, r11 of 6 = 4/6; 380 r3, r9 1/2; 381 1/2; 382 2/2.
	{"2025", "soc.satisfaction_rate", "", [4]cell{{4, 6, "0.666667", ""}, {1, 2, "0.500000", ""}, {1, 2, "0.500000", ""}, {2, 2, "1.000000", ""}}},
}

// inf_fin.ndjson: household surveys, connectivity, Wi-Fi hotspots and funding.
//
//	Household surveys (households / with_smartphone): 14758-001 2024-06-01 100/80, 2025-06-01
//	  100/90. 14800-001 2024-03-01 50/40. 14800-002 two on 2025-02-10: 60/30 recorded
//	  15:00+07:00, 60/45 recorded 09:00Z (16:00+07:00, later) → 60/45 (same-day tie). 14803-001
//	  2025-03-01 40/40. 14850-001 two on 2024-11-01 recorded at one instant (12:00+07:00 = 05:00Z):
//	  i-hh-14850-a 200/100, i-hh-14850-b 200/150 → b (greater event_id). 14853-001 2025-09-01 80/20.
//	Connectivity (fixed_broadband): 14758-001 F 2024-05-01, T 2025-05-01. 14800-001 T 2024-01-01.
//	  14803-001 T 2025-01-15 corrected (recorded a day later) to F. 14850-001 F 2025-10-01.
//	Wi-Fi: WF-1 14758 one-stop free 2024-03-01; WF-2 village 14800-001 one-stop free 2025-02-01;
//	  WF-3 14803 one-stop not free; WF-4 14850 cultural house; WF-5 14853 one-stop free
//	  2025-06-01; WF-6 14755 (a phường) one-stop free; WF-7 village 14850-001 one-stop free at
//	  2025-03-31T17:30Z = 2025-04-01 00:30 local (a stock fact at UTC midnight).
//	Allocated: A1 38 FY2025 1 000 000 000 dated 2024-12-15; A2 381 FY2025 128 000 000; A3 14850
//	  (382) FY2025 500 000 000 dated 2025-09-01; A4 380 FY2024 300 000 000.
//	Disbursed: D1 38 FY2025 400 000 000 2025-02-01; D2 381 FY2025 1 000 000 2025-03-15; D3 14850
//	  FY2025 250 000 000 2025-10-01; D4 380 FY2024 150 000 000 dated 2025-01-20; D5 380 FY2024
//	  100 000 000 2024-06-01; D6 14758 (380) FY2025 20 000 000 at 2025-03-31T18:00Z = 04-01 local.
var infFinCases = []indicatorCase{
	// At 2024-12-31: 14758-001 80/100, 14800-001 40/50, 14850-001 150/200 (event_id tie) →
	// 270/350 = 0.7714285… → 0.771429.
	{"2024", "inf.households_smartphone", "1.00", [4]cell{{270, 350, "0.771429", F}, {80, 100, "0.800000", F}, {40, 50, "0.800000", F}, {150, 200, "0.750000", F}}},
	// At 2025-03-31: + 14800-002 45/60 (recorded_at tie across offsets), 14803-001 40/40 →
	// 355/450 = 0.78888… ; 381: 40+45+40 / 50+60+40 = 125/150.
	{"2025-Q1", "inf.households_smartphone", "1.00", [4]cell{{355, 450, "0.788889", F}, {80, 100, "0.800000", F}, {125, 150, "0.833333", F}, {150, 200, "0.750000", F}}},
	// Month 2025-07, at 07-31: 14758-001's latest is now 90/100 → 365/450 = 0.81111….
	{"2025-07", "inf.households_smartphone", "1.00", [4]cell{{365, 450, "0.811111", F}, {90, 100, "0.900000", F}, {125, 150, "0.833333", F}, {150, 200, "0.750000", F}}},
	// At 2025-12-31: + 14853-001 20/80 → 385/530 = 0.7264150…; 382 170/280 = 0.6071428….
	{"2025", "inf.households_smartphone", "1.00", [4]cell{{385, 530, "0.726415", F}, {90, 100, "0.900000", F}, {125, 150, "0.833333", F}, {170, 280, "0.607143", F}}},

	// Villages with a report by 2024-12-31: 14758-001 (F), 14800-001 (T) → 1/2. No target.
	{"2024", "inf.villages_fixed_broadband", "", [4]cell{{1, 2, "0.500000", ""}, {0, 1, "0.000000", ""}, {1, 1, "1.000000", ""}, {0, 0, "", ""}}},
	// At 2025-03-31: + 14803-001, whose report is corrected to F → 1/3; 381 1/2.
	{"2025-Q1", "inf.villages_fixed_broadband", "", [4]cell{{1, 3, "0.333333", ""}, {0, 1, "0.000000", ""}, {1, 2, "0.500000", ""}, {0, 0, "", ""}}},
	// At 2025-07-31: 14758-001's latest is T → 2/3.
	{"2025-07", "inf.villages_fixed_broadband", "", [4]cell{{2, 3, "0.666667", ""}, {1, 1, "1.000000", ""}, {1, 2, "0.500000", ""}, {0, 0, "", ""}}},
	// At 2025-12-31: + 14850-001 F → 2/4.
	{"2025", "inf.villages_fixed_broadband", "", [4]cell{{2, 4, "0.500000", ""}, {1, 1, "1.000000", ""}, {1, 2, "0.500000", ""}, {0, 1, "0.000000", ""}}},

	// Free one-stop-shop Wi-Fi by 2024-12-31: 14758 → 1/6 (WF-3 not free, WF-4 another site,
	// WF-6 at a phường).
	{"2024", "inf.communes_free_wifi_one_stop", "", [4]cell{{1, 6, "0.166667", ""}, {1, 1, "1.000000", ""}, {0, 2, "0.000000", ""}, {0, 3, "0.000000", ""}}},
	// At 2025-03-31: + 14800 through its village 14800-001 → 2/6 (WF-7 is 04-01 local).
	{"2025-Q1", "inf.communes_free_wifi_one_stop", "", [4]cell{{2, 6, "0.333333", ""}, {1, 1, "1.000000", ""}, {1, 2, "0.500000", ""}, {0, 3, "0.000000", ""}}},
	// At 2025-07-31 and 2025-12-31: + 14853, + 14850 through its village (WF-7) → 4/6; 382 2/3.
	{"2025-07", "inf.communes_free_wifi_one_stop", "", [4]cell{{4, 6, "0.666667", ""}, {1, 1, "1.000000", ""}, {1, 2, "0.500000", ""}, {2, 3, "0.666667", ""}}},
	{"2025", "inf.communes_free_wifi_one_stop", "", [4]cell{{4, 6, "0.666667", ""}, {1, 1, "1.000000", ""}, {1, 2, "0.500000", ""}, {2, 3, "0.666667", ""}}},

	// 2024 (Y=2024): allocated A4 300 000 000; disbursed by 2024-12-31 D5 100 000 000 (D4 is
	// dated 2025-01-20) → 1/3, all at 380.
	{"2024", "fin.disbursement_rate", "", [4]cell{{100000000, 300000000, "0.333333", ""}, {100000000, 300000000, "0.333333", ""}, {0, 0, "", ""}, {0, 0, "", ""}}},
	// 2025-Q1 (Y=2025): allocated A1+A2+A3 = 1 628 000 000, whatever their dates; disbursed by
	// 03-31: D1+D2 = 401 000 000 (D6 is 04-01 local) → 0.24631449… . 381: 1 000 000 /
	// 128 000 000 = 0.0078125 exactly → half-up 0.007813. 380: nothing; 382: 0 / 500 000 000.
	{"2025-Q1", "fin.disbursement_rate", "", [4]cell{{401000000, 1628000000, "0.246314", ""}, {0, 0, "", ""}, {1000000, 128000000, "0.007813", ""}, {0, 500000000, "0.000000", ""}}},
	// 2025-07: + D6 → 421 000 000 / 1 628 000 000 = 0.25859950… → 0.258600; 380 has a
	// disbursement but no FY2025 allocation: 20 000 000 / 0, empty value.
	{"2025-07", "fin.disbursement_rate", "", [4]cell{{421000000, 1628000000, "0.258600", ""}, {20000000, 0, "", ""}, {1000000, 128000000, "0.007813", ""}, {0, 500000000, "0.000000", ""}}},
	// 2025: + D3 → 671 000 000 / 1 628 000 000 = 0.41216216…; 382 250 000 000 / 500 000 000.
	{"2025", "fin.disbursement_rate", "", [4]cell{{671000000, 1628000000, "0.412162", ""}, {20000000, 0, "", ""}, {1000000, 128000000, "0.007813", ""}, {250000000, 500000000, "0.500000", ""}}},
}

// merge.ndjson: two commune merges with business date 2025-07-01.
//
//	M1: 14800 + 14803 → 14800 (continues under its own code, parent 381).
//	M2: 14853 + 14856 → 14859 (a new unit, parent 380: it moves to another district).
//
// From 2025-07-01 the communes of kind xã are 14758, 14859 (380), 14800 (381), 14850 (382):
// 4 communes (380: 2, 381: 1, 382: 1), and 7 communes + district-level units (380: 3, 381: 2,
// 382: 2). Before, the usual 6 and 9.
//
//	commune_ntm 8.4: 14800, 14803, 14853, 14856 T on 2024-05-01; 14850 F; 14859 T on 2025-11-01.
//	Cooperatives: HTX-M1 at 14856 (digital 2023), HTX-M2 at 14803 (digital 2024).
//	Households: 14853-001 100/60 (2025-01-01), 14758-001 50/50 (2024-01-01).
//	Dossiers at 14856 (commune level): HS-M1 2025-03-10 on; HS-M2 2025-08-10 off (after the merge).
//	Service DV-M1 at 14853 (2024), online ntm survey KS-M1 at 14856 (2024).
//	Free one-stop Wi-Fi at village 14803-001 (2024). Manager p-m01 at 14856, trained in 2023.
var mergeCases = []indicatorCase{
	// At 2025-06-30 (before the merges): 14800, 14803, 14853, 14856 T; 14850 F; 14758 none →
	// 4/6; 380 0/1; 381 2/2; 382 2/3.
	{"2025-Q2", "gov.commune_ntm_8_4", "0.98", [4]cell{{4, 6, "0.666667", F}, {0, 1, "0.000000", F}, {2, 2, "1.000000", T}, {2, 3, "0.666667", F}}},
	// At 2025-09-30: 14800 continues under its own code and keeps its assessment; 14803's does
	// not pass to 14800; 14859 is a new unit without an assessment yet (those of 14853 and 14856
	// stay with them) → 1/4; 380 (14758, 14859) 0/2; 381 1/1; 382 0/1.
	{"2025-Q3", "gov.commune_ntm_8_4", "0.98", [4]cell{{1, 4, "0.250000", F}, {0, 2, "0.000000", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},
	// At 2025-12-31: 14859 has its own assessment (11-01) → 2/4; 380 1/2.
	{"2025", "gov.commune_ntm_8_4", "0.98", [4]cell{{2, 4, "0.500000", F}, {1, 2, "0.500000", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},

	// Cooperatives follow merges. At 2025-06-30: 14803 (381), 14856 (382) → 2/6.
	{"2025-Q2", "eco.communes_coop_digital", "0.70", [4]cell{{2, 6, "0.333333", F}, {0, 1, "0.000000", F}, {1, 2, "0.500000", F}, {1, 3, "0.333333", F}}},
	// At 2025-12-31: HTX-M2 counts for 14800 (381), HTX-M1 for 14859 (380) → 2/4; 380 1/2;
	// 381 1/1; 382 0/1.
	{"2025", "eco.communes_coop_digital", "0.70", [4]cell{{2, 4, "0.500000", F}, {1, 2, "0.500000", F}, {1, 1, "1.000000", T}, {0, 1, "0.000000", F}}},

	// At 2025-06-30: 14758-001 50/50 (380), 14853-001 60/100 (382) → 110/150.
	{"2025-Q2", "inf.households_smartphone", "1.00", [4]cell{{110, 150, "0.733333", F}, {50, 50, "1.000000", T}, {0, 0, "", ""}, {60, 100, "0.600000", F}}},
	// At 2025-12-31: village 14853-001's commune was merged into 14859, under 380 → 380 110/150.
	{"2025", "inf.households_smartphone", "1.00", [4]cell{{110, 150, "0.733333", F}, {110, 150, "0.733333", F}, {0, 0, "", ""}, {0, 0, "", ""}}},

	// Flow, units resolved at each dossier's date: HS-M1 (03-10) at 14856 → 382, on; HS-M2
	// (08-10) at 14856, merged away by then → 14859 → 380, off → 1/2; 380 0/1; 382 1/1.
	{"2025", "gov.dossiers_online.commune", "0.70", [4]cell{{1, 2, "0.500000", F}, {0, 1, "0.000000", F}, {0, 0, "", ""}, {1, 1, "1.000000", T}}},
	// 2025-Q3: HS-M2 only → 0/1 at 380.
	{"2025-Q3", "gov.dossiers_online.commune", "0.70", [4]cell{{0, 1, "0.000000", F}, {0, 1, "0.000000", F}, {0, 0, "", ""}, {0, 0, "", ""}}},

	// At 2025-06-30 the service (14853) and the survey (14856) are at different units → 0/9
	// (380 0/2, 381 0/3, 382 0/4).
	{"2025-Q2", "soc.units_service_and_survey", "0.40", [4]cell{{0, 9, "0.000000", F}, {0, 2, "0.000000", F}, {0, 3, "0.000000", F}, {0, 4, "0.000000", F}}},
	// At 2025-12-31 both follow the merge into 14859 (380) → 1/7; 380 1/3; 381 0/2; 382 0/2.
	{"2025", "soc.units_service_and_survey", "0.40", [4]cell{{1, 7, "0.142857", F}, {1, 3, "0.333333", F}, {0, 2, "0.000000", F}, {0, 2, "0.000000", F}}},

	// Wi-Fi at village 14803-001: at 2025-06-30 it is 14803's → 1/6 (381 1/2); at 2025-12-31 the
	// village's commune was merged into 14800 → 1/4 (381 1/1).
	{"2025-Q2", "inf.communes_free_wifi_one_stop", "", [4]cell{{1, 6, "0.166667", ""}, {0, 1, "0.000000", ""}, {1, 2, "0.500000", ""}, {0, 3, "0.000000", ""}}},
	{"2025", "inf.communes_free_wifi_one_stop", "", [4]cell{{1, 4, "0.250000", ""}, {0, 2, "0.000000", ""}, {1, 1, "1.000000", ""}, {0, 1, "0.000000", ""}}},

	// Manager p-m01 at 14856: in 382 at 2025-06-30, in 380 (through 14859) at 2025-12-31.
	{"2025-Q2", "gov.managers_trained", "1.00", [4]cell{{1, 1, "1.000000", T}, {0, 0, "", ""}, {0, 0, "", ""}, {1, 1, "1.000000", T}}},
	{"2025", "gov.managers_trained", "1.00", [4]cell{{1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 0, "", ""}, {0, 0, "", ""}}},
}

// TestIndicatorsKnownAt ingests part 1, notes T1, then ingests part 2 (a correction, a
// retraction, a correction of a criterion and a duplicate). Rows known at T1 are the rows
// computed before part 2, exactly; the current rows change as worked out below.
//
//	Part 1: dossiers (commune level, 2025-02) HS-K1 14758 off, HS-K2 14800 on, HS-K3 14850 on;
//	  commune_ntm 8.4 of 14758 F on 2025-03-01; a household survey of village 14800-001 with
//	  2 000 000 households, 1 999 999 with a smartphone.
//	Part 2: HS-K1 corrected to on; HS-K3 retracted; the 14758 assessment corrected to T;
//	  HS-K2 sent again.
func TestIndicatorsKnownAt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.ingest(t, "units.ndjson", "knownat_1.ndjson")
	before := compute(t, f.db(t), "2025", nil)
	t1 := time.Now()
	// Iceberg records commit times in milliseconds: part 2 must commit in a later millisecond.
	time.Sleep(5 * time.Millisecond)

	f.ingest(t, "knownat_2.ndjson")
	db := f.db(t)
	known := compute(t, db, "2025", &t1)
	require.Equal(t, before, known, "the rows as known at T1 are the rows computed at T1")
	now := compute(t, db, "2025", nil)

	check(t, map[string][]queries.Row{"2025": before}, []indicatorCase{
		// At T1: HS-K1 off (380), HS-K2 on (381), HS-K3 on (382) → 2/3.
		{"2025", "gov.dossiers_online.commune", "0.70", [4]cell{{2, 3, "0.666667", F}, {0, 1, "0.000000", F}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}}},
		// At T1: 14758 F → 0/6.
		{"2025", "gov.commune_ntm_8_4", "0.98", [4]cell{{0, 6, "0.000000", F}, {0, 1, "0.000000", F}, {0, 2, "0.000000", F}, {0, 3, "0.000000", F}}},
		// 1 999 999 / 2 000 000 = 0.9999995 rounds half-up to 1.000000, but met compares the
		// exact ratio with 1.00: false. Part 2 leaves it unchanged.
		{"2025", "inf.households_smartphone", "1.00", [4]cell{{1999999, 2000000, "1.000000", F}, {0, 0, "", ""}, {1999999, 2000000, "1.000000", F}, {0, 0, "", ""}}},
	})
	changed := []indicatorCase{
		// Now: HS-K1 on (the correction), HS-K2 on (once), HS-K3 retracted → 2/2; 382 has none.
		{"2025", "gov.dossiers_online.commune", "0.70", [4]cell{{2, 2, "1.000000", T}, {1, 1, "1.000000", T}, {1, 1, "1.000000", T}, {0, 0, "", ""}}},
		// Now: 14758 T (the correction) → 1/6; 380 1/1.
		{"2025", "gov.commune_ntm_8_4", "0.98", [4]cell{{1, 6, "0.166667", F}, {1, 1, "1.000000", T}, {0, 2, "0.000000", F}, {0, 3, "0.000000", F}}},
	}
	check(t, map[string][]queries.Row{"2025": now}, changed)

	// Every other row is the same as at T1.
	if assert.Len(t, now, len(before)) {
		for i := range now {
			if id := now[i].IndicatorID; id != "gov.dossiers_online.commune" && id != "gov.commune_ntm_8_4" {
				assert.Equal(t, before[i], now[i], "row %d", i)
			}
		}
	}
}

// Sums of VND past 2^63 stay exact through indicator_values, period_indicators, indicators()
// and queries.Indicators: fin.disbursement_rate of one district whose allocations of one year
// pass the BIGINT range (they overflowed a BIGINT cast). The province holds the same sums, the
// other districts none.
func TestIndicatorsPast2to63(t *testing.T) {
	f := newFixture(t)
	f.ingestLines(t, append(readLines(t, "units.ndjson"), kit.FundingPast2to63()...))
	db := f.db(t)
	rows := compute(t, db, "2025", nil)
	type exact struct{ Num, Den, Value, Met string }
	want := map[string]exact{
		"38":  {kit.DisbursedPast2to63, kit.AllocatedPast2to63, kit.RatePast2to63, ""},
		"380": {"0", "0", "", ""},
		"381": {kit.DisbursedPast2to63, kit.AllocatedPast2to63, kit.RatePast2to63, ""},
		"382": {"0", "0", "", ""},
	}
	got := map[string]exact{}
	for _, r := range rows {
		if r.IndicatorID == "fin.disbursement_rate" {
			got[r.ScopeCode] = exact{r.Numerator.String(), r.Denominator.String(), r.Value, r.Met}
		}
	}
	assert.Equal(t, want, got)

	// The SQL surface says the same: the macro's columns are HUGEINT, their digits exact.
	var num, den, typ string
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT CAST(numerator AS VARCHAR), CAST(denominator AS VARCHAR),
		typeof(numerator) || ' ' || typeof(denominator) FROM indicators('2025', NULL)
		WHERE indicator_id = 'fin.disbursement_rate' AND scope_code = '381'`).Scan(&num, &den, &typ))
	assert.Equal(t, []string{kit.DisbursedPast2to63, kit.AllocatedPast2to63, "HUGEINT HUGEINT"}, []string{num, den, typ})
}
