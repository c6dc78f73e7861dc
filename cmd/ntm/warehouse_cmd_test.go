package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// ingested is a warehouse holding the first lines of the small stream, ingested by ntm ingest.
func ingested(t *testing.T, n int) (string, map[string]int64, map[string]int64) {
	t.Helper()
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:n]
	kit.Produce(t, addr, lines)
	dir := t.TempDir()
	var out bytes.Buffer
	code := run(context.Background(), []string{"ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up"}, nil, &out, &out)
	require.Equal(t, exitOK, code, out.String())
	ev, dl := kit.Judged(lines)
	return dir, ev, dl
}

func TestSQLAndVerify(t *testing.T) {
	dir, ev, dl := ingested(t, 20000)

	code, out, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv",
		"SELECT event_type, count(*) AS n FROM events_log GROUP BY 1 ORDER BY 1")
	require.Equal(t, exitOK, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"event_type", "n"}, recs[0])
	got := map[string]int64{}
	for _, r := range recs[1:] {
		var n int64
		require.NoError(t, json.Unmarshal([]byte(r[1]), &n))
		got[r[0]] = n
	}
	assert.Equal(t, ev, got)

	code, out, errOut = ntm(t, "", "sql", "--warehouse", dir, "--format", "json",
		"SELECT reason, count(*) AS n, min(octet_length(raw)) > 0 AS has_raw, bool_and(topic IS NOT NULL AND \"offset\" >= 0) AS has_origin FROM dead_letters GROUP BY 1 ORDER BY 1")
	require.Equal(t, exitOK, code, errOut)
	var rows []struct {
		Reason    string `json:"reason"`
		N         int64  `json:"n"`
		HasRaw    bool   `json:"has_raw"`
		HasOrigin bool   `json:"has_origin"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	gotDl := map[string]int64{}
	for _, r := range rows {
		gotDl[r.Reason] = r.N
		assert.True(t, r.HasRaw, r.Reason)
		assert.True(t, r.HasOrigin, r.Reason)
	}
	assert.Equal(t, dl, gotDl)

	code, out, _ = ntm(t, "", "sql", "--warehouse", dir, "SELECT count(*) AS n FROM events_log WHERE business_date IS NULL")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "(1 rows)")

	// Read-only: no files outside the warehouse, no writes, no settings.
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"COPY (SELECT 1) TO '" + filepath.Join(t.TempDir(), "x.csv") + "'",
		"SET enable_external_access = true",
		"ATTACH '" + filepath.Join(t.TempDir(), "x.db") + "'",
		// Inside the warehouse too: nothing may write over its files.
		"COPY (SELECT 1) TO '" + filepath.Join(dir, "iceberg", "x.csv") + "'",
		"EXPORT DATABASE '" + filepath.Join(dir, "export") + "'",
		"CREATE TABLE t AS SELECT 1",
	} {
		code, _, errOut = ntm(t, "", "sql", "--warehouse", dir, q)
		assert.Equal(t, exitFailure, code, q)
		assert.NotEmpty(t, errOut, q)
	}

	code, out, errOut = ntm(t, "", "verify", "--warehouse", dir)
	require.Equal(t, exitOK, code, out+errOut)
	assert.Contains(t, out, "OK")

	// A file left in the data folder by a writer that is gone is an orphan; a committed file
	// that disappears is missing. verify lists both and fails.
	wh, err := warehouse.Open(context.Background(), dir, false)
	require.NoError(t, err)
	snap, err := wh.Current(context.Background())
	require.NoError(t, err)
	wh.Close()
	victim := snap.Tables[warehouse.EventsLog].Files[0].Path
	require.NoError(t, os.Remove(victim))
	orphan := filepath.Join(dir, "iceberg", "ntm", "events_log", "data", "event_type=survey.response", "0123456789abcdef-000001.parquet")
	require.NoError(t, os.WriteFile(orphan, []byte("PAR1"), 0o644))
	code, out, errOut = ntm(t, "", "verify", "--warehouse", dir)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "missing_file "+victim)
	assert.Contains(t, out, "orphan_file "+orphan)
	assert.Contains(t, errOut, "integrity problems")
}

func TestSQLWithoutWarehouse(t *testing.T) {
	code, _, errOut := ntm(t, "", "sql", "--warehouse", t.TempDir(), "SELECT 1")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "ntm ingest")
	code, _, _ = ntm(t, "", "sql", "SELECT 1")
	assert.Equal(t, exitUsage, code)
}

// The warehouse's DuckDB file opens read-only in a plain DuckDB client and has every view of
// the SQL surface, each with its comment, over the committed state.
func TestDuckDBFileForClients(t *testing.T) {
	dir, ev, _ := ingested(t, 5000)
	db, err := sql.Open("duckdb", filepath.Join(dir, "ntm.duckdb")+"?access_mode=read_only")
	require.NoError(t, err)
	defer db.Close()
	var total int64
	require.NoError(t, db.QueryRow("SELECT count(*) FROM events_log").Scan(&total))
	var want int64
	for _, n := range ev {
		want += n
	}
	assert.Equal(t, want, total)

	rows, err := db.Query("SELECT view_name, coalesce(comment, '') FROM duckdb_views() WHERE NOT internal ORDER BY 1")
	require.NoError(t, err)
	views := map[string]string{}
	for rows.Next() {
		var name, comment string
		require.NoError(t, rows.Scan(&name, &comment))
		views[name] = comment
	}
	require.NoError(t, rows.Err())
	for _, name := range []string{"events_log", "dead_letters", "admin_units", "dossier_completed", "criterion_assessed", "event_retracted"} {
		require.Contains(t, views, name)
		assert.NotEmpty(t, views[name], name)
	}
	var uncommented int64
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM duckdb_columns() c JOIN duckdb_views() v
		ON v.view_name = c.table_name AND NOT v.internal WHERE c.comment IS NULL`).Scan(&uncommented))
	assert.Zero(t, uncommented, "every column of every view has a comment")
	var indicators int64
	require.NoError(t, db.QueryRow("SELECT count(*) FROM indicators('2024', NULL)").Scan(&indicators))
	assert.Positive(t, indicators)
}

