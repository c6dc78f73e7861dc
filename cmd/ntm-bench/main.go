// Command ntm-bench measures the warehouse end to end, side by side with the yardsticks the
// performance goals name (DuckDB's own JSON→Parquet, the broker's consume-only ceiling, decoding
// alone, a bare scan), and writes BENCHMARKS.md. On a shared machine only ratios taken in one
// run hold, so every figure is measured here, in the same run, on the same events.
//
// It runs the ntm binary as a child process for everything a user would run (ingest,
// indicators, compact), so that wall time, CPU time and peak RSS are the process's own.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "child" {
		if err := runChild(ctx, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "ntm-bench child:", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	flag.StringVar(&cfg.ntm, "ntm", "bin/ntm", "the ntm binary to measure")
	flag.StringVar(&cfg.dir, "dir", filepath.Join(os.TempDir(), "ntm-bench"), "scratch directory (emptied first)")
	flag.StringVar(&cfg.out, "out", "BENCHMARKS.md", "where to write the report")
	flag.IntVar(&cfg.runs, "runs", 3, "runs of each throughput measurement (the median is reported)")
	flag.StringVar(&cfg.scales, "scales", "small,medium,large", "scales to measure; large adds the query scaling and about 8 minutes")
	flag.BoolVar(&cfg.writers, "writers", true, "run the Parquet writer benchmarks (go test -tags duckdb_arrow)")
	flag.BoolVar(&cfg.webLoad, "web-load", true, "run the web service's load benchmark (go test ./web/ -run TestLoad -load)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	start := time.Now()
	r, err := run(ctx, cfg, log)
	if err != nil {
		log.Error("benchmark failed", "err", err)
		os.Exit(1)
	}
	r.Total = time.Since(start)
	md := r.markdown()
	if err := os.WriteFile(cfg.out, []byte(md), 0o644); err != nil {
		log.Error("write report", "err", err)
		os.Exit(1)
	}
	fmt.Print(md)
	log.Info("report written", "file", cfg.out, "took", r.Total.Round(time.Second))
}

type config struct {
	ntm     string
	dir     string
	out     string
	runs    int
	scales  string
	writers bool
	webLoad bool
}

func (c config) has(scale string) bool {
	for _, s := range strings.Split(c.scales, ",") {
		if strings.TrimSpace(s) == scale {
			return true
		}
	}
	return false
}
