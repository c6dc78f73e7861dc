package web_test

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
)

// mapsWarehouse is the indicator tests' province with the map fixture: tourism sites and
// raw-material areas, one site retracted, one corrected (its first registration lay off Vietnam's
// south), one site and one area registered only in 2025.
func mapsWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	return kit.Warehouse(t, kit.Fixture(t, "units.ndjson", "gov.ndjson", "eco_soc.ndjson", "inf_fin.ndjson", "maps.ndjson"))
}

var svgRE = regexp.MustCompile(`(?s)<svg id="(map-[a-z]+)"[^>]*>.*?</svg>`)

func TestDashboardMaps(t *testing.T) {
	srv := httptest.NewServer(web.New(web.Config{Warehouse: mapsWarehouse(t)}).Handler())
	defer srv.Close()

	for _, c := range []struct {
		name, query string
		has, hasNot []string
		sites       int // markers on the tourism map
		areas       int // circles on the agriculture map
		tiles       int // units with no registered point
	}{
		{name: "2025 in Vietnamese", query: "?period=2025",
			has: []string{"Bản đồ số du lịch nông thôn", "Bản đồ số vùng nguyên liệu nông nghiệp", "Bản đồ chỉ tiêu theo đơn vị",
				"Made with Natural Earth", "Làng nghề Đông Phú", "Thác Trung Lý —", "Bản &lt;Mường&gt; &amp; &#34;Cao&#34;",
				`<option value="inf.households_smartphone" selected>`, "VNL-1 — Mía: 100 ha"},
			hasNot: []string{"Điểm đã thu hồi", "sai tọa độ", "<Mường>"}, sites: 4, areas: 3},
		{name: "2024 in English", query: "?period=2024&lang=en",
			has: []string{"Rural tourism digital map", "Agricultural raw-material areas digital map", "Indicator map by unit",
				"Made with Natural Earth", "registered by 2024-12-31 (3 sites)", "(2 areas, 425 ha)", "Units with no registered point (1) are in the tile grid",
				`class="tile" data-code="381"`, `<input type="hidden" name="lang" value="en">`},
			hasNot: []string{"Làng nghề Đông Phú", "VNL-1"}, sites: 3, areas: 2, tiles: 1},
		{name: "another indicator", query: "?period=2025&map=gov.commune_ntm_8_4",
			has: []string{`<option value="gov.commune_ntm_8_4" selected>`, "Xã đạt chỉ tiêu 8.4 (NTM), kỳ 2025",
				`id="lang-switch" href="/?lang=en&amp;map=gov.commune_ntm_8_4&amp;period=2025"`}, sites: 4, areas: 3},
		{name: "an unknown indicator falls back to the default", query: "?period=2025&map=%3Cscript%3E",
			has: []string{`<option value="inf.households_smartphone" selected>`}, hasNot: []string{"<script"}, sites: 4, areas: 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := get(t, srv.URL+"/"+c.query)
			require.Equal(t, 200, code)
			svgs := map[string]string{}
			for _, m := range svgRE.FindAllStringSubmatch(body, -1) {
				svgs[m[1]] = m[0]
			}
			require.Len(t, svgs, 3, "the tourism, agriculture and unit maps")
			for id, svg := range svgs {
				assert.Contains(t, svg, `role="img"`, id)
				assert.Regexp(t, `^<svg [^>]*aria-label="[^"]+"[^>]*><title>`, svg, id)
				assert.Contains(t, svg, `class="legend"`, id)
				assert.Contains(t, svg, "Made with Natural Earth", id)
			}
			assert.Equal(t, c.sites, strings.Count(svgs["map-tourism"], `class="site"`))
			assert.Equal(t, c.areas, strings.Count(svgs["map-raw"], `class="area"`))
			assert.Equal(t, c.tiles, strings.Count(svgs["map-units"], `class="tile"`))
			assert.Equal(t, 3-c.tiles, strings.Count(svgs["map-units"], `class="unit"`), "the units with a point are on the map")
			for _, s := range c.has {
				assert.Contains(t, body, s)
			}
			for _, s := range c.hasNot {
				assert.NotContains(t, body, s)
			}
		})
	}
	code, h, _ := get(t, srv.URL+"/static/maps.css")
	require.Equal(t, 200, code)
	assert.Contains(t, h.Get("Content-Type"), "text/css")
}
