package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
)

// canarySecret is the content of the files outside the warehouse that the SQL endpoint must
// never read: any response holding it is a read that got through.
const canarySecret = "NTM-CANARY-7f3a9c"

// outsideDir makes a directory outside the warehouse with a CSV and a Parquet file that hold
// canarySecret. The Parquet file is written by a DuckDB of its own, not by the warehouse's.
func outsideDir(t testing.TB, dir string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "canary.csv"), []byte("secret\n"+canarySecret+"\n"), 0o644))
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf("COPY (SELECT '%s' AS secret) TO '%s' (FORMAT parquet)", canarySecret, filepath.Join(dir, "canary.parquet")))
	require.NoError(t, err)
	return dir
}

// tree lists every file and directory under dir with its size and modification time, to show
// that nothing was written, created or removed.
func tree(t testing.TB, dir string) map[string]string {
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

// placeholders replaces $WAREHOUSE, $OUTSIDE and $TOOUTSIDE (the outside directory relative
// to the warehouse's, for paths that climb out of it with "..") in a query.
func placeholders(t testing.TB, whDir, outside string) *strings.Replacer {
	t.Helper()
	rel, err := filepath.Rel(whDir, outside)
	require.NoError(t, err)
	return strings.NewReplacer("$WAREHOUSE", whDir, "$OUTSIDE", outside, "$TOOUTSIDE", rel)
}

type sqlReply struct {
	status int
	header http.Header
	body   string
	out    map[string]any
}

func postSQL(t testing.TB, url, auth, body string) sqlReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/sql", strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	r := sqlReply{status: res.StatusCode, header: res.Header, body: string(b)}
	require.NoError(t, json.Unmarshal(b, &r.out), "every answer is JSON: %q", b)
	return r
}

// sqlServer serves the SQL endpoint alone, at its path.
func sqlServer(t testing.TB, cfg web.SQLConfig) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/sql", web.SQLHandler(cfg))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func queryBody(q string) string {
	b, _ := json.Marshal(map[string]string{"query": q})
	return string(b)
}

