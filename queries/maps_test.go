package queries_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// TestMapPoints reads the map layers of maps.ndjson: registered by the period's end, effective
// events only (DL-4 retracted, DL-5 corrected), as known at an instant, and each point's unit
// directly below the province at the period's end, across contract v2's abolition of the
// district level (reorganization.ndjson).
func TestMapPoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var first, later [][]byte // the retraction and the correction come later
	for _, l := range readLines(t, "maps.ndjson") {
		if bytes.Contains(l, []byte(`"m-ret-s4"`)) || bytes.Contains(l, []byte(`"m-s5b"`)) {
			later = append(later, l)
		} else {
			first = append(first, l)
		}
	}
	f.ingest(t, "units.ndjson", "reorganization.ndjson")
	f.ingestLines(t, first)
	t1 := time.Now()
	time.Sleep(5 * time.Millisecond) // Iceberg records commit times in milliseconds
	f.ingestLines(t, later)
	db := f.db(t)

	type point struct {
		Top string
		Lat float64
		Ha  float64
	}
	read := func(layer, period string, knownAt *time.Time) map[string]point {
		t.Helper()
		p, err := queries.ParsePeriod(period)
		require.NoError(t, err)
		pts, err := queries.MapPoints(context.Background(), db, layer, p, knownAt)
		require.NoError(t, err)
		out := map[string]point{}
		for _, x := range pts {
			out[x.ID] = point{x.TopCode, x.Lat, x.Hectares}
		}
		return out
	}
	for _, c := range []struct {
		name, layer, period string
		knownAt             *time.Time
		want                map[string]point
	}{
		{"sites of 2024, by district", queries.TourismSites, "2024", nil,
			map[string]point{"DL-1": {"380", 19.80, 0}, "DL-2": {"382", 20.40, 0}, "DL-5": {"382", 20.30, 0}}},
		{"sites of 2024 as known before the retraction and the correction", queries.TourismSites, "2024", &t1,
			map[string]point{"DL-1": {"380", 19.80, 0}, "DL-2": {"382", 20.40, 0}, "DL-4": {"381", 20.00, 0}, "DL-5": {"382", 10.00, 0}}},
		{"sites of 2025, by the communes directly below the province", queries.TourismSites, "2025", nil,
			map[string]point{"DL-1": {"14758", 19.80, 0}, "DL-2": {"16003", 20.40, 0}, "DL-3": {"16000", 20.05, 0}, "DL-5": {"16003", 20.30, 0}}},
		{"areas of 2024", queries.RawMaterialAreas, "2024", nil,
			map[string]point{"VNL-2": {"382", 20.20, 400}, "VNL-3": {"380", 19.75, 25}}},
		{"areas of 2025: their districts are dissolved, so no unit", queries.RawMaterialAreas, "2025", nil,
			map[string]point{"VNL-1": {"", 20.00, 100}, "VNL-2": {"", 20.20, 400}, "VNL-3": {"", 19.75, 25}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, read(c.layer, c.period, c.knownAt))
		})
	}
	_, err := queries.MapPoints(context.Background(), db, "nope", queries.Period{}, nil)
	require.ErrorContains(t, err, `map layer "nope"`)
}
