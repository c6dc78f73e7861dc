package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// knownAtHelp is the help text of every --known-at flag, so that the commands describe the one
// parser below in the same words.
const knownAtHelp = "trạng thái kho tại thời điểm này / as the warehouse knew it at this instant: " +
	"RFC 3339 (2025-07-01T12:00:00+07:00) or a date (2025-07-01 = the end of that day, UTC+07:00)"

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
	t, err := parseKnownAt(knownAt)
	if err != nil {
		return p, nil, err
	}
	return p, &t, nil
}

// parseKnownAt reads a --known-at value: an RFC 3339 instant, or a bare YYYY-MM-DD date, which
// means the last instant of that local day (UTC+07:00), because "as known on 2025-07-01" includes
// everything committed during that day, as a person reading the date expects.
func parseKnownAt(s string) (time.Time, error) {
	if d, err := events.ParseDate(s); err == nil {
		y, m, day := d.Civil()
		return time.Date(y, m, day, 23, 59, 59, 999_999_999, events.Local()), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usagef("--known-at %q is neither an RFC 3339 instant (e.g. 2025-12-31T23:59:59+07:00) nor a date (e.g. 2025-12-31)", s)
	}
	return t, nil
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
	if err := refreshDBFile(ctx, wh); err != nil {
		wh.Close()
		return nil, nil, err
	}
	db, _, err = session.Open(ctx, wh)
	if err != nil {
		wh.Close()
		return nil, nil, err
	}
	return db, func() { db.Close(); wh.Close() }, nil
}

// refreshDBFile rebuilds the warehouse's DuckDB file for outside clients when the warehouse was
// moved since it was written (see session.RefreshDBFile).
func refreshDBFile(ctx context.Context, wh *warehouse.Warehouse) error {
	if _, err := session.RefreshDBFile(ctx, wh); err != nil {
		return fmt.Errorf("rebuild %s after the warehouse moved: %w", wh.DBFile(), err)
	}
	return nil
}
