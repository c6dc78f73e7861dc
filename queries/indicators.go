package queries

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Period is a year "2025", a quarter "2025-Q3" or a month "2025-07".
type Period struct {
	Label      string
	Start, End time.Time // local calendar days (as UTC midnights), End is the last day
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$`)

// ParsePeriod parses a period label.
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("period %q: use a year (2025), a quarter (2025-Q3) or a month (2025-07)", s)
	}
	y, _ := strconv.Atoi(m[1])
	start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(1, 0, -1)
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		start = time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
		end = start.AddDate(0, 3, -1)
	case m[3] != "":
		mo, _ := strconv.Atoi(m[3])
		start = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
		end = start.AddDate(0, 1, -1)
	}
	return Period{Label: s, Start: start, End: end}, nil
}

// Row is one indicator for one scope, in the columns of `ntm indicators --format csv`.
type Row struct {
	IndicatorID, Period, ScopeLevel, ScopeCode string
	Numerator, Denominator                     Int    // exact: a sum of VND may pass 2^63
	Value                                      string // rounded half-up to 6 decimals; "" when the denominator is 0
	Target                                     string // "0.98"; "" when the indicator has none
	Met                                        string // "true", "false", or ""
}

// Indicators computes every indicator for the period, for the province and every unit directly
// below it at the period's end (the district-level units, or the communes once the district
// level was dissolved: scope_level says which), on a session that has the warehouse's views. With knownAt,
// only events the warehouse had committed at that instant count.
func Indicators(ctx context.Context, db *sql.DB, p Period, knownAt *time.Time) ([]Row, error) {
	var at any
	if knownAt != nil {
		at = knownAt.UTC()
	}
	// The bounds go in as literals rather than parameters, so that DuckDB pushes them into the
	// scans of the event log (a parameter is not a constant when the query is planned).
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT indicator_id, scope_level, scope_code, numerator, denominator,
		CAST(value AS VARCHAR), CAST(target AS VARCHAR), met FROM period_indicators(?, DATE '%s', DATE '%s', CAST(? AS TIMESTAMPTZ))`,
		p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly)), p.Label, at)
	if err != nil {
		return nil, fmt.Errorf("indicators %s: %w", p.Label, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		r := Row{Period: p.Label}
		var value, target sql.NullString
		var met sql.NullBool
		if err := rows.Scan(&r.IndicatorID, &r.ScopeLevel, &r.ScopeCode, &r.Numerator, &r.Denominator, &value, &target, &met); err != nil {
			return nil, err
		}
		r.Value, r.Target = value.String, target.String
		if met.Valid {
			r.Met = strconv.FormatBool(met.Bool)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DistrictsAbolished returns the day from which no district-level unit exists, when that is so at
// the period's end (contract v2: the 2025 reorganization dissolved the district level), and ok
// false otherwise. Human-facing outputs use it to say why district-level indicators are empty
// and why the scopes are communes.
func DistrictsAbolished(ctx context.Context, db *sql.DB, p Period, knownAt *time.Time) (since time.Time, ok bool, err error) {
	var at any
	if knownAt != nil {
		at = knownAt.UTC()
	}
	var d sql.NullTime
	err = db.QueryRowContext(ctx, `SELECT since FROM districts_abolished(CAST(? AS DATE), CAST(? AS TIMESTAMPTZ))`,
		p.End.Format(time.DateOnly), at).Scan(&d)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("districts abolished by %s: %w", p.Label, err)
	}
	return d.Time, d.Valid, nil
}

// PeriodHasEvents reports whether the warehouse knows, at knownAt (nil: now), any event dated in
// the period other than the register of administrative units. Human-facing outputs use it to say
// that a period's zeros mean no data rather than a measured result.
func PeriodHasEvents(ctx context.Context, db *sql.DB, p Period, knownAt *time.Time) (bool, error) {
	var at any
	if knownAt != nil {
		at = knownAt.UTC()
	}
	// Literal bounds, as in Indicators, so that DuckDB prunes the event log's files by date.
	var has bool
	err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT has_events FROM period_has_events(DATE '%s', DATE '%s', CAST(? AS TIMESTAMPTZ))`,
		p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly)), at).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("events in %s: %w", p.Label, err)
	}
	return has, nil
}
