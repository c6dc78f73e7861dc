package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func verifyCommand() command {
	return command{
		name:    "verify",
		usage:   "--warehouse DIR",
		summary: "kiểm tra tính toàn vẹn của kho / check the warehouse's integrity",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			return func(ctx context.Context, e env, args []string) error {
				if *dir == "" {
					return usagef("--warehouse is required")
				}
				wh, err := warehouse.Open(ctx, *dir, false)
				if err != nil {
					return err
				}
				if err := refreshDBFile(ctx, wh); err != nil {
					wh.Close()
					return err
				}
				defer wh.Close()
				r, err := wh.Verify(ctx)
				if err != nil {
					return err
				}
				for _, t := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
					fmt.Fprintf(e.stdout, "%-14s %6d snapshots %6d files %12d rows\n", t, r.Snapshots[t], r.Files[t], r.Rows[t])
				}
				if r.InFlight > 0 {
					fmt.Fprintf(e.stdout, "%d files of running ingest processes are not committed yet (not a problem)\n", r.InFlight)
				}
				if len(r.Problems) == 0 {
					fmt.Fprintln(e.stdout, "OK: kho toàn vẹn / the warehouse is intact")
					return nil
				}
				for _, p := range r.Problems {
					fmt.Fprintln(e.stdout, "FAIL", p)
				}
				return fmt.Errorf("%d integrity problems found (listed above)", len(r.Problems))
			}
		},
	}
}
