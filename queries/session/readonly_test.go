package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// files lists everything under dir with its size and modification time.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprintf("%v %d %d", info.IsDir(), info.Size(), info.ModTime().UnixNano())
		return nil
	}))
	return out
}

// TestCheckReadOnly checks what CheckReadOnly lets through to a locked session, and that
// checking runs nothing: a write hidden before a SELECT, or a table function that writes log
// files into the warehouse, is refused without having happened.
// Both kinds of session are checked: one built from the log, and one that opened the derived
// state of its snapshot (session.Refresh).
func TestCheckReadOnly(t *testing.T) {
	for _, kind := range sessionKinds {
		t.Run(kind.name, func(t *testing.T) { checkReadOnly(t, kind.derived) })
	}
}

// sessionKinds are the two ways a session opens: built from the log, or from a derived state.
var sessionKinds = []struct {
	name    string
	derived bool
}{{"built", false}, {"derived", true}}

// lockedSession opens a session on wh, from its derived state when derived (writing it first).
func lockedSession(t *testing.T, wh *warehouse.Warehouse, derivedState bool) *sql.DB {
	t.Helper()
	if derivedState {
		_, _, err := session.Refresh(context.Background(), wh)
		require.NoError(t, err)
	}
	db, _, err := session.Open(context.Background(), wh)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.Equal(t, derivedState, derived(t, db))
	return db
}