// TestSQLEndpointRefuses tries, as an analyst, every way out of the read-only session: files
// outside the warehouse, writes inside and outside it, ATTACH, settings, extensions and the
// table functions that change the session. Each is refused with a 400 that says why, and after
// all of them the warehouse and the directory beside it are as they were. Queries that read
// the warehouse are answered, so the refusals are not a blanket no.
func TestSQLEndpointRefuses(t *testing.T) {
	wh := fixtureWarehouse(t)
	outside := outsideDir(t, t.TempDir())
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh,
		SQL: web.SQLHandler(web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}})}).Handler())
	defer srv.Close()
	r := placeholders(t, wh.Dir(), outside)
	// ntm's own cache of the snapshot's file lists (warehouse/listing.go) is written on the
	// first read of the snapshot, before the analyst's first query runs: it is in place first.
	_, err := wh.Current(context.Background())
	require.NoError(t, err)
	whBefore, outBefore := tree(t, wh.Dir()), tree(t, outside)

	const (
		notSelect  = "only a single SELECT is allowed"
		notAllowed = "only queries are allowed here"
		permission = "Permission Error"
	)
	cases := []struct {
		name, query, why string
	}{
		// Files outside the warehouse.
		{"read_csv of /etc/passwd", "SELECT * FROM read_csv('/etc/passwd')", permission},
		{"read_csv outside", "SELECT * FROM read_csv('$OUTSIDE/canary.csv')", permission},
		{"read_parquet outside", "SELECT * FROM read_parquet('$OUTSIDE/canary.parquet')", permission},
		{"read_parquet with a list reaching outside", "SELECT * FROM read_parquet(['$OUTSIDE/canary.parquet'], union_by_name = true)", permission},
		{"replacement scan outside", "SELECT * FROM '$OUTSIDE/canary.csv'", permission},
		{"climbing out of the warehouse with ..", "SELECT * FROM read_csv('$WAREHOUSE/$TOOUTSIDE/canary.csv')", permission},
		{"read_text of /etc/hostname", "SELECT * FROM read_text('/etc/hostname')", permission},
		{"read_blob outside", "SELECT content FROM read_blob('$OUTSIDE/canary.csv')", permission},
		{"glob of /etc", "SELECT * FROM glob('/etc/*')", permission},
		{"sniff_csv of /etc/passwd", "SELECT * FROM sniff_csv('/etc/passwd')", permission},
		{"parquet_metadata outside", "SELECT * FROM parquet_metadata('$OUTSIDE/canary.parquet')", permission},
		{"read_csv through query()", "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')", permission},
		{"read_csv over HTTP", "SELECT * FROM read_csv('https://example.com/x.csv')", ""},

		// Writes.
		{"COPY outside", "COPY (SELECT 1) TO '$OUTSIDE/x.csv'", notSelect},
		{"COPY into the warehouse", "COPY (SELECT 1) TO '$WAREHOUSE/iceberg/x.csv'", notSelect},
		{"EXPORT DATABASE", "EXPORT DATABASE '$OUTSIDE/export'", notSelect},
		{"CREATE TABLE", "CREATE TABLE t AS SELECT 1", notSelect},
		{"CREATE VIEW over a view", "CREATE OR REPLACE VIEW events_log AS SELECT 1", notSelect},
		{"INSERT", "INSERT INTO warehouse_files (path) VALUES ('x')", notSelect},
		{"DELETE", "DELETE FROM warehouse_files", notSelect},
		{"a write after a SELECT", "SELECT 1; CREATE TABLE t AS SELECT 1", notSelect},
		{"two SELECTs", "SELECT 1; SELECT 2", "exactly one SELECT"},
		{"a write before a SELECT", "COPY (SELECT 1) TO '$WAREHOUSE/x.csv'; SELECT 1", notSelect},
		// Switching the log storage again writes out the files of the first one, so that
		// this one SELECT creates a directory and two CSV files in the warehouse unless refused.
		{"log files into the warehouse", "SELECT * FROM enable_logging(storage = 'file', storage_path = '$WAREHOUSE/logs') UNION ALL SELECT * FROM enable_logging()", notAllowed},
		{"log files through query()", "SELECT * FROM query('SELECT * FROM enable_logging(storage = ''file'', storage_path = ''$WAREHOUSE/logs'')')", notAllowed},
		{"log files in a lateral join", "SELECT * FROM range(1) r, LATERAL (SELECT * FROM enable_logging(storage = 'file', storage_path = '$WAREHOUSE/logs'))", notAllowed},
		{"log files through a serialized statement", "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM enable_logging(storage = ''file'', storage_path = ''$WAREHOUSE/logs'')'))", notAllowed},
		{"checkpoint", "SELECT * FROM force_checkpoint()", notAllowed},

		// ATTACH.
		{"ATTACH a file outside", "ATTACH '$OUTSIDE/x.db'", notSelect},
		{"ATTACH in memory", "ATTACH ':memory:' AS m", notSelect},
		{"ATTACH read-only", "ATTACH '$OUTSIDE/canary.parquet' AS c (READ_ONLY)", notSelect},
		{"DETACH", "DETACH memory", notSelect},
		{"USE", "USE memory", notSelect},

		// Settings.
		{"SET enable_external_access", "SET enable_external_access = true", notSelect},
		{"SET allowed_directories", "SET allowed_directories = ['/']", notSelect},
		{"SET lock_configuration", "SET lock_configuration = false", notSelect},
		{"RESET allowed_directories", "RESET allowed_directories", notSelect},
		{"RESET ALL", "RESET ALL", notSelect},
		{"SET VARIABLE", "SET VARIABLE x = 1", notSelect},
		{"PRAGMA memory_limit", "PRAGMA memory_limit = '100GB'", notSelect},
		{"PRAGMA enable_profiling", "PRAGMA enable_profiling", notSelect},
		{"profiling through a table function", "SELECT * FROM enable_profiling()", notAllowed},
		{"CALL enable_logging", "CALL enable_logging()", notSelect},
		{"parser switch", "SELECT * FROM enable_peg_parser()", notAllowed},

		// Extensions.
		{"INSTALL", "INSTALL httpfs", notSelect},
		{"FORCE INSTALL from a URL", "FORCE INSTALL httpfs FROM 'http://example.com'", notSelect},
		{"LOAD", "LOAD httpfs", notSelect},
		{"LOAD a file", "LOAD '$OUTSIDE/x.duckdb_extension'", notSelect},

		// Secrets and transactions.
		{"CREATE SECRET", "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')", notSelect},
		{"BEGIN", "BEGIN TRANSACTION", notSelect},
	}
	// Each attempt opens a session of its own, which takes DuckDB most of a second: the
	// attempts run in parallel, and the checks that nothing changed wait for all of them.
	var refused atomic.Int64
	t.Run("attempts", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				q := r.Replace(tc.query)
				got := postSQL(t, srv.URL, "Bearer analyst", queryBody(q))
				require.Equal(t, http.StatusBadRequest, got.status, "%s: %s", q, got.body)
				msg, _ := got.out["error"].(string)
				require.NotEmpty(t, msg, "a refusal says why")
				require.Contains(t, msg, tc.why)
				require.NotContains(t, got.body, canarySecret)
				refused.Add(1)
			})
		}
	})
	require.Equal(t, whBefore, tree(t, wh.Dir()), "nothing in the warehouse was written, created or removed")
	require.Equal(t, outBefore, tree(t, outside), "nothing beside it either")

	// The session still reads what is its own: the views and the warehouse's files.
	for _, q := range []string{
		"SELECT count(*) AS n FROM events_log",
		"SELECT count(*) AS n FROM read_parquet('$WAREHOUSE/**/*.parquet')",
		"SELECT count(*) AS n FROM glob('$WAREHOUSE/**')",
		"SELECT current_setting('enable_external_access') AS v",
	} {
		got := postSQL(t, srv.URL, "Bearer analyst", queryBody(r.Replace(q)))
		require.Equal(t, http.StatusOK, got.status, "%s: %s", q, got.body)
		require.NotEmpty(t, got.out["rows"], q)
	}
	t.Logf(`RELIABILITY {"section":"security","target":"sql_endpoint","attempts":%d,"attempts_refused":%d,"files_changed":0}`, len(cases), refused.Load())
}

