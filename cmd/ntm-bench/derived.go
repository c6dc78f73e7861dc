package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	Name   string
	Limit  time.Duration
	Scales []string // where the goal applies; elsewhere the figure is shown without one
	Net    bool     // the goal is the query's own time: the process less the session's start
	Proc   proc     // median of the runs
}

// analystQueries are the queries of issue 16's table, as an analyst runs them with ntm sql, and
// the indicators of a period with ntm indicators. The first is the session's start alone, which
// the others' own time is taken net of.
var analystQueries = []struct {
	name   string
	limit  time.Duration
	scales []string
	net    bool
	args   []string
}{
	{"`ntm sql \"SELECT 1\"` (the session's start)", 300 * time.Millisecond, []string{"medium", "large"}, false, []string{"sql", "SELECT 1"}},
	{"`SELECT count(*) FROM admin_units`", 100 * time.Millisecond, []string{"medium", "large"}, true, []string{"sql", "SELECT count(*) FROM admin_units"}},
	{"online-dossier share by district × month", time.Second, []string{"medium"}, true, []string{"sql", `SELECT u.top_code, date_trunc('month', d.business_date) AS month,
       avg(CASE WHEN d.processed_online THEN 1 ELSE 0 END) AS online_share, count(*) AS dossiers
FROM dossier_completed d ASOF JOIN unit_scopes(NULL) u ON u.code = d.unit_code AND d.business_date >= u.d
GROUP BY ALL ORDER BY ALL`}},
	{"indicators of 2025 as of two instants (now, and the commit before the last 1%)", time.Second, []string{"medium"}, true, []string{"sql",
		"SELECT count(*) FROM (SELECT * FROM indicators('2025', NULL) UNION ALL SELECT * FROM indicators('2025', TIMESTAMPTZ '" + earlierInstant + "'))"}},
	{"`ntm indicators --period 2025` (every indicator of a period, the whole process)", 2 * time.Second, []string{"large"}, false, []string{"indicators", "--period", "2025", "--format", "csv"}},
}

// earlierInstant stands in a query for the commit time of the snapshot before the last one.
const earlierInstant = "@earlier@"

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
	var out bytes.Buffer
	if _, err := b.ntm(ctx, &out, "sql", "--format", "csv", "--warehouse", dir,
		"SELECT strftime(max(committed_at), '%Y-%m-%d %H:%M:%S.%f%z') FROM events_log WHERE committed_at < (SELECT max(committed_at) FROM events_log)"); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	earlier := strings.TrimSpace(lines[len(lines)-1])
	for _, q := range analystQueries {
		args := slices.Clone(q.args)
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], earlierInstant, earlier)
		}
		med, _, err := repeat(b.cfg.runs, func(int) (proc, error) {
			return b.ntm(ctx, nil, append(args, "--warehouse", dir)...)
		})
		if err != nil {
			return err
		}
		row.Queries = append(row.Queries, derivedQuery{Name: q.name, Limit: q.limit, Scales: q.scales, Net: q.net, Proc: med})
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
	w("| scale | query | process wall s | the query's own s | goal | |\n|---|---|---:|---:|---:|---|\n")
	for _, d := range r.Derived {
		start := d.Queries[0].Proc.Wall
		for _, q := range d.Queries {
			own, measured := "", q.Proc.Wall
			if q.Net {
				measured = max(0, q.Proc.Wall-start)
				own = secs(measured)
			}
			if slices.Contains(q.Scales, d.Scale) {
				w("| %s | %s | %s | %s | < %s s | %s |\n", d.Scale, q.Name, secs(q.Proc.Wall), own, secs(q.Limit), goal(measured < q.Limit))
			} else {
				w("| %s | %s | %s | %s | | |\n", d.Scale, q.Name, secs(q.Proc.Wall), own)
			}
		}
	}
	w("\nA query's own time is its process's less that of `SELECT 1` (starting the process and opening the session). The goals are issue 16's: the session's start and `admin_units` at every scale, the analyst's queries on medium, every indicator of a period at large.\n\n")
}
