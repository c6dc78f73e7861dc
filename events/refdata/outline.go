package refdata

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Point is a WGS84 position in degrees.
type Point struct{ Lon, Lat float64 }

// outline is the province's outline, decoded once from the embedded GeoJSON (data/SOURCES.md
// says where it comes from).
var outline = sync.OnceValues(func() ([]Point, error) {
	b, err := files.ReadFile("data/thanhhoa_province.geojson")
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string         `json:"type"`
				Coordinates [][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("province outline: %w", err)
	}
	if len(fc.Features) != 1 || fc.Features[0].Geometry.Type != "Polygon" || len(fc.Features[0].Geometry.Coordinates) != 1 {
		return nil, fmt.Errorf("province outline: want one Polygon of one ring")
	}
	ring := fc.Features[0].Geometry.Coordinates[0]
	out := make([]Point, len(ring))
	for i, c := range ring {
		out[i] = Point{Lon: c[0], Lat: c[1]}
	}
	return out, nil
})

// Outline returns the ring of Thanh Hóa's outline (Natural Earth 1:10m admin-1, generalised to
// 211 vertices; data/SOURCES.md), first vertex repeated last. The caller must not modify it.
func Outline() []Point {
	ring, err := outline()
	if err != nil {
		panic("BUG: the embedded province outline is broken: " + err.Error())
	}
	return ring
}

// InProvince reports whether the point lies inside the province's generalised outline (an
// even-odd ray cast). Near the coast and the borders the outline is a few hundred metres off,
// so it tells a map's points from the sea, not one unit's land from its neighbour's.
func InProvince(p Point) bool {
	ring := Outline()
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}
