package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/thanhhoa-ntm/ntm/queries/opendata"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func publishCommand() command {
	return command{
		name:    "publish",
		usage:   "--warehouse DIR --period P --out DIR [--known-at TS|DATE]",
		summary: "xuất bản dữ liệu mở của kỳ / publish the period's open datasets (CSV, Parquet, GeoJSON, Frictionless)",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			period := fs.String("period", "", "a year (2025), a quarter (2025-Q3) or a month (2025-07)")
			out := fs.String("out", "", "output directory; the datasets go to OUT/<period>/")
			knownAt := fs.String("known-at", "", knownAtHelp)
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *dir == "" || *out == "" {
					return usagef("--warehouse and --out are required")
				}
				p, at, err := periodAndKnownAt(*period, *knownAt)
				if err != nil {
					return err
				}
				outAbs, err := filepath.Abs(*out)
				if err != nil {
					return err
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
				db, snap, err := session.OpenWith(ctx, wh, session.Options{AllowDirs: []string{outAbs}, Unlocked: true})
				if err != nil {
					return err
				}
				defer db.Close()
				res, err := opendata.Publish(ctx, db, opendata.Options{Period: p, KnownAt: at,
					DataKnownAt: snap.KnownAt(at), Out: outAbs})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Dữ liệu mở / open data, %s → %s\n", p.Label, res.Dir)
				for _, d := range res.Datasets {
					fmt.Fprintf(e.stdout, "  %-24s %8d rows\n", d.Name, d.Rows)
				}
				return nil
			}
		},
	}
}
