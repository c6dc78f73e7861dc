package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"

	"flag"
	"fmt"
	"github.com/thanhhoa-ntm/ntm/queries/render"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func sqlCommand() command {
	return command{
		name:    "sql",
		usage:   "--warehouse DIR [--format table|csv|json] [[--] QUERY]",
		summary: "truy vấn SQL trên kho (chỉ đọc) / read-only SQL on the warehouse (DuckDB)",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			format := fs.String("format", "table", "output: table, csv or json")
			return func(ctx context.Context, e env, args []string) error {
				if *dir == "" {
					return usagef("--warehouse is required")
				}
				switch *format {
				case "table", "csv", "json":
				default:
					return usagef("--format %q: use table, csv or json", *format)
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
				db, _, err := session.Open(ctx, wh)
				if err != nil {
					return err
				}
				defer db.Close()
				if len(args) > 0 {
					return runQuery(ctx, db, strings.Join(args, " "), *format, e.stdout)
				}
				return shell(ctx, db, *format, e)
			}
		},
	}
}

func runQuery(ctx context.Context, db *sql.DB, query, format string, w io.Writer) error {
	if err := session.CheckReadOnly(ctx, db, query); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	res, _, err := render.Read(rows, 0)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	cols, out := res.Columns, res.Rows
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(cols)
		for _, r := range out {
			rec := make([]string, len(r))
			for i, v := range r {
				rec[i] = render.Text(v, "")
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "json":
		// An array of objects whose members keep the query's column order.
		bw := bufio.NewWriter(w)
		bw.WriteString("[")
		for i, r := range out {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n  {")
			for j, c := range cols {
				if j > 0 {
					bw.WriteString(", ")
				}
				k, _ := json.Marshal(c)
				v, err := json.Marshal(r[j])
				if err != nil {
					return err
				}
				bw.Write(k)
				bw.WriteString(": ")
				bw.Write(v)
			}
			bw.WriteString("}")
		}
		if len(out) > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString("]\n")
		return bw.Flush()
	}
	return printTable(w, cols, out)
}

func printTable(w io.Writer, cols []string, rows [][]any) error {
	widths := make([]int, len(cols))
	cells := make([][]string, len(rows))
	cols = slices.Clone(cols)
	for i, c := range cols {
		cols[i] = render.Printable(c)
		widths[i] = utf8.RuneCountInString(cols[i])
	}
	for r, row := range rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := render.Cell(v, 80)
			cells[r][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	bw := bufio.NewWriter(w)
	line := func(vals []string) {
		for i, v := range vals {
			if i > 0 {
				bw.WriteString("  ")
			}
			bw.WriteString(v)
			if i < len(vals)-1 {
				bw.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)))
			}
		}
		bw.WriteByte('\n')
	}
	line(cols)
	sep := make([]string, len(cols))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, r := range cells {
		line(r)
	}
	fmt.Fprintf(bw, "(%d rows)\n", len(rows))
	return bw.Flush()
}
