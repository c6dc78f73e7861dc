// Package queries holds the warehouse's SQL: the derived views (effective events, the
// effective-dated unit hierarchy), the indicators, and the Go that runs them on DuckDB. The SQL
// is embedded in the binary and also installed in every DuckDB session and database file the
// warehouse opens, so analysts run the same definitions as the jobs.
package queries

import (
	"embed"
	"path"
	"strings"
)

//go:embed views.sql indicators/*.sql quality.sql derived.sql hierarchy.sql
var files embed.FS

// indicatorDir holds the indicator SQL, one object per file: the table of targets, the helper
// macros, one macro per indicator (or per family of indicators that DOMAIN.md defines together),
// indicator_values that scopes them, and the macros that answer for a period. DuckDB binds a
// macro when it is created, so a file must run after the files of the objects it uses. The order
// is the files' names, in byte order (fs.ReadDir sorts them): each name starts with a two-digit
// layer, NN_<object>.sql, and a file uses only objects of views.sql and of lower layers (files of
// one layer are independent, so their order among themselves does not matter). A file in the
// wrong layer fails every session build ("does not exist"), never silently. Layers: 10 tables,
// 20 and 30 helpers over standing(), 40 the indicators (ind_*), 50 indicator_values, 60 to 90
// the period macros. Statements are cut by SplitStatements, as `ntm sql` cuts what a user types.
const indicatorDir = "indicators"

func statements(name string) []string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	out, _, pending := SplitStatements(string(b))
	if pending {
		panic("queries: " + name + " ends inside a statement, a quote or a comment") // embedded at build time; a test reads every file
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

// DerivedSQL are the statements that point the macros of a snapshot's derived state at its
// tables (derived.sql); they run on a database that has Views and IndicatorSQL.
func DerivedSQL() []string { return statements("derived.sql") }

// HierarchySQL are the statements that materialize the unit hierarchy of a derived state
// (hierarchy.sql), after DerivedSQL. A view that hierarchy.sql replaces loses its comments, so
// the comments of views.sql on admin_units follow, and on the columns of its table too.
func HierarchySQL() []string {
	out := statements("hierarchy.sql")
	for _, s := range Views() {
		c := strings.TrimSpace(StripComments(s))
		if strings.HasPrefix(c, "COMMENT ON VIEW admin_units ") {
			out = append(out, s)
		}
		if col, ok := strings.CutPrefix(c, "COMMENT ON COLUMN admin_units."); ok {
			out = append(out, s, "COMMENT ON COLUMN derived_admin_units."+col)
		}
	}
	return out
}

// IndicatorSQL are the statements that create the indicator and quality macros; they need Views.
func IndicatorSQL() []string {
	entries, err := files.ReadDir(indicatorDir) // sorted by file name: the order of indicatorDir
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []string
	for _, e := range entries {
		out = append(out, statements(path.Join(indicatorDir, e.Name()))...)
	}
	return append(out, statements("quality.sql")...)
}
