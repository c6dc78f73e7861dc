package web

import (
	"encoding/xml"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events/refdata"
	"github.com/thanhhoa-ntm/ntm/queries"
)

func TestProjection(t *testing.T) {
	ring := refdata.Outline()
	pr := newProjection(ring, mapWidth, mapPad)
	for _, p := range ring {
		x, y := pr.xy(p)
		require.True(t, x >= mapPad-0.01 && x <= pr.w-mapPad+0.01 && y >= mapPad-0.01 && y <= pr.h-mapPad+0.01,
			"the outline's %v is drawn at (%.1f, %.1f), outside the padded %.0f×%.0f drawing", p, x, y, pr.w, pr.h)
	}
	// The province is about 1.71° of longitude by 1.37° of latitude: scaled by cos(20°), it is
	// wider than tall by about 1.17.
	require.InDelta(t, 1.17, (pr.w-2*mapPad)/(pr.h-2*mapPad), 0.02)
	for _, c := range []struct {
		name     string
		a, b     refdata.Point
		dx, dy   int // the sign of b's position minus a's
		distance float64
	}{
		{"east is right", refdata.Point{Lon: 105, Lat: 20}, refdata.Point{Lon: 105.5, Lat: 20}, 1, 0, 0},
		{"north is up", refdata.Point{Lon: 105, Lat: 19.5}, refdata.Point{Lon: 105, Lat: 20}, 0, -1, 0},
		{"a degree of longitude is cos(lat) of a degree of latitude",
			refdata.Point{Lon: 105, Lat: 20}, refdata.Point{Lon: 106, Lat: 20}, 1, 0, pr.k * math.Cos(19.95834*math.Pi/180)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ax, ay := pr.xy(c.a)
			bx, by := pr.xy(c.b)
			sign := func(v float64) int {
				if math.Abs(v) < 1e-9 {
					return 0
				}
				if v < 0 {
					return -1
				}
				return 1
			}
			require.Equal(t, c.dx, sign(bx-ax))
			require.Equal(t, c.dy, sign(by-ay))
			if c.distance > 0 {
				require.InDelta(t, c.distance, math.Hypot(bx-ax, by-ay), 0.5)
			}
		})
	}
}

var (
	circleRE = regexp.MustCompile(`<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"[^>]*class="area" data-ha="([\d.]+)"`)
	siteRE   = regexp.MustCompile(`class="site"`)
)

// wellFormed parses the SVG as XML: every name is escaped, every element closed.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF", "the SVG is not well-formed XML")
			return
		}
	}
}

