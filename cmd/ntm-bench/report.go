package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// report is every figure of one run.
type report struct {
	Date    string
	Machine string
	Runs    int
	Ingest  []ingestRow
	Yard    *yardRow
	Medium  string
	Incr    *incrRow
	Files   *filesRow
	Queries []queryRow
	Writers string
	WebLoad string // the figures web.TestLoad logs
	Derived []derivedRow
	Steps   []stepTime
	Total   time.Duration
}

type ingestRow struct {
	Scale   string
	Events  int64
	Bytes   int64
	Proc    proc // median run (large: the parts summed, RSS the largest)
	Runs    []proc
	Storage storageRow
}

type yardRow struct {
	Events      int64
	Bytes       int64
	DuckDB      proc
	DuckDBRows  int64
	DuckDBBytes int64
	Consume     proc
	Decode      proc
}

type incrRow struct {
	Events     [2]int64
	Ingest     [2]proc
	Indicators [2]proc
}

type filesRow struct {
	Ingest    proc
	Before    map[string]int
	After     map[string]int
	Compact   proc
	Compacted bool
}

type queryRow struct {
	Factor     int
	Events     int64
	Scan       proc
	Indicators proc
}

type storageRow struct {
	Scale  string
	Events int64
	NDJSON int64
	Tables int64 // bytes under iceberg/: data, manifests, metadata
	All    int64 // the whole directory, with the DuckDB file and the id index
	Files  map[string]int
}

type stepTime struct {
	Name string
	Took time.Duration
}

