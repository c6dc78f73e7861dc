package web_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
)

// sqlBody builds the request body of a fuzz input: the query in one of the shapes a client
// might send, most of them wrong.
func sqlBody(query string, shape uint8) string {
	q, _ := json.Marshal(query)
	switch shape % 6 {
	case 0:
		return `{"query":` + string(q) + `}`
	case 1:
		// Members the endpoint does not know: limits, format and a timeout are not the
		// client's to set, so they change nothing.
		return `{"query":` + string(q) + `,"max_rows":1e400,"format":"csv","timeout":-1,"limit":12345678901234567890123456789012345678901}`
	case 2:
		return query // the fuzzer's bytes are the whole body
	case 3:
		return `{"query":` + string(q) + `} {"query":"SELECT 1"}`
	case 4:
		return `{"query":[` + string(q) + `]}`
	default:
		return `{"query":"SELECT 1","query":` + string(q) + `}`
	}
}

// FuzzSQLParams fuzzes the body of POST /api/v1/sql, sent with an analyst's token to the real
// handler over an empty warehouse (each request opens its own locked DuckDB session, as in
// production). The query may name $WAREHOUSE, $OUTSIDE (a directory beside the warehouse with
// canary files) and $TOOUTSIDE (the way there from the warehouse, through ".."). Whatever the
// body: the handler never panics; it answers in JSON, with an error message unless it is a 200;
// it never answers 5xx except a 504 for a query stopped at the time limit; no answer holds a
// canary file's content; and nothing is written, created or removed in the warehouse or beside
// it. DuckDB opens a session in about a second on a busy machine, so the fuzzer runs few
// queries a second; the bodies refused before DuckDB run much faster.
func FuzzSQLParams(f *testing.F) {
	// Every seed that is a JSON body with a query opens a session, so the seeds are few: the
	// issue's bad inputs and one of each way out of the session (TestSQLEndpointRefuses has
	// them all).
	for _, s := range []struct {
		query string
		shape uint8
	}{
		{"SELECT 1", 0},
		{"SELECT 1 AS a", 1},
		{"SELECT count(*) FROM events_log", 0},
		{"SELECT * FROM read_csv('/etc/passwd')", 0},
		{"SELECT * FROM read_csv('$OUTSIDE/canary.csv')", 0},
		{"SELECT * FROM read_parquet('$OUTSIDE/canary.parquet')", 0},
		{"SELECT * FROM read_text('$WAREHOUSE/$TOOUTSIDE/canary.csv')", 0},
		{"SELECT * FROM glob('/etc/*')", 0},
		{"COPY (SELECT 1) TO '$OUTSIDE/x.csv'", 0},
		{"COPY (SELECT 1) TO '$WAREHOUSE/x.csv'; SELECT 1", 0},
		{"CREATE TABLE t AS SELECT 1", 0},
		{"ATTACH '$OUTSIDE/x.db'", 0},
		{"SET enable_external_access = true", 0},
		{"PRAGMA enable_profiling", 0},
		{"INSTALL httpfs", 0},
		{"SELECT * FROM enable_logging(storage = 'file', storage_path = '$WAREHOUSE/logs') UNION ALL SELECT * FROM enable_logging()", 0},
		{"SELECT 'NaN'::DOUBLE, [1, 'inf'::DOUBLE], MAP {1: '-inf'::DOUBLE}", 0},
		{"SELECT 1e400", 0},
		{"SELECT 1234567890123456789012345678901234567890", 0},
		{"SELECT '\xff\xfe'", 0},
		{"SELECT 1\x00; ATTACH ':memory:' AS m", 0},
		{"SELECT\r\n1\r\n", 0},
		{"", 0},
		{"   ", 0},
		{`{"query": "SELECT 1", "max_rows": 1e400}`, 2},
		{`{"query": 5}`, 2},
		{`{"query": null}`, 2},
		{`{"query": "SELECT 1"} trailing`, 2},
		{`{"query": "\u0000SELECT 1"}`, 2},
		{"{\"query\": \"SELECT '\xff'\"}", 2},
		{`{"query": ` + strings.Repeat("[", 20_000), 2},
		{`{"query": "SELECT '` + strings.Repeat("x", 70_000) + `'"}`, 2},
		{"\r\n\r\n", 2},
		{"SELECT 1", 3},
		{"SELECT 1", 4},
		{"ATTACH ':memory:' AS m", 5},
	} {
		f.Add(s.query, s.shape)
	}

	wh, err := warehouse.Open(context.Background(), f.TempDir(), true)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { wh.Close() })
	outside := outsideDir(f, f.TempDir())
	r := placeholders(f, wh.Dir(), outside)
	h := web.SQLHandler(web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}, Timeout: 3 * time.Second, MaxRows: 100})
	whBefore, outBefore := tree(f, wh.Dir()), tree(f, outside)

	f.Fuzz(func(t *testing.T, query string, shape uint8) {
		body := sqlBody(r.Replace(query), shape)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sql", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer analyst")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d with a body that is not a JSON object: %v\n%q", rec.Code, err, rec.Body.Bytes())
		}
		msg, _ := out["error"].(string)
		switch rec.Code {
		case http.StatusOK:
			if _, ok := out["rows"].([]any); !ok {
				t.Fatalf("a 200 without rows: %s", rec.Body.Bytes())
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if msg == "" {
				t.Fatalf("status %d without an error message: %s", rec.Code, rec.Body.Bytes())
			}
		case http.StatusGatewayTimeout:
			if !strings.Contains(msg, "was stopped") {
				t.Fatalf("a 504 that does not say the query was stopped: %s", rec.Body.Bytes())
			}
		default:
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.Bytes())
		}
		if strings.Contains(rec.Body.String(), canarySecret) {
			t.Fatalf("a file outside the warehouse was read: body %q answered %s", body, rec.Body.Bytes())
		}
		if after := tree(t, wh.Dir()); !maps.Equal(whBefore, after) {
			t.Fatalf("the warehouse changed after body %q (status %d): %v", body, rec.Code, after)
		}
		if after := tree(t, outside); !maps.Equal(outBefore, after) {
			t.Fatalf("the directory beside the warehouse changed after body %q (status %d): %v", body, rec.Code, after)
		}
	})
}