// TestSQLEndpointTimeout checks that a query running over the endpoint's time limit is stopped
// with a clear error, and that the next query is answered. The limit is long enough for the
// session to open on a busy machine, so that it is the query that runs over.
func TestSQLEndpointTimeout(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	defer wh.Close()
	srv := sqlServer(t, web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}, Timeout: 5 * time.Second})
	got := postSQL(t, srv.URL, "Bearer analyst", queryBody("SELECT count(*) FROM range(1000000000) a, range(1000000000) b"))
	require.Equal(t, http.StatusGatewayTimeout, got.status, got.body)
	require.Equal(t, "the query ran over 5s and was stopped", got.out["error"])
	got = postSQL(t, srv.URL, "Bearer analyst", queryBody("SELECT 42 AS answer"))
	require.Equal(t, http.StatusOK, got.status, got.body)
	require.Equal(t, []any{[]any{float64(42)}}, got.out["rows"])
}

// TestSQLEndpointOddValues checks that values JSON has no plain spelling for still make a
// complete JSON answer: NaN and the infinities as strings, MAPs as objects keyed by text, at
// the top of a row and nested in lists, structs and maps.
func TestSQLEndpointOddValues(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	defer wh.Close()
	srv := sqlServer(t, web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}})
	got := postSQL(t, srv.URL, "Bearer analyst", queryBody(`SELECT 'NaN'::DOUBLE AS nan, 'inf'::DOUBLE AS inf,
		'-inf'::FLOAT AS ninf, [1.5::DOUBLE, 'nan'::DOUBLE] AS list, {'a': 'inf'::DOUBLE} AS struct,
		MAP {1: 'nan'::DOUBLE} AS map,
		1234567890123456789012345678901234567::HUGEINT AS huge, chr(0) AS nul`))
	require.Equal(t, http.StatusOK, got.status, got.body)
	require.Equal(t, []any{[]any{"NaN", "Infinity", "-Infinity", []any{1.5, "NaN"}, map[string]any{"a": "Infinity"},
		map[string]any{"1": "NaN"}, 1.2345678901234568e36, "\x00"}}, got.out["rows"])
}

// storeAuth authenticates with a token store, as ntm serve does.
type storeAuth struct {
	store *auth.Store
	now   time.Time
}