func newReport(cfg config) *report {
	return &report{Date: time.Now().UTC().Format("2006-01-02"), Machine: machine(), Runs: cfg.runs}
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

func goal(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Benchmarks\n\n")
	w("Written by `make bench` (`go run ./cmd/ntm-bench`) on %s: %s. Every figure below comes from this one run, ", r.Date, r.Machine)
	w("on the same generated events (seed 1, 0.1%% invalid lines); throughput figures are the median of %d runs. ", r.Runs)
	w("The machine is shared, so absolute figures move between runs; the ratios, taken minutes apart on the same events, are what to compare. ")
	w("Wall, CPU (user+system) and peak RSS are each process's own, from the kernel's accounting.\n\n")

	if y := r.Yard; y != nil {
		var ing ingestRow
		for _, row := range r.Ingest {
			if row.Scale == "medium" {
				ing = row
			}
		}
		in := rate(ing.Events, ing.Proc.Wall)
		w("## 1. Ingest throughput (scale medium: %d records, %.0f MiB of NDJSON)\n\n", y.Events, mib(y.Bytes))
		w("| what | wall s | records/s | MiB/s | CPU s | peak RSS MiB | ingest ÷ this |\n|---|---:|---:|---:|---:|---:|---:|\n")
		line := func(name string, p proc) {
			w("| %s | %s | %.0f | %.1f | %s | %.0f | %.2f× |\n", name, secs(p.Wall), rate(y.Events, p.Wall), mib(y.Bytes)/p.Wall.Seconds(), secs(p.CPU), mib(p.MaxRSS), in/rate(y.Events, p.Wall))
		}
		line("`ntm ingest` Kafka → validated, deduplicated, committed Iceberg tables", ing.Proc)
		line(fmt.Sprintf("DuckDB `COPY (SELECT * FROM read_json(…)) TO … (FORMAT parquet, COMPRESSION zstd)` (%d rows, %.0f MiB out)", y.DuckDBRows, mib(y.DuckDBBytes)), y.DuckDB)
		line("consume only: a franz-go consumer with ingest's fetch settings that counts records", y.Consume)
		line("decode + validate alone (`events.Decoder`, every core, lines in memory)", y.Decode)
		w("\nGoals: ingest ≥ 1.0× DuckDB's records/s: %s (%.2f×); ingest ≥ 0.8× the consume-only ceiling: %s (%.2f×).\n",
			goal(in >= rate(y.Events, y.DuckDB.Wall)), in/rate(y.Events, y.DuckDB.Wall),
			goal(in >= 0.8*rate(y.Events, y.Consume.Wall)), in/rate(y.Events, y.Consume.Wall))
		w("CPU per record: ingest %.1f µs, DuckDB %.1f µs, consume %.1f µs, decode %.1f µs.\n\n",
			us(ing.Proc.CPU, y.Events), us(y.DuckDB.CPU, y.Events), us(y.Consume.CPU, y.Events), us(y.Decode.CPU, y.Events))
		w("Runs of `ntm ingest` (wall s):")
		for _, p := range ing.Runs {
			w(" %s", secs(p.Wall))
		}
		w(".\n\n")
	}

	if len(r.Ingest) > 0 {
		w("## 2. Memory: peak RSS of `ntm ingest`\n\n| scale | records | wall s | records/s | peak RSS MiB | goal < 1 GiB | ingest's process alone MiB | its refresh processes MiB |\n|---|---:|---:|---:|---:|---|---:|---:|\n")
		for _, row := range r.Ingest {
			w("| %s | %d | %s | %.0f | %.0f | %s | %.0f | %.0f |\n", row.Scale, row.Events, secs(row.Proc.Wall), rate(row.Events, row.Proc.Wall), mib(row.Proc.MaxRSS), goal(row.Proc.MaxRSS < 1<<30), mib(row.Proc.SelfRSS), mib(row.Proc.RefreshRSS))
		}
		w("\nThe peak RSS is the kernel's for the process and its children: ingest runs the refresh of the derived state after its commits as `ntm refresh`, a process of its own (DuckDB's memory), and the larger of the two is the peak; the last two columns are ingest's own high-water mark (VmHWM) and the largest of its refresh processes', as they report them. The broker runs as a process of its own: Linux counts the peak of the process that starts a child as the child's, and the broker holds every produced record.\n")
		w("\nLarge is ingested in four runs (a quarter, a quarter, 49%%, 1%%: the third is %s records in one process) so that section 3 can query it at 1×, 2× and 4× and section 8 refresh after the last 1%%; its wall time is their sum and its RSS the largest.\n\n", "about 10 million")
	}

	if len(r.Queries) > 0 {
		w("## 3. Queries: every indicator for 2025 against a bare scan (scale large, in parts)\n\n")
		w("| data | records | bare scan s | `ntm indicators` s | ratio | indicators peak RSS MiB | indicators µs/record |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, q := range r.Queries {
			w("| %d× | %d | %s | %s | %.2f× | %.0f | %.2f |\n", q.Factor, q.Events, secs(q.Scan.Wall), secs(q.Indicators.Wall),
				q.Indicators.Wall.Seconds()/q.Scan.Wall.Seconds(), mib(q.Indicators.MaxRSS), us(q.Indicators.Wall, q.Events))
		}
		last := r.Queries[len(r.Queries)-1]
		first := r.Queries[0]
		w("\nThe bare scan reads the event log's envelope and typed columns of the same snapshot's files with one `max()` each, in DuckDB with ntm's session settings. ")
		w("Goal ≤ 3× the bare scan at 4×: %s (%.2f×). Scaling from 1× to 4×: time ×%.2f for data ×%.2f: %s.\n\n",
			goal(last.Indicators.Wall.Seconds() <= 3*last.Scan.Wall.Seconds()), last.Indicators.Wall.Seconds()/last.Scan.Wall.Seconds(),
			last.Indicators.Wall.Seconds()/first.Indicators.Wall.Seconds(), float64(last.Events)/float64(first.Events),
			linear(last.Indicators.Wall.Seconds()/first.Indicators.Wall.Seconds(), float64(last.Events)/float64(first.Events)))
	}

	if c := r.Incr; c != nil {
		full := c.Ingest[0].Wall + c.Ingest[1].Wall
		w("## 4. Incremental work (scale medium: 99%%, then the last 1%%)\n\n| step | records | ingest wall s | share of the whole ingest | `ntm indicators` after it s |\n|---|---:|---:|---:|---:|\n")
		for i, name := range []string{"first 99%", "last 1%"} {
			w("| %s | %d | %s | %.1f%% | %s |\n", name, c.Events[i], secs(c.Ingest[i].Wall), 100*c.Ingest[i].Wall.Seconds()/full.Seconds(), secs(c.Indicators[i].Wall))
		}
		w("\nIngesting 1%% more cost %.1f%% of the whole (goal about 1%%: %s): a run's fixed start (joining the group, resuming from the tables' offsets, opening the id index) is counted in it.\n\n",
			100*c.Ingest[1].Wall.Seconds()/full.Seconds(), goal(c.Ingest[1].Wall.Seconds()/full.Seconds() <= 0.03))
	}

	if len(r.Ingest) > 0 {
		w("## 5. Storage\n\n| scale | records | NDJSON MiB | tables MiB | tables ÷ NDJSON | bytes/record | whole dir MiB | files (events_log, dead_letters) | goal ≤ 0.15× |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, row := range r.Ingest {
			s := row.Storage
			ratio := float64(s.Tables) / float64(s.NDJSON)
			w("| %s | %d | %.0f | %.1f | %.3f× | %.0f | %.1f | %d, %d | %s |\n", s.Scale, s.Events, mib(s.NDJSON), mib(s.Tables), ratio,
				float64(s.Tables)/float64(s.Events), mib(s.All), s.Files["events_log"], s.Files["dead_letters"], goal(ratio <= 0.15))
		}
		w("\nTables = everything under `iceberg/` (Parquet data, manifests, metadata); the whole directory adds the DuckDB file for outside clients and the event-id index (a cache).\n\n")
	}
	if f := r.Files; f != nil {
		w("Small flushes: the small stream ingested with a flush every 100 ms or 1 MiB (%s s) left %s files", secs(f.Ingest.Wall), files(f.Before))
		if f.Compacted {
			w("; `ntm compact` (%s s, peak RSS %.0f MiB) left %s, and `ntm verify` was clean after it.\n\n", secs(f.Compact.Wall), mib(f.Compact.MaxRSS), files(f.After))
		} else {
			w("; `ntm compact` was not available in this build.\n\n")
		}
	}

	if r.Writers != "" {
		w("## 6. The Parquet writer\n\n`go test -tags duckdb_arrow -run '^$' -bench Writer -benchtime 3x ./warehouse/batch/writerbench/`, in this run:\n\n```\n%s```\n\n", benchLines(r.Writers))
		w("%s\n", writerDecision)
	}

	if r.WebLoad != "" {
		w("## 7. The web service under load\n\n50 clients on loopback, each pausing 100 ms between requests, alternate `/` and `/api/v1/indicators` for 20 s while ingest commits a part of a small stream every 2 s; the answers are served from the newest computed snapshot while one refresh per period runs (goal: p99 < 200 ms). `go test -run '^TestLoad$' -v ./web/ -load -load.think 100ms`, in this run:\n\n```\n%s```\n\n", loadLines(r.WebLoad))
	}

	r.derivedMarkdown(w)

	w("## This run\n\n| step | took s |\n|---|---:|\n")
	for _, s := range r.Steps {
		w("| %s | %s |\n", s.Name, secs(s.Took))
	}
	w("| total | %s |\n", secs(r.Total))
	return b.String()
}

func us(d time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

func linear(timeFactor, dataFactor float64) string {
	if timeFactor <= dataFactor*1.1 {
		return "linear or better"
	}
	return "**worse than linear**"
}

func files(m map[string]int) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// benchLines keeps the lines of go test's output that carry figures.
func benchLines(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "goos") || strings.HasPrefix(l, "cpu") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// loadLines are the figures of web.TestLoad's output: its log lines, without the file name.
func loadLines(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if _, fig, ok := strings.Cut(l, "load_internal_test.go:"); ok {
			if _, fig, ok = strings.Cut(fig, ": "); ok {
				b.WriteString(fig + "\n")
			}
		}
	}
	return b.String()
}
