package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
	"github.com/thanhhoa-ntm/ntm/warehouse/compaction"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// relations are what a derived state materializes or reads, each compared in full, and the
// same as known at each of the instants (commit instants) and just before each, between the
// commit before and it.
func relations(instants ...string) []string {
	out := []string{"event_chains", "event_facts(NULL, NULL)", "events_log", "admin_units",
		"unit_states(NULL)", "unit_scopes(NULL)", "indicators('2025', NULL)", "indicators('2024-Q3', NULL)"}
	for _, t := range events.Types() {
		out = append(out, fmt.Sprintf("effective('%s', NULL)", t), t.ViewName())
	}
	some := []events.Type{events.DossierCompleted, events.SurveyResponse, events.AdminUnitRegistered, events.EventRetracted}
	for _, commit := range instants {
		for i, at := range []string{"TIMESTAMPTZ '" + commit + "'", "TIMESTAMPTZ '" + commit + "' - INTERVAL 1 MICROSECOND"} {
			out = append(out, "event_facts(NULL, "+at+")", "unit_scopes("+at+")")
			// The indicators and every type at the commits, some types between them.
			types := events.Types()
			if i == 0 {
				out = append(out, "indicators('2025', "+at+")")
			} else {
				types = some
			}
			for _, t := range types {
				out = append(out, fmt.Sprintf("effective('%s', %s)", t, at), fmt.Sprintf("standing('%s', %s)", t, at))
			}
		}
	}
	return out
}

// refreshAndCompare opens a session built from the log, refreshes the derived state, opens it,
// and asserts that both answer the same in every relation; it returns what the refresh did.
func refreshAndCompare(t *testing.T, wh *warehouse.Warehouse, instants ...string) session.Refreshed {
	t.Helper()
	ctx := context.Background()
	scratch, ok := openSession(t, wh)
	require.False(t, ok, "no derived state of this snapshot yet")
	r, err := session.RefreshState(ctx, wh)
	require.NoError(t, err)
	db, ok := openSession(t, wh)
	require.True(t, ok)
	for _, rel := range relations(instants...) {
		q := "SELECT * FROM " + rel + " ORDER BY ALL"
		want := kit.Dump(t, scratch, q)
		if !assert.Equal(t, want, kit.Dump(t, db, q), "%s after a %s refresh", rel, r.How) {
			t.FailNow()
		}
	}
	return r
}

// TestIncrementalRefreshAnswersAsTheLog: a derived state brought forward commit after commit
// answers exactly as the log does, for known_at NULL and as known at each earlier commit, with
// events arriving in random order (corrections before the events they correct, retractions
// before their targets, chains merging), then after a compaction (which adds no events), and a
// state of another format is derived again.
func TestIncrementalRefreshAnswersAsTheLog(t *testing.T) {
	ctx := context.Background()
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:min(len(lines), 14000)]
	// The register first (units must exist before facts about them are scoped), the rest shuffled.
	rng := rand.New(rand.NewPCG(7, 9))
	head, rest := lines[:2000], lines[2000:]
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	dir := t.TempDir()
	addr := kit.StartBroker(t)
	wh, err := warehouse.Open(ctx, dir, true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	var corrections, retractions, early int
	var instants []string // the commit instant of each chunk: answers as known then
	for i, n := range []int{len(head), 4000, 4000, len(rest) - 8000} {
		var chunk [][]byte
		if i == 0 {
			chunk = head
		} else {
			chunk, rest = rest[:n], rest[n:]
		}
		kit.Produce(t, addr, chunk)
		_, err := ingest.Run(ctx, ingest.Config{Brokers: []string{addr}, Topics: []string{kit.Topic},
			Group: "g", Warehouse: wh, UntilCaughtUp: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		r := refreshAndCompare(t, wh, instants...)
		db, _ := openSession(t, wh)
		var at string
		require.NoError(t, db.QueryRowContext(ctx, "SELECT strftime(max(committed_at), '%Y-%m-%d %H:%M:%S.%f%z') FROM events_log").Scan(&at))
		instants = append(instants, at)
		if i == 0 {
			require.Equal(t, session.Full, r.How)
			continue
		}
		require.Equal(t, session.Incremental, r.How, r.Why)
		require.Positive(t, r.Added, "%+v", r)
		require.NotEmpty(t, r.Types)
		corrections = int(count(t, db, "SELECT count(*) FROM events_log WHERE superseded"))
		retractions = int(count(t, db, "SELECT count(*) FROM events_log WHERE retracted"))
		early = int(count(t, db, "SELECT count(*) FROM (SELECT event_id FROM event_chains GROUP BY event_id HAVING count(*) > 1)"))
	}
	require.Positive(t, early, "some corrections arrive before the events they correct")
	require.Positive(t, corrections, "the stream supersedes events")
	require.Positive(t, retractions, "and retracts some")

	// A compaction rewrites files and adds no events: nothing to redo but the file names.
	var res []compaction.Result
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	res, err = compaction.Run(ctx, wh, compaction.Options{
		MinFiles: 2,
		Merge: func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error) {
			return batch.Merge(ctx, mem, out, sources, meta)
		},
	})
	require.NoError(t, err)
	replaced := 0
	for _, r := range res {
		replaced += r.Replaced
	}
	require.Positive(t, replaced, "%+v", res)
	r := refreshAndCompare(t, wh, instants...)
	require.Equal(t, session.Incremental, r.How, r.Why)
	require.Zero(t, r.Added)
	require.Empty(t, r.Types)
	require.False(t, r.Hierarchy)
	mem.AssertSize(t, 0)

	// A state written by another version of ntm is not brought forward.
	old, err := sql.Open("duckdb", r.Path)
	require.NoError(t, err)
	_, err = old.Exec("UPDATE derived_snapshot SET format = 'another'")
	require.NoError(t, err)
	require.NoError(t, old.Close())
	kit.Produce(t, addr, kit.Fixture(t, "gov.ndjson"))
	_, err = ingest.Run(ctx, ingest.Config{Brokers: []string{addr}, Topics: []string{kit.Topic},
		Group: "g", Warehouse: wh, UntilCaughtUp: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	r = refreshAndCompare(t, wh)
	require.Equal(t, session.Full, r.How)
	require.Contains(t, r.Why, "another version")
}
