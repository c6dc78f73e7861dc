package queries

import (
	"context"
	"database/sql"
	"fmt"
)

// Indicator is one row of the table indicator_catalog (queries/indicators/10_indicator_catalog.sql),
// the one list of the indicators, their names and their codes.
type Indicator struct {
	ID, SDMXCode   string
	NameVI, NameEN string
	Kind           string // "flow" or "stock"
	Target         string // "0.98"; "" when the plan sets none
	Definition     string
}

// Name is the indicator's name in the language ("vi" or "en").
func (i Indicator) Name(lang string) string {
	if lang == "en" {
		return i.NameEN
	}
	return i.NameVI
}

// Catalog reads the indicators of indicator_catalog, in the catalog's order, on a session that
// has the warehouse's views.
func Catalog(ctx context.Context, db *sql.DB) ([]Indicator, error) {
	rows, err := db.QueryContext(ctx, `SELECT indicator_id, sdmx_code, name_vi, name_en, kind,
    coalesce(target::VARCHAR, ''), definition FROM indicator_catalog`)
	if err != nil {
		return nil, fmt.Errorf("indicator catalog: %w", err)
	}
	defer rows.Close()
	var out []Indicator
	for rows.Next() {
		var i Indicator
		if err := rows.Scan(&i.ID, &i.SDMXCode, &i.NameVI, &i.NameEN, &i.Kind, &i.Target, &i.Definition); err != nil {
			return nil, fmt.Errorf("indicator catalog: %w", err)
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("indicator catalog: %w", err)
	}
	return out, nil
}