// A warehouse folder can be moved: ntm verify and ntm sql work on it where it is now, with the
// same answers, and the first of them rebuilds the DuckDB file, whose views named the old
// folder, so that clients read it again.
func TestMovedWarehouse(t *testing.T) {
	dir, ev, _ := ingested(t, 3000)
	var want int64
	for _, n := range ev {
		want += n
	}
	const q = "SELECT event_type, count(*) AS n FROM events_log GROUP BY 1 ORDER BY 1"
	code, before, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv", q)
	require.Equal(t, exitOK, code, errOut)

	moved := filepath.Join(t.TempDir(), "elsewhere")
	require.NoError(t, os.Rename(dir, moved))
	clientCount := func() (int64, error) {
		db, err := sql.Open("duckdb", filepath.Join(moved, "ntm.duckdb")+"?access_mode=read_only")
		require.NoError(t, err)
		defer db.Close()
		var n int64
		err = db.QueryRow("SELECT count(*) FROM events_log").Scan(&n)
		return n, err
	}
	_, err := clientCount()
	require.Error(t, err, "the DuckDB file still names the old folder")

	code, out, errOut := ntm(t, "", "verify", "--warehouse", moved)
	require.Equal(t, exitOK, code, out+errOut)
	assert.Contains(t, out, "OK")
	n, err := clientCount()
	require.NoError(t, err)
	assert.Equal(t, want, n)

	code, after, errOut := ntm(t, "", "sql", "--warehouse", moved, "--format", "csv", q)
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, before, after)
}

// ntm ingest leaves the derived state of the snapshot it committed (its commit hook runs ntm
// refresh as a process of its own, whose log is ingest's), ntm refresh writes it again and
// names it, and ntm sql answers from it as from the log.
func TestRefresh(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	kit.Produce(t, addr, lines[:3000])
	dir := t.TempDir()
	log, err := child(nil, "ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up").CombinedOutput()
	require.NoError(t, err, string(log))
	assert.Contains(t, string(log), "msg=refreshed how=full", "the refresh ran as ntm refresh")
	assert.FileExists(t, filepath.Join(dir, "ntm.duckdb"), "and wrote the clients' file")
	states, err := filepath.Glob(filepath.Join(dir, "derived", "*.duckdb"))
	require.NoError(t, err)
	require.Len(t, states, 1, "the commit hook wrote the derived state")
	const q = "SELECT event_type, count(*) AS n FROM events_log GROUP BY 1 UNION ALL SELECT 'units', count(*) FROM admin_units ORDER BY 1"
	code, derived, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv", q)
	require.Equal(t, exitOK, code, errOut)

	code, out, errOut := ntm(t, "", "refresh", "--warehouse", dir)
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, states[0]+"\n", out)

	require.NoError(t, os.Remove(states[0]))
	code, fromLog, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv", q)
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, fromLog, derived)

	code, _, _ = ntm(t, "", "refresh")
	assert.Equal(t, exitUsage, code)
}
