// Package queries holds the warehouse's SQL: the derived views (effective events, the
// effective-dated unit hierarchy), the indicators, and the Go that runs them on DuckDB. The SQL
// is embedded in the binary and also installed in every DuckDB session and database file the
// warehouse opens, so analysts run the same definitions as the jobs.
package queries

import (
	"embed"
	"strings"
)

//go:embed views.sql indicators.sql quality.sql
var files embed.FS

func statements(name string) []string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []string
	for _, s := range strings.Split(string(b), ";\n") {
		if strings.TrimSpace(StripComments(s)) != "" {
			out = append(out, s)
		}
	}
	return out
}

// StripComments drops SQL comment lines: to tell an empty statement, or to quote one in a message.
func StripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Views are the statements that create the derived views and macros; they need the base
// views events_log_data and dead_letters.
func Views() []string { return statements("views.sql") }

// IndicatorSQL are the statements that create the indicator and quality macros; they need Views.
func IndicatorSQL() []string {
	return append(statements("indicators.sql"), statements("quality.sql")...)
}
