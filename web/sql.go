package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
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
	MaxBytes  int           // the answer's bound in bytes of values; default 8 MiB
	Timeout   time.Duration // default 15 s, for the whole answer
	MaxBody   int64         // default 64 KiB
	// Concurrent bounds the queries that run at once (default 2, the cores here); a request
	// waits for a slot at most QueueWait (default 5 s), then gets 503 with Retry-After.
	Concurrent int
	QueueWait  time.Duration
	// PerMinute bounds each token's requests per minute (default 120); past it, 429.
	PerMinute int
	// MemoryLimit bounds each query's DuckDB memory (default 1GB): with Concurrent, the
	// endpoint's memory budget.
	MemoryLimit string
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
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 8 << 20
	}
	if cfg.Concurrent <= 0 {
		cfg.Concurrent = 2
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = 5 * time.Second
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 120
	}
	if cfg.MemoryLimit == "" {
		cfg.MemoryLimit = "1GB"
	}
	slots := make(chan struct{}, cfg.Concurrent)
	limits := newRateLimits(cfg.PerMinute, time.Now)
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
		if wait, ok := limits.allow(r.Header.Get("Authorization")); !ok {
			w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
			jsonError(w, http.StatusTooManyRequests, fmt.Sprintf("more than %d queries a minute with this token: wait %s", cfg.PerMinute, wait.Round(time.Second)))
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
		// A slot, or a clear answer: queries beyond Concurrent would only share the cores and
		// the memory, and time out together.
		queued := time.NewTimer(cfg.QueueWait)
		select {
		case slots <- struct{}{}:
			queued.Stop()
			defer func() { <-slots }()
		case <-queued.C:
			w.Header().Set("Retry-After", "5")
			jsonError(w, http.StatusServiceUnavailable, fmt.Sprintf("%d queries are running and the queue is full: send the query again in a few seconds", cfg.Concurrent))
			return
		case <-ctx.Done():
			return
		}
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
		db, _, err := session.OpenWith(ctx, cfg.Warehouse, session.Options{MemoryLimit: cfg.MemoryLimit})
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
		cols, rows, truncated, err := query(ctx, db, req.Query, cfg.MaxRows, cfg.MaxBytes)
		if errors.Is(err, render.ErrTooLarge) {
			jsonError(w, http.StatusUnprocessableEntity, fmt.Sprintf("the answer is over %d bytes and was cut: select fewer columns or rows, or aggregate", cfg.MaxBytes))
			return
		}
		if err != nil {
			if !timedOut() {
				jsonError(w, http.StatusBadRequest, err.Error())
			}
			return
		}
		if timedOut() {
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

func query(ctx context.Context, db *sql.DB, q string, maxRows, maxBytes int) ([]string, [][]any, bool, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, false, err
	}
	defer rows.Close()
	res, truncated, err := render.ReadBounded(rows, maxRows, maxBytes)
	if err != nil {
		return nil, nil, false, err
	}
	return res.Columns, res.Rows, truncated, nil
}

// rateLimits counts each token's requests in a sliding minute.
type rateLimits struct {
	mu     sync.Mutex
	max    int
	now    func() time.Time
	recent map[string][]time.Time
}

func newRateLimits(perMinute int, now func() time.Time) *rateLimits {
	return &rateLimits{max: perMinute, now: now, recent: map[string][]time.Time{}}
}

// allow records a request of the token (its Authorization header, hashed) unless it made max
// in the last minute; then it says how long to wait. Tokens idle for a minute are forgotten,
// so the map holds only active tokens.
func (l *rateLimits) allow(token string) (time.Duration, bool) {
	sum := sha256.Sum256([]byte(token))
	key := string(sum[:])
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for k, ts := range l.recent {
		if len(ts) > 0 && now.Sub(ts[len(ts)-1]) >= time.Minute {
			delete(l.recent, k)
		}
	}
	ts := l.recent[key]
	for len(ts) > 0 && now.Sub(ts[0]) >= time.Minute {
		ts = ts[1:]
	}
	if len(ts) >= l.max {
		l.recent[key] = ts
		return time.Minute - now.Sub(ts[0]), false
	}
	l.recent[key] = append(ts, now)
	return 0, true
}
