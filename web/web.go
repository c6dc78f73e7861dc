// Package web is ntm's HTTP service: the dashboard, the JSON API, the open-data tree, the
// ministry feed, the event gateway, read-only SQL for analysts, metrics and health.
package web

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

//go:embed static
var static embed.FS

// Config wires the service.
type Config struct {
	Warehouse *warehouse.Warehouse
	OpenData  string       // the published tree (ntm publish --out), "" when none
	Reports   string       // the ministry report directory (ntm report --out), "" when none
	Events    http.Handler // the event gateway, nil when not configured
	SQL       http.Handler // read-only SQL for analysts, nil when not configured
	Log       *slog.Logger
	Registry  *prometheus.Registry // nil: a new one

	CacheSize    int // answers kept per cache (indicators, maps, units); 0: DefaultCacheSize
	Computations int // cached answers computed at once; 0: DefaultComputations
}

// Server is the HTTP service.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	metrics *metrics

	mu      sync.Mutex
	names   map[string]string            // unit names, of the state namesAt
	catalog map[string]queries.Indicator // the indicators' names (indicator_catalog), read once
	namesAt string

	// The answers, served stale while they revalidate (cache.go), each cache at most
	// Config.CacheSize keys; their computations share one semaphore.
	indicatorsCache *answers[indicatorsAnswer]
	maps            *answers[mapLayersAnswer] // the map layers (maps.go)
	units           *answers[unitAnswer]      // the unit pages' units (unit.go)
	pages           pages                     // the rendered answers of the current generation
	gen             atomic.Uint64             // bumped whenever a cache stores an answer
	stop            chan struct{}
	closeOnce       sync.Once
	wg              sync.WaitGroup

	snapMu      sync.Mutex // of snap, snapAt and snapReading, never held while reading the state
	snap        stamp
	snapAt      time.Time  // when snap was read
	snapReading bool       // a request reads the current state (current)
	firstRead   sync.Mutex // held by the requests that wait for the first read

	// computeHook, when set (by the package's tests), runs before each computation of a
	// cached answer; an error it returns fails the computation.
	computeHook func(ctx context.Context, cache, key string) error
}

// indicatorsAnswer is the indicators of one period, with the notes a person reading them
// must know (queries.Notes).
type indicatorsAnswer struct {
	rows  []queries.Row
	notes []queries.Note
}

// Defaults of Config.
const (
	// DefaultCacheSize bounds the keys of each cache: the picker offers 20 periods, and a
	// period outside it can be asked with ?period=.
	DefaultCacheSize = 32
	// DefaultComputations bounds the computations at once: each opens a DuckDB session.
	DefaultComputations = 2
	// snapshotTTL is how long a read of the current state answers the requests that follow;
	// the watcher and the next request after it read it again.
	snapshotTTL = time.Second
	// computeTimeout bounds one computation of a cached answer.
	computeTimeout = 2 * time.Minute
)

// FirstYear is the first year the warehouse can hold events of (the plan's data start in 2022).
const FirstYear = 2022

// publicPeriod parses a period of a public read: only the years the warehouse can have, 2022 to
// the current year, so that no one can make the server compute far periods (each costs a
// query) and fill its cache with them.
func publicPeriod(label string, now time.Time) (queries.Period, error) {
	p, err := queries.ParsePeriod(label)
	if err != nil {
		return p, err
	}
	if y := p.Start.Year(); y < FirstYear || y > now.Year() {
		return p, fmt.Errorf("period %s is outside %d to %d, the years the warehouse holds (kỳ ngoài phạm vi dữ liệu)", label, FirstYear, now.Year())
	}
	return p, nil
}

// New builds the service.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.Computations <= 0 {
		cfg.Computations = DefaultComputations
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), stop: make(chan struct{}), pages: pages{max: 4 * cfg.CacheSize}}
	s.metrics = newMetrics(cfg.Registry, cfg.Warehouse)
	cm := newCacheMetrics(cfg.Registry)
	sem := make(chan struct{}, cfg.Computations)
	s.indicatorsCache = newAnswers[indicatorsAnswer](s, "indicators", sem, cm)
	s.maps = newAnswers[mapLayersAnswer](s, "maps", sem, cm)
	s.units = newAnswers[unitAnswer](s, "units", sem, cm)
	s.mux.HandleFunc("GET /{$}", s.dashboard)
	s.mux.HandleFunc("GET /units/{code}", s.unit)
	s.mux.HandleFunc("GET /api/v1/indicators", s.apiIndicators)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /feeds/ministry", s.feed)
	s.mux.HandleFunc("GET /feeds/ministry/{file}", s.feedFile)
	sub, _ := fs.Sub(static, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	s.mux.HandleFunc("GET /favicon.ico", favicon)
	if cfg.OpenData != "" {
		// The folders of all periods and of one period are HTML indexes people can read; any
		// other folder is never listed, and the files are served as they are.
		s.mux.HandleFunc("GET /opendata/{$}", s.openDataRoot)
		s.mux.HandleFunc("GET /opendata/{period}/{$}", s.openDataPeriod)
		files := http.StripPrefix("/opendata/", http.FileServer(noListing{http.Dir(cfg.OpenData)}))
		s.mux.Handle("GET /opendata/{period}", s.periodRedirect(files))
		s.mux.Handle("GET /opendata/", files)
	}
	if cfg.Events != nil {
		s.mux.Handle("POST /api/v1/events", cfg.Events)
	}
	if cfg.SQL != nil {
		s.mux.Handle("POST /api/v1/sql", cfg.SQL)
	}
	return s
}

