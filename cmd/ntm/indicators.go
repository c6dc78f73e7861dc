package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries"
)

var indicatorColumns = []string{"indicator_id", "period", "scope_level", "scope_code", "numerator", "denominator", "value", "target", "met"}

func indicatorsCommand() command {
	return command{
		name:    "indicators",
		usage:   "--warehouse DIR --period P [--known-at TS|DATE] [--format table|csv|json]",
		summary: "tính các chỉ tiêu so với mục tiêu 2025 / the plan's indicators against the 2025 targets",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			period := fs.String("period", "", "a year (2025), a quarter (2025-Q3) or a month (2025-07)")
			knownAt := fs.String("known-at", "", knownAtHelp)
			format := fs.String("format", "table", "output: table, csv or json")
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
				rows, err := queries.Indicators(ctx, db, p, at)
				if err != nil {
					return err
				}
				if err := writeIndicators(e.stdout, *format, rows); err != nil {
					return err
				}
				// A table is read by a person: say when the period holds no data, so that its
				// zeros are not read as results, and why district-level rows are empty and the
				// scopes are communes. CSV and JSON stay data only (scope_level says the latter).
				if *format == "table" {
					return writeNotes(ctx, e.stdout, db, p, at)
				}
				return nil
			}
		},
	}
}

func indicatorRecord(r queries.Row) []string {
	return []string{r.IndicatorID, r.Period, r.ScopeLevel, r.ScopeCode, r.Numerator.String(), r.Denominator.String(), r.Value, r.Target, r.Met}
}

func writeIndicators(w io.Writer, format string, rows []queries.Row) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(indicatorColumns)
		for _, r := range rows {
			_ = cw.Write(indicatorRecord(r))
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := make([]map[string]any, len(rows))
		for i, r := range rows {
			o := map[string]any{"indicator_id": r.IndicatorID, "period": r.Period, "scope_level": r.ScopeLevel,
				"scope_code": r.ScopeCode, "numerator": r.Numerator, "denominator": r.Denominator,
				"value": nullable(r.Value), "target": nullable(r.Target), "met": nil}
			if r.Met != "" {
				o["met"] = r.Met == "true"
			}
			out[i] = o
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	cells := make([][]any, len(rows))
	for i, r := range rows {
		rec := indicatorRecord(r)
		cells[i] = make([]any, len(rec))
		for j, v := range rec {
			cells[i][j] = v
		}
	}
	return printTable(w, indicatorColumns, cells)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeNotes ends a table a person reads with the period's notes (queries.Notes), one paragraph
// each, in both languages.
func writeNotes(ctx context.Context, w io.Writer, db *sql.DB, p queries.Period, at *time.Time) error {
	notes, err := queries.Notes(ctx, db, p, at)
	if err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintf(w, "\n%s\n", n); err != nil {
			return err
		}
	}
	return nil
}
