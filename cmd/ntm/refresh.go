package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func refreshCommand() command {
	return command{
		name:    "refresh",
		usage:   "--warehouse DIR",
		summary: "dựng trạng thái dẫn xuất của ảnh chụp hiện tại / write the derived state of the current snapshot, which sessions open instead of deriving it",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *dir == "" {
					return usagef("--warehouse is required: the directory of the warehouse (e.g. --warehouse ./warehouse)")
				}
				wh, err := warehouse.Open(ctx, *dir, false)
				if err != nil {
					return err
				}
				defer wh.Close()
				// The derivation first, timed by itself; then the copy for outside clients.
				start := time.Now()
				r, err := session.RefreshState(ctx, wh)
				if err != nil {
					return err
				}
				derive := time.Since(start)
				if err := session.PublishDBFile(wh, r); err != nil {
					return err
				}
				e.log.Info("refreshed", "how", r.How, "from", r.From, "why", r.Why, "added_files", r.Added,
					"types", r.Types, "hierarchy", r.Hierarchy, "derive_seconds", derive.Seconds(), "seconds", time.Since(start).Seconds(),
					"rss_self_mib", peakRSS()>>20)
				fmt.Fprintln(e.stdout, r.Path)
				return nil
			}
		},
	}
}