func TestMapSVG(t *testing.T) {
	sites := []queries.MapPoint{
		{ID: "DL-1", Name: `Bản <Mường> & "Cao"`, Kind: "eco", Lat: 20.40, Lon: 104.75},
		{ID: "DL-2", Name: "Làng nghề", Kind: "craft_village", Lat: 19.80, Lon: 105.78},
	}
	areas := []queries.MapPoint{
		{ID: "VNL-1", Name: "Mía", Hectares: 100, Lat: 20.00, Lon: 105.70, TopCode: "381"},
		{ID: "VNL-2", Name: "Luồng <b>", Hectares: 400, Lat: 20.20, Lon: 105.00, TopCode: "382"},
		{ID: "VNL-3", Name: "Rau", Hectares: 25, Lat: 19.75, Lon: 105.80, TopCode: "380"},
	}
	pr := newProjection(refdata.Outline(), mapWidth, mapPad)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			tour := tourismSVG(sites, lang)
			raw := rawSVG(areas, lang)
			units, rest := unitSVG([]unitValue{
				{Code: "380", Name: "Lam Sơn", Value: "0.9", Met: "true"},
				{Code: "381", Name: "Đông <Hà>", Value: "0.2", Met: "false"},
				{Code: "383", Name: "Không điểm", Value: "0.5", Met: "false"},
				{Code: "384", Name: "Ẩn", Value: "0.5", Suppressed: true},
			}, unitPositions(sites, areas), "Chỉ tiêu & <x>", lang)
			require.Equal(t, 2, rest, "383 and 384 have no point: the tile grid")
			for _, svg := range []string{tour, raw, units} {
				wellFormed(t, svg)
				require.Contains(t, svg, `role="img"`)
				require.Regexp(t, `^<svg [^>]*aria-label="[^"]+"[^>]*><title>[^<]+</title>`, svg)
				require.Contains(t, svg, `class="legend"`)
				require.Contains(t, svg, "Made with Natural Earth")
				require.Contains(t, svg, `<path d="M`, "the outline")
			}
			// Names are escaped, in the markers' titles too.
			require.Contains(t, tour, "Bản &lt;Mường&gt; &amp; &#34;Cao&#34;")
			require.NotContains(t, tour, "<Mường>")
			require.Contains(t, raw, "Luồng &lt;b&gt;")
			require.Contains(t, units, "Đông &lt;Hà&gt;")
			require.Contains(t, units, "Chỉ tiêu &amp; &lt;x&gt;")
			require.Len(t, siteRE.FindAllString(tour, -1), 2)
			require.Contains(t, tour, `data-kind="eco"`)
			require.Contains(t, tour, "<title>Bản &lt;Mường&gt; &amp; &#34;Cao&#34; — ")

			// Circles' areas are proportional to hectares, and every point is inside the outline's box.
			m := circleRE.FindAllStringSubmatch(raw, -1)
			require.Len(t, m, 3)
			area := map[float64]float64{}
			for _, c := range m {
				x, _ := strconv.ParseFloat(c[1], 64)
				y, _ := strconv.ParseFloat(c[2], 64)
				r, _ := strconv.ParseFloat(c[3], 64)
				ha, _ := strconv.ParseFloat(c[4], 64)
				require.True(t, x > mapPad && x < pr.w-mapPad && y > mapPad && y < pr.h-mapPad, "(%v, %v) is outside the box", x, y)
				area[ha] = r * r
			}
			require.InDelta(t, 4, area[400]/area[100], 0.01)
			require.InDelta(t, 16, area[400]/area[25], 0.05)
			require.Equal(t, maxRadius, math.Sqrt(area[400]), "the largest area has the largest circle")
			require.Contains(t, raw, `class="size-key" data-ha="200"`, "the size legend")

			// Met and not met are told by shape and symbol, not colour alone.
			require.Regexp(t, `<circle [^>]*class="unit" data-code="380"><title>380 Lam Sơn: 90.0% \(`, units)
			require.Regexp(t, `<path [^>]*class="unit" data-code="381"><title>`, units, "not met is a diamond")
			require.Contains(t, units, "✓")
			require.Contains(t, units, "✗")
			require.Contains(t, units, `class="tile" data-code="383"`)
			require.Contains(t, units, `class="tile" data-code="384"`)
			require.Contains(t, units, ">50.0% ✗</text>", "a tile's value and symbol")
		})
	}
}

func TestMapHelpers(t *testing.T) {
	for _, c := range []struct {
		max  float64
		want []float64
	}{
		{819.5, []float64{500, 100, 20}},
		{400, []float64{200, 50, 10}},
		{25, []float64{20, 5, 1}},
		{3, []float64{2}},
		{1, []float64{1}},
		{0, nil},
	} {
		require.Equal(t, c.want, niceSizes(c.max), "max %v", c.max)
	}
	for _, c := range []struct {
		name   string
		values []string
		lo, hi string // the legend's first and last bounds
		want   map[string]string
	}{
		{"close values get classes of their own range", []string{"0.8", "0.9", "", "1"}, "80", "100",
			map[string]string{"": noValue, "0.8": valueColours[0], "0.85": valueColours[1], "0.9": valueColours[2], "0.99": valueColours[4], "1": valueColours[4], "0.5": valueColours[0]}},
		{"values within ten points use 0–100%", []string{"0.85", "0.93"}, "0", "100",
			map[string]string{"0": valueColours[0], "0.2": valueColours[1], "0.93": valueColours[4], "1.5": valueColours[4]}},
		{"no value", []string{"", ""}, "0", "100", map[string]string{"": noValue, "x": noValue}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var units []unitValue
			for _, v := range c.values {
				units = append(units, unitValue{Value: v})
			}
			sc := newScale(units)
			for v, want := range c.want {
				require.Equal(t, want, sc.colour(v), v)
			}
			lo, _ := sc.bounds(0)
			_, hi := sc.bounds(len(valueColours) - 1)
			require.Equal(t, [2]string{c.lo, c.hi}, [2]string{lo, hi})
		})
	}
	pos := unitPositions([]queries.MapPoint{{Lat: 20, Lon: 105, TopCode: "a"}, {Lat: 19, Lon: 106, TopCode: "a"}, {Lat: 1, Lon: 1}})
	require.Equal(t, map[string]refdata.Point{"a": {Lon: 105.5, Lat: 19.5}}, pos, "the mean of a unit's points; a point with no unit is left out")
}
