package ingest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh
}

func config(addr, group string, wh *warehouse.Warehouse) ingest.Config {
	return ingest.Config{Brokers: []string{addr}, Topics: []string{kit.Topic}, Group: group,
		Warehouse: wh, UntilCaughtUp: true, Log: quiet(), OnCommit: session.DBFileHook(wh)}
}

func runUntilCaughtUp(t *testing.T, cfg ingest.Config) ingest.Stats {
	t.Helper()
	st, err := ingest.Run(context.Background(), cfg)
	require.NoError(t, err)
	return st
}

// The whole small stream: every valid event once per type, every bad line once per reason,
// and the warehouse verifies; an Iceberg reader that is not our code (iceberg-go's own scan of
// the table, found by name in the catalog) sees the same rows as DuckDB.
func TestIngestSmallStream(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, st := kit.Stream(t, generate.Small, 0.01)
	kit.Produce(t, addr, lines)
	wh := openWarehouse(t)

	reg := prometheus.NewPedanticRegistry()
	cfg := config(addr, "g", wh)
	cfg.Registerer = reg
	stats := runUntilCaughtUp(t, cfg)
	assert.Equal(t, int64(len(lines)), stats.Records)
	assert.Equal(t, st.Duplicates, stats.Duplicates)

	wantEv, wantDl := kit.Expected(st)
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)
	kit.RequireIntact(t, wh)

	// Ingest's own metrics say what the tables received.
	var events, dead int64
	for _, n := range wantEv {
		events += n
	}
	for _, n := range wantDl {
		dead += n
	}
	assert.Equal(t, float64(len(lines)), counter(t, reg, "ntm_ingest_records_total", nil))
	assert.Equal(t, float64(events), counter(t, reg, "ntm_ingest_rows_committed_total", map[string]string{"table": warehouse.EventsLog}))
	assert.Equal(t, float64(dead), counter(t, reg, "ntm_ingest_rows_committed_total", map[string]string{"table": warehouse.DeadLetters}))
	assert.Equal(t, float64(st.Duplicates), counter(t, reg, "ntm_ingest_duplicates_total", nil))
	assert.Equal(t, float64(stats.Commits), counter(t, reg, "ntm_ingest_commits_total", nil))
	for reason, n := range wantDl {
		assert.Equal(t, float64(n), counter(t, reg, "ntm_ingest_rejected_total", map[string]string{"reason": reason}), reason)
	}

	// iceberg-go reads the table by name from the catalog, with its own scan planning and
	// Parquet reader.
	tbl, err := wh.Catalog().LoadTable(context.Background(), warehouse.Ident(warehouse.EventsLog))
	require.NoError(t, err)
	perType := map[string]int64{}
	_, itr, err := tbl.Scan(table.WithSelectedFields("event_type")).ToArrowRecords(context.Background())
	require.NoError(t, err)
	for rec, err := range itr {
		require.NoError(t, err)
		col := rec.Column(0)
		for i := range int(rec.NumRows()) {
			perType[col.ValueStr(i)]++
		}
		rec.Release()
	}
	assert.Equal(t, wantEv, perType)
}

// Ingest, stop, more events arrive, ingest again: the second run resumes where the tables
// stand, and the result is the whole stream once.
func TestRestartResumes(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:60000]
	wh := openWarehouse(t)

	kit.Produce(t, addr, lines[:25000])
	first := runUntilCaughtUp(t, config(addr, "g", wh))
	assert.Equal(t, int64(25000), first.Records)
	ev, dl := kit.Judged(lines[:25000])
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, ev, gotEv)
	require.Equal(t, dl, gotDl)

	kit.Produce(t, addr, lines[25000:])
	second := runUntilCaughtUp(t, config(addr, "g", wh))
	assert.Equal(t, int64(35000), second.Records, "the second run reads only what the first did not store")
	ev, dl = kit.Judged(lines)
	gotEv, gotDl = kit.Counts(t, wh)
	require.Equal(t, ev, gotEv)
	require.Equal(t, dl, gotDl)
	kit.RequireIntact(t, wh)
}

// Redelivery stores nothing twice: a new group (whose Kafka offsets start at the beginning)
// resumes from the tables and adds nothing; the whole stream produced again adds no event,
// only dead letters for its bad lines (each a new input at a new offset).
func TestRedeliveryStoresNothingNew(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:40000]
	wh := openWarehouse(t)
	kit.Produce(t, addr, lines)
	runUntilCaughtUp(t, config(addr, "g", wh))
	ev, dl := kit.Judged(lines)

	again := runUntilCaughtUp(t, config(addr, "another-group", wh))
	assert.Zero(t, again.Accepted)
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, ev, gotEv)
	require.Equal(t, dl, gotDl)

	kit.Produce(t, addr, lines)
	third := runUntilCaughtUp(t, config(addr, "g", wh))
	assert.Zero(t, third.Accepted, "every event of the second delivery is already stored")
	gotEv, gotDl = kit.Counts(t, wh)
	require.Equal(t, ev, gotEv)
	// Each bad line is a new input at a new offset and is rejected once more; a conflicting
	// variant conflicts again with the stored event, and the stored variant is a duplicate.
	for reason, n := range dl {
		assert.Equal(t, 2*n, gotDl[reason], reason)
	}
	kit.RequireIntact(t, wh)
}