func (a storeAuth) Role(r *http.Request) (string, int, error) {
	p, err := a.store.Authenticate(r, a.now)
	if err != nil {
		return "", http.StatusUnauthorized, err
	}
	return p.Role, 0, nil
}

// TestSQLEndpointTokens checks who may run SQL: analyst and admin tokens; a reporter's is
// refused with 403, and a missing, malformed, unknown or expired one with 401 and a challenge.
func TestSQLEndpointTokens(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	defer wh.Close()
	now := time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)
	toks := map[string]string{}
	var entries []auth.Entry
	for _, e := range []auth.Entry{
		{Name: "analyst", Role: auth.RoleAnalyst},
		{Name: "admin", Role: auth.RoleAdmin},
		{Name: "reporter", Role: auth.RoleReporter, Unit: "15814"},
		{Name: "expired", Role: auth.RoleAnalyst, ExpiresAt: "2025-08-01T09:00:00Z"},
	} {
		tok, h := auth.NewToken()
		e.SHA256 = h
		toks[e.Name] = tok
		entries = append(entries, e)
	}
	store, err := auth.NewStore(entries)
	require.NoError(t, err)
	srv := sqlServer(t, web.SQLConfig{Warehouse: wh, Auth: storeAuth{store, now}})

	refused := 0
	for _, tc := range []struct {
		name, auth string
		status     int
	}{
		{"analyst", "Bearer " + toks["analyst"], http.StatusOK},
		{"admin", "Bearer " + toks["admin"], http.StatusOK},
		{"reporter", "Bearer " + toks["reporter"], http.StatusForbidden},
		{"no token", "", http.StatusUnauthorized},
		{"malformed", "Token " + toks["analyst"], http.StatusUnauthorized},
		{"unknown", "Bearer " + strings.Repeat("A", 43), http.StatusUnauthorized},
		{"the stored hash", "Bearer " + auth.Hash(toks["analyst"]), http.StatusUnauthorized},
		{"expired at this instant", "Bearer " + toks["expired"], http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := postSQL(t, srv.URL, tc.auth, queryBody("SELECT 1 AS one"))
			require.Equal(t, tc.status, got.status, got.body)
			if tc.status == http.StatusUnauthorized {
				require.Equal(t, `Bearer realm="ntm"`, got.header.Get("WWW-Authenticate"))
			}
			if tc.status != http.StatusOK {
				require.NotEmpty(t, got.out["error"])
				require.NotContains(t, got.out, "rows")
				refused++
			}
		})
	}
	t.Logf(`RELIABILITY {"section":"security","target":"sql_tokens","refused":%d,"allowed":2}`, refused)
}

// inlineHandler matches an inline event handler attribute such as onclick=, which a CSP
// without 'unsafe-inline' would block and so must not be needed.
var inlineHandler = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)

// TestSecurityHeaders checks the headers of every kind of response, errors included: a CSP that
// allows no script at all (no script-src, default-src 'none', never 'unsafe-inline' or
// 'unsafe-eval') and no framing, no MIME sniffing, and frame denial for older browsers too.
func TestSecurityHeaders(t *testing.T) {
	wh := fixtureWarehouse(t)
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh,
		SQL: web.SQLHandler(web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}})}).Handler())
	defer srv.Close()
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{http.MethodGet, "/?period=2025", "", http.StatusOK},
		{http.MethodGet, "/?period=2025&lang=en", "", http.StatusOK},
		{http.MethodGet, "/?period=<script>alert(1)</script>", "", 0},
		{http.MethodGet, "/api/v1/indicators?period=2025", "", http.StatusOK},
		{http.MethodGet, "/api/v1/indicators?period=nope", "", http.StatusBadRequest},
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodGet, "/metrics", "", http.StatusOK},
		{http.MethodGet, "/static/style.css", "", http.StatusOK},
		{http.MethodGet, "/favicon.ico", "", http.StatusOK},
		{http.MethodGet, "/feeds/ministry", "", http.StatusNotFound},
		{http.MethodGet, "/no/such/page", "", http.StatusNotFound},
		{http.MethodPost, "/api/v1/sql", `{"query":"SELECT 1"}`, http.StatusUnauthorized},
		{http.MethodPost, "/api/v1/sql", `not json`, http.StatusForbidden},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.body == "not json" {
				req.Header.Set("Authorization", "Bearer reporter")
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			if tc.status != 0 {
				require.Equal(t, tc.status, res.StatusCode, "%s", b)
			}
			csp := res.Header.Get("Content-Security-Policy")
			require.Contains(t, csp, "default-src 'none'")
			require.Contains(t, csp, "frame-ancestors 'none'")
			require.NotContains(t, csp, "script-src", "no script source is allowed at all")
			require.NotContains(t, csp, "unsafe-inline")
			require.NotContains(t, csp, "unsafe-eval")
			require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
			if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				require.NotContains(t, strings.ToLower(string(b)), "<script")
				require.False(t, inlineHandler.Match(b), "no inline event handlers")
				require.NotContains(t, string(b), "alert(1)</script>", "the period is escaped")
			}
		})
	}
}

