package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries/render"
	"github.com/thanhhoa-ntm/ntm/queries/session"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// Authenticator tells who sent a request: the role of its bearer token.
type Authenticator interface {
	Role(r *http.Request) (role string, status int, err error)
}

// SQLConfig configures the analysts' SQL endpoint.
type SQLConfig struct {
	Warehouse *warehouse.Warehouse
	Auth      Authenticator
	MaxRows   int           // default 10,000
	Timeout   time.Duration // default 15 s
	MaxBody   int64         // default 64 KiB
}

// SQLHandler is POST /api/v1/sql: one read-only query for analysts' tokens.
//
// Read-only is enforced three ways: the session is the warehouse's locked one (no files outside
// the warehouse, no ATTACH, no settings changes); the request must be a single SELECT (DuckDB's
// own parser decides, through json_serialize_sql, which serializes SELECT statements only), so
// COPY and every write are refused before they run, and session.CheckReadOnly refuses the
// table functions a SELECT may call that change the session or write files; and rows and time
// are bounded.
func SQLHandler(cfg SQLConfig) http.Handler {
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 10_000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		role, status, err := cfg.Auth.Role(r)
		if err != nil {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ntm"`)
			}
			jsonError(w, status, err.Error())
			return
		}
		if role != "analyst" && role != "admin" {
			jsonError(w, http.StatusForbidden, "SQL needs an analyst token")
			return
		}
		var req struct {
			Query string `json:"query"`
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cfg.MaxBody))
		if err != nil {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is over %d bytes", cfg.MaxBody))
			return
		}
		if err := json.Unmarshal(body, &req); err != nil || req.Query == "" {
			jsonError(w, http.StatusBadRequest, `send {"query": "SELECT ..."}`)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), cfg.Timeout)
		defer cancel()
		// The time limit covers opening the session and checking the query as well as running
		// it: a step that fails once the deadline has passed failed for lack of time, which
		// is neither a bad query (400) nor a broken warehouse (503).
		timedOut := func() bool {
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return false
			}
			jsonError(w, http.StatusGatewayTimeout, fmt.Sprintf("the query ran over %s and was stopped", cfg.Timeout))
			return true
		}
		db, _, err := session.Open(ctx, cfg.Warehouse)
		if err != nil {
			if !timedOut() {
				jsonError(w, http.StatusServiceUnavailable, "the warehouse cannot be opened")
			}
			return
		}
		defer db.Close()
		if err := onlySelect(ctx, db, req.Query); err != nil {
			if !timedOut() {
				jsonError(w, http.StatusBadRequest, err.Error())
			}
			return
		}
		if err := session.CheckReadOnly(ctx, db, req.Query); err != nil {
			if !timedOut() {
				jsonError(w, http.StatusBadRequest, err.Error())
			}
			return
		}
		cols, rows, truncated, err := query(ctx, db, req.Query, cfg.MaxRows)
		if err != nil {
			if !timedOut() {
				jsonError(w, http.StatusBadRequest, err.Error())
			}
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"columns": cols, "rows": rows, "truncated": truncated, "max_rows": cfg.MaxRows})
	})
}

// onlySelect accepts exactly one SELECT statement, as DuckDB parses it.
func onlySelect(ctx context.Context, db *sql.DB, q string) error {
	var tree string
	// json_serialize_sql takes a constant, not a parameter: the text is quoted as a literal.
	lit := "'" + strings.ReplaceAll(q, "'", "''") + "'"
	if err := db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql("+lit+") AS VARCHAR)").Scan(&tree); err != nil {
		return fmt.Errorf("the query cannot be parsed: %w", err)
	}
	var parsed struct {
		Error      bool   `json:"error"`
		ErrorMsg   string `json:"error_message"`
		Statements []any  `json:"statements"`
	}
	if err := json.Unmarshal([]byte(tree), &parsed); err != nil {
		return errors.New("the query cannot be parsed")
	}
	if parsed.Error {
		return fmt.Errorf("only a single SELECT is allowed: %s", parsed.ErrorMsg)
	}
	if len(parsed.Statements) != 1 {
		return errors.New("send exactly one SELECT statement")
	}
	return nil
}

func query(ctx context.Context, db *sql.DB, q string, maxRows int) ([]string, [][]any, bool, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, false, err
	}
	defer rows.Close()
	res, truncated, err := render.Read(rows, maxRows)
	if err != nil {
		return nil, nil, false, err
	}
	return res.Columns, res.Rows, truncated, nil
}