// Two ingest processes in one group share the partitions and give the same result as one.
func TestTwoIngestersShareTheGroup(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, st := kit.Stream(t, generate.Small, 0.01)
	kit.Produce(t, addr, lines)
	wh := openWarehouse(t)

	var wg sync.WaitGroup
	stats := make([]ingest.Stats, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := config(addr, "shared", wh)
			cfg.FlushBytes = 2 << 20
			stats[i], errs[i] = ingest.Run(context.Background(), cfg)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	t.Logf("records: %d + %d, stale batches: %d + %d", stats[0].Records, stats[1].Records, stats[0].Stale, stats[1].Stale)

	wantEv, wantDl := kit.Expected(st)
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)
	kit.RequireIntact(t, wh)
}

// A reader polling while ingest commits sees only committed states: counts never go down,
// and every state it sees is a whole number of flushes (the rows it reads are exactly what the
// snapshot's summary says its commits added).
func TestReadersSeeOnlyCommittedStates(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	if os.Getenv("NTM_RELIABILITY") != "full" {
		lines = lines[:60000]
	}
	// A first run leaves the database file for outside clients (the hook runs once more after
	// the last commit), so that the reader below finds it while the second run commits: the
	// hook's next run during ingest may come later than a short run lasts, since it waits
	// several times its own duration.
	first := len(lines) / 6
	kit.Produce(t, addr, lines[:first])
	wh := openWarehouse(t)
	runUntilCaughtUp(t, config(addr, "g", wh))
	require.FileExists(t, wh.DBFile())
	kit.Produce(t, addr, lines[first:])
	start := time.Now()

	ctx, cancel := context.WithCancel(context.Background())
	var seen, fileCounts []int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			db, snap, err := session.Open(context.Background(), wh)
			if !assert.NoError(t, err) {
				return
			}
			var n int64
			err = db.QueryRow("SELECT count(*) FROM events_log_data").Scan(&n)
			db.Close()
			if !assert.NoError(t, err) {
				return
			}
			var want int64
			for _, f := range snap.Tables[warehouse.EventsLog].Files {
				want += f.Records
			}
			assert.Equal(t, want, n, "the rows read are those of the pinned snapshot")
			// The DuckDB file for outside clients opens while ingest runs, read-only, and holds
			// a committed state no newer than the tables'.
			if f, err := sql.Open("duckdb", wh.DBFile()+"?access_mode=read_only"); err == nil {
				var m int64
				if err := f.QueryRow("SELECT count(*) FROM events_log_data").Scan(&m); err == nil {
					assert.LessOrEqual(t, m, n)
					fileCounts = append(fileCounts, m)
				} else {
					assert.ErrorContains(t, err, "does not exist", "only a missing file (before the first commit) is excused")
				}
				f.Close()
			}
			if len(seen) > 0 {
				assert.GreaterOrEqual(t, n, seen[len(seen)-1], "counts never go backwards")
			}
			seen = append(seen, n)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	cfg := config(addr, "g", wh)
	cfg.FlushBytes = 1 << 20
	st := runUntilCaughtUp(t, cfg)
	cancel()
	<-done
	assert.Greater(t, st.Commits, int64(5))
	distinct := map[int64]bool{}
	for _, n := range seen {
		distinct[n] = true
	}
	t.Logf("%d commits, the reader saw %d states (%d distinct)", st.Commits, len(seen), len(distinct))
	assert.Greater(t, len(distinct), 2, "the reader ran while ingest committed")
	assert.NotEmpty(t, fileCounts, "the database file was read during ingest")
	for i := 1; i < len(fileCounts); i++ {
		assert.GreaterOrEqual(t, fileCounts[i], fileCounts[i-1], "the database file never goes back")
	}
	fig, _ := json.Marshal(map[string]any{"section": "readers", "records": len(lines), "commits": st.Commits,
		"reads": len(seen), "distinct_states": len(distinct), "db_file_reads": len(fileCounts),
		"seconds": time.Since(start).Seconds()})
	t.Logf("RELIABILITY %s", fig)
}

// counter is the value of the counter name with labels in reg, as a scrape would show it.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if len(got) == len(labels) && (len(got) == 0 || maps.Equal(got, labels)) {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no counter %s%v", name, labels)
	return 0
}