// Every answer and every resource of the SQL endpoint is bounded: an answer of a few huge
// values is cut with a clear error (it was 240 MB after 18 s), queries beyond the slots wait
// briefly and then get a 503 (not a time-out), and a token past its rate gets a 429.
func TestSQLEndpointBounds(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	defer wh.Close()
	srv := sqlServer(t, web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}, MaxBytes: 1 << 20, PerMinute: 1000})

	got := postSQL(t, srv.URL, "Bearer analyst", queryBody("SELECT repeat(chr(1), 1000000) FROM range(40)"))
	require.Equal(t, http.StatusUnprocessableEntity, got.status, got.body)
	require.Contains(t, got.out["error"], "over 1048576 bytes")
	require.Less(t, len(got.body), 1<<10)
	got = postSQL(t, srv.URL, "Bearer analyst", queryBody("SELECT repeat('x', 1000) FROM range(100)"))
	require.Equal(t, http.StatusOK, got.status, "an answer under the bound is whole")

	// One slot, a short queue: while a slow query holds the slot, the next one is turned away.
	// The slow query ends when its client goes away (the request's context stops DuckDB).
	busy := sqlServer(t, web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}, Concurrent: 1, QueueWait: 200 * time.Millisecond, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Sent again while a probe below holds the slot (it then gets 503 itself).
		for ctx.Err() == nil {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, busy.URL+"/api/v1/sql",
				strings.NewReader(queryBody("SELECT count(*) FROM range(1000000000) a, range(1000000000) b")))
			if err != nil {
				return
			}
			req.Header.Set("Authorization", "Bearer analyst")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusServiceUnavailable {
				return
			}
		}
	}()
	require.Eventually(t, func() bool {
		got := postSQL(t, busy.URL, "Bearer admin", queryBody("SELECT 1"))
		return got.status == http.StatusServiceUnavailable && got.header.Get("Retry-After") != ""
	}, 60*time.Second, 500*time.Millisecond, "a query waiting past QueueWait gets 503")
	cancel()
	<-done
	require.Eventually(t, func() bool {
		return postSQL(t, busy.URL, "Bearer admin", queryBody("SELECT 1")).status == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "the slot is free again once the slow query stopped")

	limited := sqlServer(t, web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}, PerMinute: 3})
	for range 3 {
		require.Equal(t, http.StatusOK, postSQL(t, limited.URL, "Bearer analyst", queryBody("SELECT 1")).status)
	}
	got = postSQL(t, limited.URL, "Bearer analyst", queryBody("SELECT 1"))
	require.Equal(t, http.StatusTooManyRequests, got.status, got.body)
	require.NotEmpty(t, got.header.Get("Retry-After"))
	require.Equal(t, http.StatusOK, postSQL(t, limited.URL, "Bearer admin", queryBody("SELECT 1")).status, "the limit is per token")
}

// Public reads accept only the years the warehouse can hold, answering others at once.
func TestFarPeriodsAreRefused(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	defer wh.Close()
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh}).Handler())
	defer srv.Close()
	for _, p := range []string{"1001", "2021-Q4", "9999-12", fmt.Sprint(time.Now().Year() + 1)} {
		for _, path := range []string{"/api/v1/indicators?period=", "/?period="} {
			start := time.Now()
			res, err := http.Get(srv.URL + path + p)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusBadRequest, res.StatusCode, path+p)
			require.Less(t, time.Since(start), time.Second, "refused before any query")
		}
	}
}