func checkReadOnly(t *testing.T, derivedState bool) {
	ctx := context.Background()
	wh := open(t)
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "canary.csv"), []byte("secret\nx\n"), 0o644))
	db := lockedSession(t, wh, derivedState)
	r := strings.NewReplacer("$WAREHOUSE", wh.Dir(), "$OUTSIDE", outside)
	before, outBefore := files(t, wh.Dir()), files(t, outside)
	state := func() string {
		var tables, dbs int
		var logging string
		require.NoError(t, db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'), "+
			"(SELECT count(*) FROM duckdb_databases()), current_setting('enable_logging')::VARCHAR").Scan(&tables, &dbs, &logging))
		return fmt.Sprintf("tables named t: %d, databases: %d, logging: %s", tables, dbs, logging)
	}
	stateBefore := state()

	refused, accepted := 0, 0
	for _, tc := range []struct {
		name, query string
		readOnly    bool   // refused as not read-only (ErrNotReadOnly), not for another reason
		why         string // otherwise, a word of DuckDB's refusal
	}{
		{"a write before a SELECT", "COPY (SELECT 1) TO '$WAREHOUSE/x.csv'; SELECT 1", true, ""},
		{"a table before a SELECT", "CREATE TABLE t AS SELECT 7; SELECT 1", true, ""},
		{"an attachment before a SELECT", "ATTACH ':memory:' AS m; SELECT 1", true, ""},
		{"a setting before a SELECT", "SET threads = 1; SELECT 1", true, ""},
		{"COPY into the warehouse", "COPY (SELECT 1) TO '$WAREHOUSE/x.csv'", true, ""},
		{"CREATE TABLE", "CREATE TABLE t AS SELECT 1", true, ""},
		{"INSERT", "INSERT INTO warehouse_files (path) VALUES ('x')", true, ""},
		{"ATTACH in memory", "ATTACH ':memory:' AS m", true, ""},
		{"SET", "SET threads = 1", true, ""},
		{"SET VARIABLE", "SET VARIABLE x = 1", true, ""},
		{"INSTALL", "INSTALL httpfs", true, ""},
		{"LOAD", "LOAD httpfs", true, ""},
		// Switching the log storage again writes out the files of the first one, so that
		// this one SELECT creates a directory and two CSV files in the warehouse unless refused.
		{"log files into the warehouse", "SELECT * FROM enable_logging(storage = 'file', storage_path = '$WAREHOUSE/logs') UNION ALL SELECT * FROM enable_logging()", true, ""},
		{"log files by CALL", "CALL enable_logging(storage = 'file', storage_path = '$WAREHOUSE/logs')", true, ""},
		{"log files through query()", "SELECT * FROM query('SELECT * FROM enable_logging(storage = ''file'', storage_path = ''$WAREHOUSE/logs'')')", true, ""},
		{"log files through a serialized statement", "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM enable_logging()'))", true, ""},
		{"log files in a lateral join", "SELECT * FROM range(2) r, LATERAL (SELECT * FROM enable_logging() WHERE r.range >= 0)", true, ""},
		{"log files in a materialized CTE", "WITH l AS MATERIALIZED (SELECT * FROM enable_logging()) SELECT * FROM l", true, ""},
		{"disable_logging", "SELECT * FROM disable_logging()", true, ""},
		{"truncate_duckdb_logs", "SELECT * FROM truncate_duckdb_logs()", true, ""},
		{"enable_profiling", "SELECT * FROM enable_profiling()", true, ""},
		{"disable_profiling", "SELECT * FROM disable_profiling()", true, ""},
		{"checkpoint", "SELECT * FROM checkpoint()", true, ""},
		{"force_checkpoint", "SELECT * FROM force_checkpoint()", true, ""},
		{"enable_peg_parser", "SELECT * FROM enable_peg_parser()", true, ""},
		{"disable_peg_parser", "SELECT * FROM disable_peg_parser()", true, ""},
		{"read_csv outside", "SELECT * FROM read_csv('$OUTSIDE/canary.csv')", false, "Permission Error"},
		{"glob outside", "SELECT * FROM glob('/etc/*')", false, "Permission Error"},
		{"a parse error", "SELEC 1", false, "syntax error"},
		// The plan of a text that is not one statement once prefixed cannot be read: refused.
		{"a leading semicolon", ";SELECT * FROM enable_logging()", false, "syntax error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := session.CheckReadOnly(ctx, db, r.Replace(tc.query))
			require.Error(t, err)
			if tc.readOnly {
				require.ErrorIs(t, err, session.ErrNotReadOnly)
			} else {
				require.NotErrorIs(t, err, session.ErrNotReadOnly)
				require.ErrorContains(t, err, tc.why)
			}
			require.Equal(t, stateBefore, state(), "checking ran nothing")
			refused++
		})
	}

	for _, q := range []string{
		"SELECT 1", "SELECT 1;", "-- a comment\nSELECT 1 -- and another", "FROM range(3)", "VALUES (1), (2)",
		"SELECT count(*) FROM events_log", "SHOW TABLES", "DESCRIBE events_log", "SUMMARIZE SELECT 1 AS x",
		"PRAGMA show_tables", "PRAGMA version", "CALL duckdb_settings()", "EXPLAIN SELECT 1",
		"SELECT count(*) FROM glob('$WAREHOUSE/**')",
		"SELECT * FROM duckdb_logs", "SELECT current_setting('allowed_directories')",
		// The optimizer drops the call, so it never runs: nothing to refuse.
		"SELECT 1 WHERE false AND EXISTS (SELECT * FROM enable_logging(storage = 'file', storage_path = '$WAREHOUSE/logs'))",
	} {
		t.Run(q, func(t *testing.T) {
			q = r.Replace(q)
			require.NoError(t, session.CheckReadOnly(ctx, db, q))
			rows, err := db.QueryContext(ctx, q)
			require.NoError(t, err)
			for rows.Next() {
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
			accepted++
		})
	}
	require.Equal(t, stateBefore, state())
	require.Equal(t, before, files(t, wh.Dir()), "nothing in the warehouse was written, created or removed")
	require.Equal(t, outBefore, files(t, outside))
	t.Logf(`RELIABILITY {"section":"security","target":"check_read_only","refused":%d,"queries_accepted":%d,"ran_while_checking":0}`, refused, accepted)
}

// TestLockedSession runs statements on a locked session directly, without CheckReadOnly: the
// session's own settings refuse every file outside the warehouse, settings changes and
// extensions, so that a statement CheckReadOnly let through by mistake could still do none of
// that.
// A session that opened a derived state also cannot change the file: it is open read-only.
func TestLockedSession(t *testing.T) {
	for _, kind := range sessionKinds {
		t.Run(kind.name, func(t *testing.T) { lockedSessionRefuses(t, kind.derived) })
	}
}