// `ntm validate` (ndjson.Tally) and ingest judge a line alike: every dead letter ingest stored
// has the reason, field and message the Tally gives the same line (after the first delivery
// of its event_id, for a conflicting duplicate). Both call events.Judge; this holds them to it.
func TestValidateAndIngestGiveOneVerdict(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.05)
	lines = lines[:12000]
	wh := openWarehouse(t)
	kit.Produce(t, addr, lines)
	runUntilCaughtUp(t, config(addr, "g", wh))

	first := map[string][]byte{} // event_id → the first line with that id the judge accepts
	for _, l := range lines {
		if ev, err := events.Decode(l); err == nil {
			if _, ok := first[ev.ID]; !ok {
				first[ev.ID] = l
			}
		}
	}
	snap, err := wh.Current(context.Background())
	require.NoError(t, err)
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT reason, message, coalesce(field, ''), raw FROM " +
		warehouse.ParquetSource(snap.Tables[warehouse.DeadLetters].Files))
	require.NoError(t, err)
	defer rows.Close()
	reasons := map[string]int{}
	for rows.Next() {
		var reason, message, field string
		var raw []byte
		require.NoError(t, rows.Scan(&reason, &message, &field, &raw))
		reasons[reason]++
		tl := ndjson.NewTally()
		if events.Reason(reason) == events.ConflictingDuplicate {
			ev, err := events.Decode(raw)
			require.NoError(t, err, "a conflicting duplicate is a valid event")
			require.Contains(t, first, ev.ID)
			tl.Add(first[ev.ID], 1)
		}
		tl.Add(raw, 2)
		want, ok := tl.Examples[events.Reason(reason)]
		if !assert.True(t, ok, "validate rejects the line ingest rejected for %s: %.200q", reason, raw) {
			continue
		}
		assert.Equal(t, want.Message, message, "%s: %.200q", reason, raw)
		assert.Equal(t, want.Field, field, "%s: %.200q", reason, raw)
	}
	require.NoError(t, rows.Err())
	assert.Greater(t, len(reasons), 8, "the stream's bad lines cover many reasons: %v", reasons)
	assert.Positive(t, reasons[string(events.ConflictingDuplicate)], "and conflicting duplicates")
}

// A record that carries the event gateway's verdict in its headers is a dead letter as the
// gateway judged it, with the line's bytes and origin from the headers and the record's Kafka
// origin; the headers can only reject, whatever the value holds.
func TestGatewayVerdictsAreDeadLetters(t *testing.T) {
	addr := kit.StartBroker(t)
	valid := kit.Fixture(t, "units.ndjson")[0]
	verdict := func(reason events.Reason, raw string, line int64) []kgo.RecordHeader {
		v := events.Verdict{Rejection: events.Rejection{Reason: reason, Field: "unit_code", Message: "refused by the gateway"},
			EventID: "ev-1", EventType: "training.completed", Raw: []byte(raw), Origin: events.GatewayOrigin("xa-15814", "15814"), Line: line}
		var hs []kgo.RecordHeader
		for _, h := range v.Headers() {
			hs = append(hs, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		return hs
	}
	tests := []struct {
		name    string
		rec     *kgo.Record
		reason  string
		raw     string
		message string
	}{
		{"a line the gateway refused", &kgo.Record{Value: []byte{}, Headers: verdict(events.ForbiddenUnit, `{"event_id":"ev-1"}`, 3)},
			"forbidden_unit", `{"event_id":"ev-1"}`, "refused by the gateway"},
		{"a not_json line", &kgo.Record{Value: []byte{}, Headers: verdict(events.NotJSON, "not json", 4)}, "not_json", "not json", "refused by the gateway"},
		{"a valid event under a verdict stays rejected", &kgo.Record{Value: valid, Headers: verdict(events.Forbidden, string(valid), 5)},
			"forbidden", string(valid), "refused by the gateway"},
		{"a reason of no one's is stored as forbidden", &kgo.Record{Value: []byte{}, Headers: verdict("accepted", "x", 6)},
			"forbidden", "x", `unknown reason "accepted"`},
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(kit.Topic))
	require.NoError(t, err)
	defer cl.Close()
	for _, tt := range tests {
		tt.rec.Key = []byte("15814") // one partition, so that the rows keep the table's order
		require.NoError(t, cl.ProduceSync(context.Background(), tt.rec).FirstErr())
	}
	wh := openWarehouse(t)
	st := runUntilCaughtUp(t, config(addr, "g", wh))
	require.Zero(t, st.Accepted)

	evs, _ := kit.Counts(t, wh)
	require.Empty(t, evs, "no header makes a record an event")
	dead := kit.DeadLetters(t, wh)
	require.Len(t, dead, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dead[i]
			require.Equal(t, tt.reason, d.Reason)
			require.Contains(t, d.Message, tt.message)
			require.Equal(t, tt.raw, string(d.Raw))
			require.Equal(t, "unit_code", d.Field)
			require.Equal(t, "ev-1", d.EventID)
			require.Equal(t, "training.completed", d.EventType)
			require.Equal(t, "gateway:xa-15814@15814", d.SourceFile)
			require.Equal(t, int64(3+i), d.Line)
			require.Equal(t, kit.Topic, d.Topic)
			require.Equal(t, int64(i), d.Offset)
		})
	}
}
