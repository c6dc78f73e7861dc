package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// derivedRow is what issue 16 measures on one warehouse: the derived state's refreshes and the
// answers read from it.
type derivedRow struct {
	Scale  string
	Events int64
	// Full derives the state of the last snapshot from the log; Incr brings the state of the
	// snapshot before the last 1% forward. Each is the ntm refresh process; the *Derive figures
	// are the derivation alone (ntm refresh's log), without the copy for outside clients.
	Full, Incr             proc
	FullDerive, IncrDerive time.Duration
	FullBytes              int64 // the derived file
	Queries                []derivedQuery
}

type derivedQuery struct {
	Name, Goal string
	Limit      time.Duration
	Proc       proc // median of the runs
}

// analystQueries are the queries of issue 16's table, as an analyst runs them with ntm sql, and
// the indicators of a period with ntm indicators.
var analystQueries = []struct {
	name  string
	limit time.Duration
	args  []string
}{
	{"`ntm sql \"SELECT 1\"` (the session's start)", 300 * time.Millisecond, []string{"sql", "SELECT 1"}},
	{"`SELECT count(*) FROM admin_units`", 100 * time.Millisecond, []string{"sql", "SELECT count(*) FROM admin_units"}},
	{"online-dossier share by district × month", time.Second, []string{"sql", `SELECT u.top_code, date_trunc('month', d.business_date) AS month,
       avg(CASE WHEN d.processed_online THEN 1 ELSE 0 END) AS online_share, count(*) AS dossiers
FROM dossier_completed d ASOF JOIN unit_scopes(NULL) u ON u.code = d.unit_code AND d.business_date >= u.d
GROUP BY ALL ORDER BY ALL`}},
	{"indicators of 2025 as of two instants (`indicators('2025', NULL)` and as of 2100)", time.Second, []string{"sql",
		"SELECT count(*) FROM (SELECT * FROM indicators('2025', NULL) UNION ALL SELECT * FROM indicators('2025', TIMESTAMPTZ '2100-01-01 00:00:00+07'))"}},
	{"`ntm indicators --period 2025` (every indicator of a period)", 2 * time.Second, []string{"indicators", "--period", "2025", "--format", "csv"}},
}

var deriveSeconds = regexp.MustCompile(`derive_seconds=([0-9.]+)`)

// refresh runs ntm refresh on dir and returns the process and the derivation's own time.
func (b *bench) refresh(ctx context.Context, dir string) (proc, time.Duration, error) {
	var errOut bytes.Buffer
	p, err := child(ctx, io.MultiWriter(b.blog, &errOut), nil, nil, b.cfg.ntm, "refresh", "--warehouse", dir)
	if err != nil {
		return p, 0, err
	}
	m := deriveSeconds.FindSubmatch(errOut.Bytes())
	if m == nil {
		return p, 0, fmt.Errorf("ntm refresh logged no derive_seconds")
	}
	s, err := strconv.ParseFloat(string(m[1]), 64)
	return p, time.Duration(s * float64(time.Second)), err
}

// derivedFigures measures the derived state of dir, whose last ingest added the last 1% of its
// events and whose commit hook brought the state forward: the newest state is removed and
// brought forward again from the one before (the incremental refresh), then every state is
// removed and the last derived from the log (the full one), then the analyst's queries run on it.
func (b *bench) derivedFigures(ctx context.Context, scale, dir string, events int64) error {
	row := derivedRow{Scale: scale, Events: events}
	derived := filepath.Join(dir, "derived")
	files, err := filepath.Glob(filepath.Join(derived, "*.duckdb"))
	if err != nil {
		return err
	}
	newest := ""
	var mod time.Time
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().After(mod) {
			newest, mod = f, fi.ModTime()
		}
	}
	if len(files) < 2 || newest == "" {
		return fmt.Errorf("%s: %d derived states, want the last two", derived, len(files))
	}
	if err := os.Remove(newest); err != nil {
		return err
	}
	if row.Incr, row.IncrDerive, err = b.refresh(ctx, dir); err != nil {
		return err
	}
	if err := os.RemoveAll(derived); err != nil {
		return err
	}
	if row.Full, row.FullDerive, err = b.refresh(ctx, dir); err != nil {
		return err
	}
	if fi, err := os.Stat(newest); err == nil {
		row.FullBytes = fi.Size()
	}
	for _, q := range analystQueries {
		med, _, err := repeat(b.cfg.runs, func(int) (proc, error) {
			return b.ntm(ctx, nil, append(q.args, "--warehouse", dir)...)
		})
		if err != nil {
			return err
		}
		row.Queries = append(row.Queries, derivedQuery{Name: q.name, Limit: q.limit, Proc: med})
	}
	b.log.Info("derived state", "scale", scale, "full", row.FullDerive, "incremental", row.IncrDerive)
	b.r.Derived = append(b.r.Derived, row)
	return nil
}

// derivedMarkdown is section 8 of the report.
func (r *report) derivedMarkdown(w func(string, ...any)) {
	if len(r.Derived) == 0 {
		return
	}
	w("## 8. Answers at interactive speed: the derived state (issue 16)\n\n")
	w("After the last 1%% of a scale's stream was ingested: `ntm refresh` bringing the state of the snapshot before forward (incremental), then deriving it from the log (full); then the analyst's queries, each a process of its own (median of %d), reading the derived state.\n\n", r.Runs)
	w("| scale | records | full refresh s (process) | incremental s (process) | incremental ÷ full | goal ≤ 3%% | derived file MiB | µs per record (full) |\n|---|---:|---:|---:|---:|---|---:|---:|\n")
	for _, d := range r.Derived {
		ratio := d.IncrDerive.Seconds() / d.FullDerive.Seconds()
		w("| %s | %d | %s (%s) | %s (%s) | %.1f%% | %s | %.0f | %.2f |\n", d.Scale, d.Events, secs(d.FullDerive), secs(d.Full.Wall),
			secs(d.IncrDerive), secs(d.Incr.Wall), 100*ratio, goal(ratio <= 0.03), mib(d.FullBytes), us(d.FullDerive, d.Events))
	}
	w("\nThe derivation alone is ntm refresh's own figure (`derive_seconds` in its log); the process adds its start and the copy of the file for outside clients (`ntm.duckdb`).\n\n")
	w("| scale | query | wall s | goal | |\n|---|---|---:|---:|---|\n")
	for _, d := range r.Derived {
		for _, q := range d.Queries {
			w("| %s | %s | %s | < %s s | %s |\n", d.Scale, q.Name, secs(q.Proc.Wall), secs(q.Limit), goal(q.Proc.Wall < q.Limit))
		}
	}
	w("\n")
}