func lockedSessionRefuses(t *testing.T, derivedState bool) {
	ctx := context.Background()
	wh := open(t)
	outside := t.TempDir()
	db := lockedSession(t, wh, derivedState)
	r := strings.NewReplacer("$WAREHOUSE", wh.Dir(), "$OUTSIDE", outside)
	refused := 0
	cases := []struct{ query, why string }{
		{"SELECT * FROM read_csv('/etc/passwd')", "Permission Error"},
		{"SELECT * FROM read_text('$WAREHOUSE/../" + filepath.Base(outside) + "/x')", "Permission Error"},
		{"SELECT * FROM glob('/etc/*')", "Permission Error"},
		{"COPY (SELECT 1) TO '$OUTSIDE/x.csv'", "Permission Error"},
		{"ATTACH '$OUTSIDE/x.db'", "Permission Error"},
		{"EXPORT DATABASE '$OUTSIDE/export'", "Permission Error"},
		{"SET enable_external_access = true", "locked"},
		{"SET allowed_directories = ['/']", "locked"},
		{"RESET allowed_directories", "locked"},
		{"SET lock_configuration = false", "locked"},
		{"RESET lock_configuration", "locked"},
		{"PRAGMA memory_limit = '100GB'", "locked"},
		{"SET autoload_known_extensions = true", "locked"},
		{"INSTALL httpfs", "Permission Error"},
		{"LOAD httpfs", "Permission Error"},
		{"LOAD '$OUTSIDE/x.duckdb_extension'", "Permission Error"},
	}
	if derivedState {
		cases = append(cases, []struct{ query, why string }{
			{"CREATE TABLE t AS SELECT 1", "read-only"},
			{"INSERT INTO warehouse_files (path) VALUES ('x')", "read-only"},
			{"DELETE FROM event_chains", "read-only"},
			{"CREATE OR REPLACE VIEW admin_units AS SELECT 1", "read-only"},
			{"DROP TABLE derived_unit_scopes", "read-only"},
		}...)
	}
	for _, tc := range cases {
		q := r.Replace(tc.query)
		_, err := db.ExecContext(ctx, q)
		require.ErrorContains(t, err, tc.why, q)
		refused++
	}
	var access string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT current_setting('enable_external_access')::VARCHAR").Scan(&access))
	require.Equal(t, "false", access)
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing was written outside the warehouse")
	t.Logf(`RELIABILITY {"section":"security","target":"locked_session","statements_refused":%d}`, refused)
}

// open is an empty warehouse in a temporary directory, closed when the test ends.
func open(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh
}

// DuckDB's default temp directory, <cwd>/.tmp, is shared with whatever runs there; a session
// spills to a private folder of the process instead and cannot read the shared one.
func TestSessionCannotReadTheSharedTempDirectory(t *testing.T) {
	cwd, err := os.Getwd()
	require.NoError(t, err)
	shared := filepath.Join(cwd, ".tmp")
	_, existed := os.Stat(shared)
	require.NoError(t, os.MkdirAll(shared, 0o755))
	secret := filepath.Join(shared, "other-session.txt")
	require.NoError(t, os.WriteFile(secret, []byte("spilled rows of another session"), 0o644))
	t.Cleanup(func() {
		os.Remove(secret)
		if existed != nil {
			os.Remove(shared)
		}
	})
	db, _, err := session.Open(context.Background(), open(t))
	require.NoError(t, err)
	defer db.Close()
	var s string
	err = db.QueryRowContext(context.Background(), "SELECT content FROM read_text('"+secret+"')").Scan(&s)
	require.Error(t, err)
	require.NotContains(t, s, "spilled")
	var dir string
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT current_setting('temp_directory')::VARCHAR").Scan(&dir))
	require.NotEqual(t, shared, filepath.Clean(dir))
	st, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), st.Mode().Perm())
}
