package main

import (
	"context"
	"database/sql"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// periodAndKnownAt parses the --period and --known-at flags that the warehouse's jobs share;
// an empty knownAt means the committed state.
func periodAndKnownAt(period, knownAt string) (queries.Period, *time.Time, error) {
	if period == "" {
		return queries.Period{}, nil, usagef("--period is required (e.g. --period 2025, 2025-Q3 or 2025-07)")
	}
	p, err := queries.ParsePeriod(period)
	if err != nil {
		return p, nil, usageError{err.Error()}
	}
	if knownAt == "" {
		return p, nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, knownAt)
	if err != nil {
		return p, nil, usagef("--known-at %q is not an RFC 3339 instant (e.g. 2025-12-31T23:59:59+07:00)", knownAt)
	}
	return p, &t, nil
}

// checkFormat accepts the output formats of the query commands.
func checkFormat(format string) error {
	switch format {
	case "table", "csv", "json":
		return nil
	}
	return usagef("--format %q: use table, csv or json", format)
}

// openSession opens the warehouse in dir (which must exist) and a read-only DuckDB session over its
// current snapshot. close releases both.
func openSession(ctx context.Context, dir string) (db *sql.DB, close func(), err error) {
	if dir == "" {
		return nil, nil, usagef("--warehouse is required: the directory of the warehouse (e.g. --warehouse ./warehouse)")
	}
	wh, err := warehouse.Open(ctx, dir, false)
	if err != nil {
		return nil, nil, err
	}
	db, _, err = session.Open(ctx, wh)
	if err != nil {
		wh.Close()
		return nil, nil, err
	}
	return db, func() { db.Close(); wh.Close() }, nil
}