// Handler is the service with its security headers and metrics.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// No script at all, no inline style: the dashboard is server-rendered HTML and SVG.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.mux.ServeHTTP(rw, r)
		_, pattern := s.mux.Handler(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(rw.status)).Inc()
		s.metrics.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// favicon answers the browsers that ask for /favicon.ico whatever the page says (for the JSON
// and CSV answers, which have no page) with the SVG icon, rather than a 404 in every log.
func favicon(w http.ResponseWriter, r *http.Request) {
	b, err := static.ReadFile("static/favicon.svg")
	if err != nil {
		panic("BUG: favicon.svg is not embedded: " + err.Error())
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

// noListing serves files but never a directory listing.
type noListing struct{ fs http.FileSystem }

func (n noListing) Open(name string) (http.File, error) {
	f, err := n.fs.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, os.ErrNotExist
	}
	return f, nil
}

// Indicators computes (or returns from cache) the indicators of a period over the newest
// committed state the server has an answer of (Server.indicators).
func (s *Server) Indicators(ctx context.Context, p queries.Period) ([]queries.Row, error) {
	rows, _, _, err := s.indicators(ctx, p)
	return rows, err
}

// indicators is Indicators with the notes a person reading them needs (queries.Notes) and the
// state they are over. An answer over an older state than the current one is returned at once
// and refreshed in the background; only a period never computed waits for its computation.
func (s *Server) indicators(ctx context.Context, p queries.Period) ([]queries.Row, []queries.Note, stamp, error) {
	cur, err := s.current(ctx)
	if err != nil {
		return nil, nil, stamp{}, err
	}
	a, at, err := s.indicatorsCache.get(ctx, p.Label, cur, func(ctx context.Context) (indicatorsAnswer, stamp, error) {
		return s.compute(ctx, p)
	})
	return a.rows, a.notes, at, err
}

// current is the newest committed state, read at most once a snapshotTTL and by one request
// at a time: while one reads it, the others go on with the state read before (only the first
// requests, before any read, wait for it). A failing read is the request's error only when no
// state was ever read; otherwise the older state serves, and /healthz tells.
func (s *Server) current(ctx context.Context) (stamp, error) {
	s.snapMu.Lock()
	if !s.snapAt.IsZero() {
		cur := s.snap
		if s.snapReading || time.Since(s.snapAt) < snapshotTTL {
			s.snapMu.Unlock()
			return cur, nil
		}
		s.snapReading = true
		s.snapMu.Unlock()
		next, err := s.readCurrent(ctx)
		if err != nil {
			s.cfg.Log.Warn("the current state cannot be read; answering from the one before", "err", err)
			return cur, nil
		}
		return next, nil
	}
	s.snapMu.Unlock()
	s.firstRead.Lock()
	defer s.firstRead.Unlock()
	s.snapMu.Lock()
	if !s.snapAt.IsZero() {
		cur := s.snap
		s.snapMu.Unlock()
		return cur, nil
	}
	s.snapReading = true
	s.snapMu.Unlock()
	return s.readCurrent(ctx)
}

// readCurrent reads the current state for current, which has set snapReading.
func (s *Server) readCurrent(ctx context.Context) (stamp, error) {
	snap, err := s.cfg.Warehouse.Current(ctx)
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	s.snapReading = false
	if err != nil {
		return stamp{}, err
	}
	s.snap, s.snapAt = stampOf(snap), time.Now()
	return s.snap, nil
}

func (s *Server) compute(ctx context.Context, p queries.Period) (indicatorsAnswer, stamp, error) {
	if s.computeHook != nil {
		if err := s.computeHook(ctx, "indicators", p.Label); err != nil {
			return indicatorsAnswer{}, stamp{}, err
		}
	}
	db, snap, err := session.Open(ctx, s.cfg.Warehouse)
	if err != nil {
		return indicatorsAnswer{}, stamp{}, err
	}
	defer db.Close()
	at := stampOf(snap)
	start := time.Now()
	rows, err := queries.Indicators(ctx, db, p, nil)
	s.metrics.query.Observe(time.Since(start).Seconds())
	if err != nil {
		return indicatorsAnswer{}, stamp{}, err
	}
	notes, err := queries.Notes(ctx, db, p, nil)
	if err != nil {
		return indicatorsAnswer{}, stamp{}, err
	}
	if err := s.loadCatalog(ctx, db); err != nil {
		return indicatorsAnswer{}, stamp{}, err
	}
	s.mu.Lock()
	fresh := s.namesAt != at.ID
	s.mu.Unlock()
	if fresh {
		names := map[string]string{}
		// Every code's latest name (unit_names far in the future), as the tables show it.
		r, err := db.QueryContext(ctx, `SELECT code, name FROM unit_names(DATE '9999-12-31', NULL)`)
		if err == nil {
			for r.Next() {
				var code string
				var name *string
				if r.Scan(&code, &name) == nil && name != nil {
					names[code] = *name
				}
			}
			r.Close()
			s.mu.Lock()
			s.names, s.namesAt = names, at.ID
			s.mu.Unlock()
		}
	}
	return indicatorsAnswer{rows: rows, notes: notes}, at, nil
}

// loadCatalog reads the indicators' names from indicator_catalog on the first session that
// needs them: the catalog is part of the SQL surface, the same in every snapshot.
func (s *Server) loadCatalog(ctx context.Context, db *sql.DB) error {
	s.mu.Lock()
	loaded := s.catalog != nil
	s.mu.Unlock()
	if loaded {
		return nil
	}
	cat, err := queries.Catalog(ctx, db)
	if err != nil {
		return err
	}
	byID := make(map[string]queries.Indicator, len(cat))
	for _, i := range cat {
		byID[i.ID] = i
	}
	s.mu.Lock()
	s.catalog = byID
	s.mu.Unlock()
	return nil
}

// label is the indicator's name in the language of index li (pageLang), or its id when the
// catalog does not name it.
func (s *Server) label(id string, li int) string {
	s.mu.Lock()
	i, ok := s.catalog[id]
	s.mu.Unlock()
	if !ok {
		return id
	}
	if li == 1 {
		return i.NameEN
	}
	return i.NameVI
}

func (s *Server) unitName(code string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[code]
}

// writeJSON answers with v as JSON. It encodes v before it writes the status, so that a value
// JSON cannot hold is answered with a 500 that says so, never with a 2xx and a cut-off body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = enc.Encode(map[string]string{"error": "the answer could not be encoded as JSON: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// encodeJSON is v as writeJSON writes it, and false when JSON cannot hold it.
func encodeJSON(v any) ([]byte, bool) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) apiIndicators(w http.ResponseWriter, r *http.Request) {
	label := r.URL.Query().Get("period")
	if label == "" {
		label = "2025"
	}
	p, err := publicPeriod(label, time.Now())
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	gen := s.gen.Load() // before the answer: a page rendered from a newer one is only discarded
	rows, notes, at, err := s.indicators(r.Context(), p)
	if err != nil {
		s.cfg.Log.Error("indicators", "err", err)
		jsonError(w, http.StatusInternalServerError, "the indicators could not be computed; see the server log")
		return
	}
	// The state the answer is over: the newest one the server has an answer of, which a
	// refresh may be replacing (X-NTM-Stale).
	s.setSnapshotHeaders(w, at)
	key := "api " + p.Label
	if pg, ok := s.pages.get(key, gen); ok && pg.at == at {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(pg.body)
		return
	}
	type row struct {
		IndicatorID string       `json:"indicator_id"`
		Period      string       `json:"period"`
		ScopeLevel  string       `json:"scope_level"`
		ScopeCode   string       `json:"scope_code"`
		Numerator   *queries.Int `json:"numerator"` // a JSON number of every digit, past 2^53 too
		Denominator *queries.Int `json:"denominator"`
		Value       *string      `json:"value"`
		Target      *string      `json:"target"`
		Met         *bool        `json:"met"`
		Suppressed  bool         `json:"suppressed,omitempty"` // fewer than 10 responses: nothing of it is published
	}
	out := make([]row, len(rows))
	for i, x := range rows {
		out[i] = row{IndicatorID: x.IndicatorID, Period: x.Period, ScopeLevel: x.ScopeLevel, ScopeCode: x.ScopeCode,
			Numerator: &x.Numerator, Denominator: &x.Denominator, Value: opt(x.Value), Target: opt(x.Target)}
		if queries.SmallCell(x) {
			out[i].Numerator, out[i].Denominator, out[i].Value, out[i].Suppressed = nil, nil, nil, true
			continue
		}
		if x.Met != "" {
			m := x.Met == "true"
			out[i].Met = &m
		}
	}
	answer := map[string]any{"period": p.Label, "indicators": out, "snapshot_id": at.ID}
	if !at.At.IsZero() {
		answer["as_of"] = at.At.UTC().Format(time.RFC3339)
	}
	if len(notes) > 0 {
		// Why zeros mean no data, or why district-level rows are empty and the scopes are communes.
		text := make([]string, len(notes))
		for i, n := range notes {
			text[i] = n.String()
		}
		answer["note"] = strings.Join(text, "\n")
	}
	body, ok := encodeJSON(answer)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, answer)
		return
	}
	s.pages.put(key, renderedPage{gen: gen, at: at, body: body})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	snap, err := s.cfg.Warehouse.Current(r.Context())
	if err != nil {
		jsonError(w, http.StatusServiceUnavailable, "the warehouse cannot be read: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok",
		"events_log_snapshot":   snap.Tables[warehouse.EventsLog].SnapshotID,
		"dead_letters_snapshot": snap.Tables[warehouse.DeadLetters].SnapshotID})
}

