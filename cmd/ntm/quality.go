package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/render"
)

func qualityCommand() command {
	return command{
		name:    "quality",
		usage:   "--warehouse DIR --period P [--known-at TS|DATE] [--format table|csv|json]",
		summary: "báo cáo chất lượng dữ liệu của kỳ / the period's data-quality report",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			period := fs.String("period", "", "a year (2025), a quarter (2025-Q3) or a month (2025-07)")
			knownAt := fs.String("known-at", "", knownAtHelp)
			format := fs.String("format", "table", "output: table, csv or json")
			limit := fs.Int("limit", 50, "rows shown per section in table output (0: all)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				p, at, err := periodAndKnownAt(*period, *knownAt)
				if err != nil {
					return err
				}
				if err := checkFormat(*format); err != nil {
					return err
				}
				db, done, err := openSession(ctx, *dir)
				if err != nil {
					return err
				}
				defer done()
				sections, err := queries.Quality(ctx, db, p, at)
				if err != nil {
					return err
				}
				if err := writeQuality(e.stdout, *format, *limit, sections); err != nil {
					return err
				}
				// As for ntm indicators: a person reading the table learns when the period holds
				// no data, and why the silent units and their top units are communes after the
				// district level was dissolved.
				if *format == "table" {
					return writeNotes(ctx, e.stdout, db, p, at)
				}
				return nil
			}
		},
	}
}

func writeQuality(w io.Writer, format string, limit int, sections []queries.Section) error {
	switch format {
	case "csv":
		// One CSV per section would need several files; one table with the section's name in the
		// first column keeps it a single stream.
		cw := csv.NewWriter(w)
		for _, s := range sections {
			_ = cw.Write(append([]string{"section"}, s.Columns...))
			for _, r := range s.Rows {
				rec := []string{s.Name}
				for _, v := range r {
					rec = append(rec, render.Text(v, ""))
				}
				_ = cw.Write(rec)
			}
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := map[string]any{}
		for _, s := range sections {
			rows := make([]map[string]any, len(s.Rows))
			for i, r := range s.Rows {
				o := map[string]any{}
				for j, c := range s.Columns {
					o[c] = r[j]
				}
				rows[i] = o
			}
			out[s.Name] = map[string]any{"title": s.Title, "rows": rows}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	bw := bufio.NewWriter(w)
	for _, s := range sections {
		fmt.Fprintf(bw, "== %s\n", s.Title)
		rows := s.Rows
		if limit > 0 && len(rows) > limit {
			rows = rows[:limit]
		}
		if err := printTable(bw, s.Columns, rows); err != nil {
			return err
		}
		if len(rows) < len(s.Rows) {
			fmt.Fprintf(bw, "… %d more rows (--limit 0 shows all, --format csv for all of them)\n", len(s.Rows)-len(rows))
		}
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}
