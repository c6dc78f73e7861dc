package queries

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"
)

//go:embed maps/*.sql
var mapFiles embed.FS

// Layers of the digital maps (DOMAIN.md, task đ), each read by one file of maps/.
const (
	TourismSites     = "tourism_sites"      // the rural-tourism map
	RawMaterialAreas = "raw_material_areas" // the agriculture map
)

// MapPoint is one registered point of a digital map.
type MapPoint struct {
	ID       string  // site_id or area_code
	Name     string  // a site's name; an area's product
	Kind     string  // a site's kind (EVENTS.md); "" for an area
	Lat, Lon float64 // WGS84
	Hectares float64 // an area's; 0 for a site
	TopCode  string  // the unit directly below the province at the period's end; "" when none
}

// MapPoints returns the points of one layer (TourismSites or RawMaterialAreas) registered on or
// before the period's end, among the effective events known at knownAt (nil: all), on a session
// that has the warehouse's views.
func MapPoints(ctx context.Context, db *sql.DB, layer string, p Period, knownAt *time.Time) ([]MapPoint, error) {
	q, err := mapFiles.ReadFile("maps/" + layer + ".sql")
	if err != nil {
		return nil, fmt.Errorf("map layer %q: %w", layer, err)
	}
	var at any
	if knownAt != nil {
		at = knownAt.UTC()
	}
	rows, err := db.QueryContext(ctx, string(q), p.End.Format(time.DateOnly), at)
	if err != nil {
		return nil, fmt.Errorf("map %s %s: %w", layer, p.Label, err)
	}
	defer rows.Close()
	var out []MapPoint
	for rows.Next() {
		var m MapPoint
		var kind, top sql.NullString
		var ha sql.NullFloat64
		if err := rows.Scan(&m.ID, &m.Name, &kind, &m.Lat, &m.Lon, &top, &ha); err != nil {
			return nil, fmt.Errorf("map %s %s: %w", layer, p.Label, err)
		}
		m.Kind, m.TopCode, m.Hectares = kind.String, top.String, ha.Float64
		out = append(out, m)
	}
	return out, rows.Err()
}