// feed serves the ministry report revisions, newest first.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Reports == "" {
		jsonError(w, http.StatusNotFound, "no report directory is configured (ntm serve --reports DIR)")
		return
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.Reports, "feed.json"))
	if errors.Is(err, os.ErrNotExist) {
		writeJSON(w, http.StatusOK, map[string]any{"revisions": []any{}})
		return
	}
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "the feed cannot be read")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

func (s *Server) feedFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if s.cfg.Reports == "" || name != filepath.Base(name) || (filepath.Ext(name) != ".csv" && filepath.Ext(name) != ".json") {
		http.NotFound(w, r)
		return
	}
	if filepath.Ext(name) == ".csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	}
	http.ServeFile(w, r, filepath.Join(s.cfg.Reports, name))
}

// periods offered by the picker, newest first.
func periods() []string {
	out := []string{"2025", "2024", "2023", "2022"}
	for q := 4; q >= 1; q-- {
		out = append(out, fmt.Sprintf("2025-Q%d", q))
	}
	for m := 12; m >= 1; m-- {
		out = append(out, fmt.Sprintf("2025-%02d", m))
	}
	return out
}

func sortedScopes(rows []queries.Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if r.ScopeLevel != "province" && !seen[r.ScopeCode] {
			seen[r.ScopeCode] = true
			out = append(out, r.ScopeCode)
		}
	}
	sort.Strings(out)
	return out
}

