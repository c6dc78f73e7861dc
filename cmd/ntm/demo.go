package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	"github.com/thanhhoa-ntm/ntm/etl/kafkaio"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/opendata"
	"github.com/thanhhoa-ntm/ntm/queries/report"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func demoCommand() command {
	return command{
		name:    "demo",
		usage:   "[--scale small|medium|large] [--dir DIR] [--seed N]",
		summary: "chạy toàn bộ quy trình trên cấu hình mặc định / the whole chain on embedded defaults",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			scale := fs.String("scale", "small", "size of the generated stream: small, medium or large")
			dir := fs.String("dir", "ntm-demo", "where everything is written")
			seed := fs.Uint64("seed", 1, "seed of the generated stream")
			period := fs.String("period", "2025", "period of the indicators, open data and report")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				sc, err := generate.ParseScale(*scale)
				if err != nil {
					return usageError{err.Error()}
				}
				p, err := queries.ParsePeriod(*period)
				if err != nil {
					return usageError{err.Error()}
				}
				return runDemo(ctx, e, demoOptions{scale: sc, dir: *dir, seed: *seed, period: p})
			}
		},
	}
}

type demoOptions struct {
	scale  generate.Scale
	dir    string
	seed   uint64
	period queries.Period
}

func runDemo(ctx context.Context, e env, o demoOptions) error {
	start := time.Now()
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	whDir := filepath.Join(dir, "warehouse")
	for _, sub := range []string{"warehouse", "opendata", "reports"} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return fmt.Errorf("clean %s: %w", sub, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := e.stdout
	step := func(n int, vi, en string) { fmt.Fprintf(out, "\n[%d/7] %s / %s\n", n, vi, en) }

	step(1, "Khởi động broker Kafka trong tiến trình", "starting an in-process Kafka-protocol broker")
	broker, err := kafkaio.StartBroker(ctx, kafkaio.BrokerConfig{})
	if err != nil {
		return err
	}
	defer broker.Close()
	fmt.Fprintf(out, "  broker: %s, topic %s\n", broker.Addr(), kafkaio.DefaultTopic)

	step(2, "Sinh luồng sự kiện của tỉnh", "generating the province's event stream")
	streamPath := filepath.Join(dir, "events.ndjson")
	f, err := os.Create(streamPath)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	t0 := time.Now()
	gst, err := generate.Generate(ctx, bw, generate.Options{Seed: o.seed, Scale: o.scale, BadRate: 0.001})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	fmt.Fprintf(out, "  %d dòng / lines (%d sự kiện hợp lệ / valid events, %d dòng lỗi / bad lines) in %.1f s → %s\n",
		gst.Lines, gst.AcceptedTotal(), gst.Lines-gst.AcceptedTotal()-gst.Duplicates, time.Since(t0).Seconds(), streamPath)

	step(3, "Gửi sự kiện vào Kafka", "producing the events to Kafka")
	in, err := os.Open(streamPath)
	if err != nil {
		return err
	}
	bar := newProgress(e.stderr, "produce", gst.Lines)
	pst, err := kafkaio.Produce(ctx, []string{broker.Addr()}, kafkaio.DefaultTopic, in, kafkaio.ProduceOptions{
		Progress: func(s kafkaio.ProduceStats) { bar.set(s.Acked) }, ProgressInterval: 200 * time.Millisecond,
		Logger: e.log,
	})
	in.Close()
	if err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	bar.finish(fmt.Sprintf(", %d records/s", int64(pst.RecordsPerSecond())))

	step(4, "Nạp vào kho Iceberg (đúng một lần)", "ingesting into the Iceberg warehouse, exactly once")
	wh, err := warehouse.Open(ctx, whDir, true)
	if err != nil {
		return err
	}
	defer wh.Close()
	bar = newProgress(e.stderr, "ingest", pst.Acked)
	ist, err := ingest.Run(ctx, ingest.Config{Brokers: []string{broker.Addr()}, Topics: []string{kafkaio.DefaultTopic},
		Group: "ntm-demo", Warehouse: wh, UntilCaughtUp: true, Log: quietLogger(e), OnCommit: session.DBFileHook(wh),
		Progress: func(records, _ int64) { bar.set(records) }})
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	bar.finish(fmt.Sprintf(", %d events, %d duplicates dropped, %d dead letters", ist.Accepted, ist.Duplicates, rejectedTotal(ist)))

	step(5, "Tính các chỉ tiêu", "computing the indicators")
	t0 = time.Now()
	db, snap, err := session.Open(ctx, wh)
	if err != nil {
		return err
	}
	rows, err := queries.Indicators(ctx, db, o.period, nil)
	if err != nil {
		db.Close()
		return err
	}
	since, abolished, err := queries.DistrictsAbolished(ctx, db, o.period, nil)
	if err != nil {
		db.Close()
		return err
	}
	catalog, err := queries.Catalog(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	csvPath := filepath.Join(dir, "indicators-"+o.period.Label+".csv")
	cf, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	if err := writeIndicators(cf, "csv", rows); err != nil {
		cf.Close()
		return err
	}
	if err := cf.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d dòng / rows in %.1f s → %s\n", len(rows), time.Since(t0).Seconds(), csvPath)

	step(6, "Xuất bản dữ liệu mở", "publishing the open datasets")
	t0 = time.Now()
	odDir := filepath.Join(dir, "opendata")
	pdb, _, err := session.OpenWith(ctx, wh, session.Options{AllowDirs: []string{odDir}, Unlocked: true})
	if err != nil {
		return err
	}
	pub, err := opendata.Publish(ctx, pdb, opendata.Options{Period: o.period, DataKnownAt: snap.KnownAt(nil), Out: odDir})
	pdb.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d bộ dữ liệu / datasets in %.1f s → %s\n", len(pub.Datasets), time.Since(t0).Seconds(), pub.Dir)

	step(7, "Báo cáo gửi Bộ", "the ministry report")
	reportNote, err := demoReport(ctx, e, rows, catalog, snap, o.period, filepath.Join(dir, "reports"), broker.Addr())
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "  "+reportNote)

	printProvinceTable(out, o.period, rows)
	if abolished {
		scopes := 0
		for _, r := range rows {
			if r.IndicatorID == rows[0].IndicatorID && r.ScopeLevel != "province" {
				scopes++
			}
		}
		fmt.Fprintf(out, "\n  %s\n  Bảng theo %d xã, phường / the table by %d communes: %s indicators --warehouse %s --period %s --format csv\n",
			queries.AbolitionNote(since), scopes, scopes, e.name(), whDir, o.period.Label)
	}
	fmt.Fprintf(out, `
Đã ghi / written:
  luồng sự kiện / event stream     %s
  kho dữ liệu / warehouse          %s   (DuckDB: %s)
  chỉ tiêu / indicators            %s
  dữ liệu mở / open data           %s
  báo cáo / ministry report        %s
`, streamPath, whDir, wh.DBFile(), csvPath, pub.Dir, filepath.Join(dir, "reports"))
	printDemoNext(out, e.name(), whDir, o.period.Label)
	fmt.Fprintf(out, "Tổng thời gian / total: %.1f s\n", time.Since(start).Seconds())
	return nil
}

// printDemoNext prints the commands to run next on the demo's warehouse, spelt the way the user
// ran ntm (self), so that they can be pasted into the same shell: after make demo that is
// bin/ntm, which is not on the PATH.
func printDemoNext(w io.Writer, self, whDir, period string) {
	fmt.Fprintf(w, "Truy vấn / query:     %s sql --warehouse %s\n", self, whDir)
	fmt.Fprintf(w, "Chỉ tiêu / indicators: %s indicators --warehouse %s --period %s\n", self, whDir, period)
}

// demoReport writes the period's ministry report revision and produces it to Kafka.
func demoReport(ctx context.Context, e env, rows []queries.Row, catalog []queries.Indicator, snap warehouse.Snapshot, p queries.Period, dir, brokerAddr string) (string, error) {
	res, err := report.WriteRows(ctx, rows, report.Options{Period: p, KnownAt: report.KnownAt(snap), Out: dir, Catalog: catalog})
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	pr, err := report.Produce(ctx, []string{brokerAddr}, "ntm.reports.v1", dir, report.ProduceOptions{Logger: e.log})
	if err != nil {
		return "", fmt.Errorf("report: produce: %w", err)
	}
	return fmt.Sprintf("%s r%d (%d dòng / rows) → %s; %d bản gửi Kafka / revisions produced to ntm.reports.v1",
		res.Manifest.ReportID, res.Manifest.Revision, res.Manifest.Rows, dir, len(pr.Produced)), nil
}

// quietLogger keeps a long step's info logs off the terminal while its progress bar runs.
func quietLogger(e env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func rejectedTotal(s ingest.Stats) int64 {
	var n int64
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

// printProvinceTable prints each indicator of the province against its target.
func printProvinceTable(w io.Writer, p queries.Period, rows []queries.Row) {
	fmt.Fprintf(w, "\nChỉ tiêu toàn tỉnh Thanh Hóa, kỳ %s / province indicators against the 2025 targets, period %s\n\n", p.Label, p.Label)
	fmt.Fprintf(w, "  %-34s %12s %8s   %s\n", "chỉ tiêu / indicator", "giá trị/value", "mục tiêu", "đạt / met")
	for _, r := range rows {
		if r.ScopeLevel != "province" {
			continue
		}
		status := "–"
		switch r.Met {
		case "true":
			status = "✔ đạt / met"
		case "false":
			status = "✘ chưa đạt / not met"
		}
		value := r.Value
		if value == "" {
			value = "–"
		}
		target := r.Target
		if target == "" {
			target = "–"
		}
		fmt.Fprintf(w, "  %-34s %12s %8s   %s\n", r.IndicatorID, value, target, status)
	}
}
