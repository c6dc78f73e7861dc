package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
	"github.com/thanhhoa-ntm/ntm/warehouse/compaction"
)

func compactCommand() command {
	return command{
		name:    "compact",
		usage:   "--warehouse DIR [--table events_log|dead_letters|all] [--target-size 128MiB] [--min-files N]",
		summary: "gộp các tệp nhỏ của kho / merge the warehouse's small files, never exposing a partial state",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			tbl := fs.String("table", "all", "table to compact: events_log, dead_letters or all")
			target := fs.String("target-size", "128MiB", "size merged files aim for (B, KiB, MiB, GiB, KB, MB, GB); files under 3/4 of it are merged")
			minFiles := fs.Int("min-files", 5, "small files a partition needs before it is compacted")
			retain := fs.Duration("retain", time.Hour, "how long replaced files stay on disk for readers of earlier snapshots")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *dir == "" {
					return usagef("--warehouse is required: the directory of the warehouse (e.g. --warehouse ./warehouse)")
				}
				var tables []string
				switch *tbl {
				case "all":
				case warehouse.EventsLog, warehouse.DeadLetters:
					tables = []string{*tbl}
				default:
					return usagef("--table %q: use events_log, dead_letters or all", *tbl)
				}
				size, err := parseSize(*target)
				if err != nil {
					return usagef("--target-size %q: %v (e.g. 128MiB)", *target, err)
				}
				if *minFiles < 2 {
					return usagef("--min-files %d: at least 2 files are needed to merge", *minFiles)
				}
				if *retain <= 0 {
					return usagef("--retain %s: give a positive duration (e.g. 1h)", *retain)
				}
				wh, err := warehouse.Open(ctx, *dir, false)
				if err != nil {
					return err
				}
				defer wh.Close()
				res, err := compaction.Run(ctx, wh, compaction.Options{
					Tables: tables, TargetSize: size, MinFiles: *minFiles, Retain: *retain, OnCommit: session.DBFileHook(wh),
					Merge: func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error) {
						return batch.Merge(ctx, memory.DefaultAllocator, out, sources, meta)
					},
				})
				for _, r := range res {
					fmt.Fprintf(e.stdout, "%-14s files %6d -> %-6d %9.1f MiB -> %-9.1f %12d rows  merged %d files into %d in %.1f s",
						r.Table, r.FilesBefore, r.FilesAfter, mib(r.BytesBefore), mib(r.BytesAfter), r.Rows, r.Replaced, r.Written, r.Duration.Seconds())
					if r.Deleted > 0 {
						fmt.Fprintf(e.stdout, "; deleted %d files replaced over %s ago", r.Deleted, *retain)
					}
					fmt.Fprintln(e.stdout)
				}
				return err
			}
		},
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// parseSize reads a byte size: a number with an optional unit, binary (KiB, MiB, GiB) or
// decimal (KB, MB, GB).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.n
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("not a positive size")
	}
	return int64(v * float64(mult)), nil
}