// Close cancels the computations of cached answers that run and waits for them to end.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
}

// Watch reads the current state every interval until ctx ends and, when it has changed,
// refreshes every cached answer in the background, so that even the first request after a
// commit finds a fresh answer (or, while the refresh runs, the previous one).
func (s *Server) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
		}
		cur, err := s.current(ctx)
		if err != nil {
			s.cfg.Log.Warn("watch: the warehouse cannot be read", "err", err)
			continue
		}
		s.indicatorsCache.refreshAll(cur)
		s.maps.refreshAll(cur)
		s.units.refreshAll(cur)
	}
}

// setSnapshotHeaders says which state an answer is over: X-NTM-Snapshot is the snapshots of
// the event log and the dead letters, X-NTM-Data-As-Of the instant of the latest commit, and
// X-NTM-Stale is set when a newer state exists whose answer is being computed.
func (s *Server) setSnapshotHeaders(w http.ResponseWriter, at stamp) {
	h := w.Header()
	h.Set("X-NTM-Snapshot", at.ID)
	if !at.At.IsZero() {
		h.Set("X-NTM-Data-As-Of", at.At.UTC().Format(time.RFC3339))
	}
	s.snapMu.Lock()
	cur := s.snap.ID
	s.snapMu.Unlock()
	if cur != "" && cur != at.ID {
		h.Set("X-NTM-Stale", "true")
	}
}

// Warm computes the indicators the dashboard shows first (the years and the default period),
// and the default period's maps, so that the first visitor does not wait for them.
func (s *Server) Warm(ctx context.Context) {
	for _, y := range []string{"2025", "2024", "2023", "2022"} {
		p, _ := queries.ParsePeriod(y)
		if _, err := s.Indicators(ctx, p); err != nil {
			s.cfg.Log.Warn("could not precompute the indicators", "period", y, "err", err)
			return
		}
	}
	p, _ := queries.ParsePeriod("2025")
	if _, _, err := s.mapLayers(ctx, p); err != nil {
		s.cfg.Log.Warn("could not precompute the maps", "period", p.Label, "err", err)
	}
}
