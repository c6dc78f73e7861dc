package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"
)

// unitSQL and unitChildrenSQL answer for one unit and the units below it (queries/units/).
var (
	//go:embed units/unit.sql
	unitSQL string
	//go:embed units/unit_children.sql
	unitChildrenSQL string
)

// ErrUnknownUnit is returned by UnitAt for a code the warehouse never registered.
var ErrUnknownUnit = errors.New("unknown unit code")

// Unit is an administrative unit as of a date.
type Unit struct {
	Code, Name, Level, Kind string
	Status                  string // active, merged, split or dissolved (admin_units.status)
	ParentCode              string // its parent at the date, resolved as units_at does; "" for none
	Active                  bool   // whether the unit is active at the date
	TopCode                 string // the unit directly below the province it lies in at the date; "" when not active
}

// UnitAt returns the unit code as of the day on, as known at knownAt (nil: everything committed),
// or ErrUnknownUnit when the code was never registered. A unit that is not active on that day
// (dissolved, merged, or registered later) is returned with Active false, so that a page about it
// can say so rather than answer as if the code did not exist.
func UnitAt(ctx context.Context, db *sql.DB, code string, on time.Time, knownAt *time.Time) (Unit, error) {
	var u Unit
	err := db.QueryRowContext(ctx, unitSQL, on.Format(time.DateOnly), knownAtArg(knownAt), code).
		Scan(&u.Code, &u.Name, &u.Level, &u.Kind, &u.Status, &u.ParentCode, &u.Active, &u.TopCode)
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, fmt.Errorf("unit %s: %w", code, ErrUnknownUnit)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("unit %s on %s: %w", code, on.Format(time.DateOnly), err)
	}
	return u, nil
}

// UnitChildren returns the units directly below code on the day on (the communes of a district,
// the villages of a commune), as known at knownAt (nil: everything committed), sorted by code.
func UnitChildren(ctx context.Context, db *sql.DB, code string, on time.Time, knownAt *time.Time) ([]Unit, error) {
	rows, err := db.QueryContext(ctx, unitChildrenSQL, on.Format(time.DateOnly), knownAtArg(knownAt), code)
	if err != nil {
		return nil, fmt.Errorf("units below %s on %s: %w", code, on.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u := Unit{Status: "active", ParentCode: code, Active: true}
		if err := rows.Scan(&u.Code, &u.Name, &u.Level, &u.Kind); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// knownAtArg is knownAt as a query argument: NULL for nil.
func knownAtArg(knownAt *time.Time) any {
	if knownAt == nil {
		return nil
	}
	return knownAt.UTC()
}
