package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	// The DuckDB driver registers "duckdb" with database/sql; version asks it for its library.
	_ "github.com/duckdb/duckdb-go/v2"
)

func versionCommand() command {
	return command{
		name:    "version",
		usage:   "",
		summary: "in phiên bản của ntm, Go và DuckDB / print the versions of ntm, Go and DuckDB",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return printVersion(ctx, e.stdout)
			}
		},
	}
}

// printVersion writes one line: ntm's version, the Go toolchain that built it and the DuckDB
// library it links, so that a bug report names exactly what ran.
func printVersion(ctx context.Context, w io.Writer) error {
	_, err := fmt.Fprintf(w, "ntm %s (%s, DuckDB %s)\n", buildVersion(), runtime.Version(), duckdbVersion(ctx))
	return err
}

// buildVersion is the module version the binary was built at (go install …@v1.2.3) or, for a
// build from a checkout, the VCS revision and its time, marked "+dirty" when the tree had
// uncommitted changes. Tests and builds without VCS information say "(devel)".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if at != "" {
		return fmt.Sprintf("(devel) %s%s %s", rev, dirty, at)
	}
	return "(devel) " + rev + dirty
}

// duckdbVersion asks an in-memory DuckDB for its library version; opening one takes
// milliseconds. It says "unknown" rather than failing, since the version line is still useful.
func duckdbVersion(ctx context.Context) string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "unknown"
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT library_version FROM pragma_version()").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}
