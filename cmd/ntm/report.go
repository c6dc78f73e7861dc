package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/report"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func reportCommand() command {
	return command{
		name:    "report",
		usage:   "--warehouse DIR --period P --out DIR [--brokers B --topic " + report.DefaultTopic + "]",
		summary: "báo cáo gửi Bộ (SDMX-CSV, theo lần sửa đổi) / the ministry report: SDMX-CSV revisions, a feed, Kafka",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			period := fs.String("period", "", "a year (2025), a quarter (2025-Q3) or a month (2025-07)")
			out := fs.String("out", "", "output directory: the revisions, their manifests and feed.json")
			brokers := fs.String("brokers", "", "Kafka bootstrap brokers, comma-separated; when set, every revision not yet on the topic is produced")
			topic := fs.String("topic", report.DefaultTopic, "topic of the ministry report feed")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *dir == "" || *period == "" || *out == "" {
					return usagef("--warehouse, --period and --out are required (e.g. --period 2025 --out reports)")
				}
				p, err := queries.ParsePeriod(*period)
				if err != nil {
					return usageError{err.Error()}
				}
				var seeds []string
				for _, b := range strings.Split(*brokers, ",") {
					if b = strings.TrimSpace(b); b != "" {
						seeds = append(seeds, b)
					}
				}
				if len(seeds) > 0 && *topic == "" {
					return usagef("--topic is empty; the ministry report topic is %s", report.DefaultTopic)
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
				db, snap, err := session.Open(ctx, wh)
				if err != nil {
					return err
				}
				defer db.Close()
				res, err := report.Write(ctx, db, report.Options{Period: p, KnownAt: report.KnownAt(snap), Out: outAbs})
				if err != nil {
					return err
				}
				m := res.Manifest
				if res.Written {
					fmt.Fprintf(e.stdout, "Báo cáo gửi Bộ / ministry report %s: đã ghi bản sửa đổi / wrote revision %d (%d rows, known at %s)\n",
						m.ReportID, m.Revision, m.Rows, m.KnownAt)
				} else {
					fmt.Fprintf(e.stdout, "Báo cáo gửi Bộ / ministry report %s: không thay đổi / unchanged since revision %d (known at %s); no new revision written\n",
						m.ReportID, m.Revision, m.KnownAt)
				}
				for _, f := range res.Files {
					fmt.Fprintf(e.stdout, "  %s\n", f)
				}

				if len(seeds) == 0 {
					return nil
				}
				pr, err := report.Produce(ctx, seeds, *topic, outAbs, report.ProduceOptions{Logger: e.log})
				if err != nil {
					return fmt.Errorf("produce the report to %s at %s: %w", *topic, strings.Join(seeds, ","), err)
				}
				if len(pr.Produced) == 0 {
					fmt.Fprintf(e.stdout, "Kafka %s: không có gì mới / nothing new to produce (%d revisions already on the topic)\n",
						*topic, len(pr.Present))
					return nil
				}
				fmt.Fprintf(e.stdout, "Kafka %s: đã gửi / produced %d revisions (%d already on the topic)\n",
					*topic, len(pr.Produced), len(pr.Present))
				for _, m := range pr.Produced {
					fmt.Fprintf(e.stdout, "  %s r%d  sha256 %s\n", m.ReportID, m.Revision, m.SHA256)
				}
				return nil
			}
		},
	}
}
