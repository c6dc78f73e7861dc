package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/thanhhoa-ntm/ntm/events/ndjson"
)

func validateCommand() command {
	return command{
		name:    "validate",
		usage:   "[--strict] [FILE|-]",
		summary: "kiểm tra tệp sự kiện theo hợp đồng / check an NDJSON event file against the contract, as ingest would",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			strict := fs.Bool("strict", false, "exit 1 when any line would be rejected")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 1 {
					return usagef("give one file (or - for standard input), not %d", len(args))
				}
				var in io.Reader = e.stdin
				name := "standard input"
				if len(args) == 1 && args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return fmt.Errorf("open the event file: %w", err)
					}
					defer f.Close()
					in, name = f, args[0]
				}
				r := ndjson.NewReader(in)
				t := ndjson.NewTally()
				for {
					if t.Lines%65536 == 0 {
						if err := ctx.Err(); err != nil {
							return err
						}
					}
					line, n, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						return err
					}
					t.Add(line, n)
				}
				bw := bufio.NewWriter(e.stdout)
				printSummary(bw, summary{
					title: "Kiểm tra / validation of " + name,
					lines: t.Lines, accepted: t.Accepted, duplicates: t.Duplicates,
					rejected: t.Rejected, examples: t.Examples,
				})
				if err := bw.Flush(); err != nil {
					return err
				}
				if *strict && len(t.Rejected) > 0 {
					return errors.New("some lines would be rejected; see the reasons above")
				}
				return nil
			}
		},
	}
}
