package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/thanhhoa-ntm/ntm/events/generate"
)

func generateCommand() command {
	return command{
		name:    "generate",
		usage:   "--seed N --scale small|medium|large [--bad-rate R] [--out FILE] [--stats]",
		summary: "sinh luồng sự kiện mẫu của tỉnh / write a realistic, deterministic province event stream (NDJSON)",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			seed := fs.Uint64("seed", 1, "seed: the same seed gives the same bytes")
			scale := fs.String("scale", "small", "size: small (~200k events), medium (~2M) or large (~20M)")
			badRate := fs.Float64("bad-rate", 0, "share of extra invalid lines, each reason code in turn (0..1)")
			out := fs.String("out", "", "write the stream to this file instead of standard output")
			stats := fs.Bool("stats", false, "print counts per type and per rejection reason (to stdout with --out, else stderr)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q; flags come before it", args[0])
				}
				sc, err := generate.ParseScale(*scale)
				if err != nil {
					return usageError{err.Error()}
				}
				if *badRate < 0 || *badRate > 1 {
					return usagef("--bad-rate %v is outside 0..1", *badRate)
				}
				var w io.Writer = e.stdout
				statsTo := e.stderr
				var file *os.File
				if *out != "" {
					f, err := os.Create(*out)
					if err != nil {
						return fmt.Errorf("create the output file: %w", err)
					}
					defer f.Close()
					file, w, statsTo = f, f, e.stdout
				}
				start := time.Now()
				st, err := generate.Generate(ctx, w, generate.Options{Seed: *seed, Scale: sc, BadRate: *badRate})
				if err != nil {
					return fmt.Errorf("generate the stream: %w", err)
				}
				// A generated stream is test input that its seed makes again, so it is closed but not
				// synced to disk: syncing would cost more than generating it.
				if file != nil {
					if err := file.Close(); err != nil {
						return fmt.Errorf("write %s: %w", *out, err)
					}
				}
				elapsed := time.Since(start)
				e.log.Info("generated", "lines", st.Lines, "bytes", st.Bytes, "seconds", elapsed.Seconds(),
					"events_per_s", int(float64(st.Lines)/elapsed.Seconds()))
				if *stats {
					bw := bufio.NewWriter(statsTo)
					printSummary(bw, summary{
						title: "Luồng sự kiện / event stream (seed " + fmt.Sprint(*seed) + ", scale " + string(sc) + ")",
						lines: st.Lines, accepted: st.Accepted, duplicates: st.Duplicates,
						rejected: st.Rejected, hard: st.Hard,
					})
					return bw.Flush()
				}
				return nil
			}
		},
	}
}
