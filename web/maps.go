package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/events/refdata"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
)

// The dashboard's digital maps (DOMAIN.md, task đ): the rural-tourism map, the agriculture map
// of raw-material areas, and a map of one indicator by unit. They are inline SVG drawn on the
// server with presentation attributes only, so they work without JavaScript and under the
// page's CSP. The frame is the province's outline from Natural Earth (refdata); no open
// district or commune polygons exist, so a unit is drawn at the mean position of its registered
// points.

// mapText holds the maps' words in both languages.
var mapText = map[string]map[string]string{
	"vi": {
		"heading":      "Bản đồ số",
		"tourism":      "Bản đồ số du lịch nông thôn",
		"tourism_cap":  "Điểm du lịch nông thôn đã đăng ký đến %s (%d điểm), theo loại hình: mỗi loại một hình và một màu.",
		"raw":          "Bản đồ số vùng nguyên liệu nông nghiệp",
		"raw_cap":      "Vùng nguyên liệu đã đăng ký đến %s (%d vùng, %s ha): diện tích hình tròn tỉ lệ với số héc-ta.",
		"unit":         "Bản đồ chỉ tiêu theo đơn vị",
		"unit_cap":     "%s, kỳ %s, theo đơn vị trực thuộc tỉnh. Không có ranh giới huyện, xã nào được cấp phép mở, nên mỗi đơn vị được vẽ tại vị trí trung bình của các điểm du lịch và vùng nguyên liệu đã đăng ký của nó.%s Màu theo giá trị; hình và ký hiệu cho biết đạt (●, ✓) hay chưa đạt (◆, ✗) mục tiêu.",
		"unit_grid":    " Các đơn vị chưa có điểm nào (%d) được xếp thành lưới ô bên phải.",
		"choose":       "Chỉ tiêu trên bản đồ",
		"show":         "Vẽ",
		"attribution":  "Made with Natural Earth",
		"outline":      "Ranh giới tỉnh: Natural Earth 1:10m (đã giản lược). Made with Natural Earth.",
		"ha":           "ha",
		"sites":        "điểm",
		"size":         "Diện tích (ha)",
		"value":        "Giá trị",
		"met":          "đạt mục tiêu",
		"notmet":       "chưa đạt",
		"none":         "không có mục tiêu",
		"novalue":      "không có số liệu",
		"suppressed":   "ẩn (dưới 10 phản hồi)",
		"nopoint":      "Chưa có điểm đăng ký",
		"empty":        "Chưa có điểm nào đăng ký đến cuối kỳ.",
		"error":        "Không vẽ được bản đồ; xem nhật ký máy chủ.",
		"label_points": "%s: %d điểm trên ranh giới tỉnh Thanh Hóa",
		"label_unit":   "%s theo %d đơn vị: %d đạt, %d chưa đạt",
	},
	"en": {
		"heading":      "Digital maps",
		"tourism":      "Rural tourism digital map",
		"tourism_cap":  "Rural tourism sites registered by %s (%d sites), by kind: each kind has its own shape and colour.",
		"raw":          "Agricultural raw-material areas digital map",
		"raw_cap":      "Raw-material areas registered by %s (%d areas, %s ha): each circle's area is proportional to the hectares.",
		"unit":         "Indicator map by unit",
		"unit_cap":     "%s, period %s, by unit directly below the province. No district or commune boundaries exist under an open licence, so each unit is drawn at the mean position of its registered tourism sites and raw-material areas.%s Colour shows the value; shape and symbol show whether the target is met (●, ✓) or not (◆, ✗).",
		"unit_grid":    " Units with no registered point (%d) are in the tile grid on the right.",
		"choose":       "Indicator on the map",
		"show":         "Draw",
		"attribution":  "Made with Natural Earth",
		"outline":      "Province outline: Natural Earth 1:10m (generalised). Made with Natural Earth.",
		"ha":           "ha",
		"sites":        "sites",
		"size":         "Area (ha)",
		"value":        "Value",
		"met":          "target met",
		"notmet":       "not met",
		"none":         "no target",
		"novalue":      "no data",
		"suppressed":   "suppressed (fewer than 10 responses)",
		"nopoint":      "No registered point",
		"empty":        "No point registered by the period's end.",
		"error":        "The maps could not be drawn; see the server log.",
		"label_points": "%s: %d points on the outline of Thanh Hóa province",
		"label_unit":   "%s for %d units: %d met, %d not met",
	},
}

// siteKind is a kind of tourism site as the map draws it.
type siteKind struct{ ID, VI, EN, Colour, Shape string }

// name is the kind's name in the page's language.
func (k siteKind) name(lang string) string {
	if lang == "en" {
		return k.EN
	}
	return k.VI
}

// siteKinds are the kinds of tourism site (EVENTS.md), each with its names, colour (Okabe-Ito,
// safe for colour-blind readers) and shape, so that colour is never the only cue.
var siteKinds = []siteKind{
	{"community_tourism", "Du lịch cộng đồng", "Community tourism", "#0072b2", "circle"},
	{"eco", "Du lịch sinh thái", "Eco-tourism", "#009e73", "triangle"},
	{"cultural_heritage", "Di sản văn hóa", "Cultural heritage", "#cc79a7", "square"},
	{"craft_village", "Làng nghề", "Craft village", "#d55e00", "diamond"},
	{"agritourism", "Du lịch nông nghiệp", "Agritourism", "#e69f00", "down"},
}

// valueColours are five classes of a value from 0 to 100% (ColorBrewer YlGn), light to dark.
var valueColours = []string{"#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"}

// defaultMapIndicator is the indicator the unit map shows without ?map=.
const defaultMapIndicator = "inf.households_smartphone"

const (
	mapWidth  = 420.0 // the drawing of the province, in SVG units
	mapPad    = 12.0
	maxRadius = 16.0 // the largest raw-material area's circle
)

// projection maps WGS84 degrees to SVG units: equirectangular, with longitudes scaled by the
// cosine of the box's middle latitude so that the province keeps its shape at this latitude.
type projection struct {
	minLon, maxLat, k, cos float64
	w, h                   float64 // the drawing's size, padding included
}

func newProjection(ring []refdata.Point, width, pad float64) projection {
	minLon, maxLon := math.Inf(1), math.Inf(-1)
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	for _, p := range ring {
		minLon, maxLon = min(minLon, p.Lon), max(maxLon, p.Lon)
		minLat, maxLat = min(minLat, p.Lat), max(maxLat, p.Lat)
	}
	c := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	k := (width - 2*pad) / ((maxLon - minLon) * c)
	return projection{minLon: minLon - pad/(k*c), maxLat: maxLat + pad/k, k: k, cos: c,
		w: width, h: (maxLat-minLat)*k + 2*pad}
}

// xy is the point's position in the drawing.
func (pr projection) xy(p refdata.Point) (x, y float64) {
	return (p.Lon - pr.minLon) * pr.cos * pr.k, (pr.maxLat - p.Lat) * pr.k
}

// outlinePath is the province's outline as an SVG path.
func (pr projection) outlinePath(ring []refdata.Point) string {
	var b strings.Builder
	for i, p := range ring {
		x, y := pr.xy(p)
		if i == 0 {
			fmt.Fprintf(&b, "M%.1f %.1f", x, y)
		} else {
			fmt.Fprintf(&b, "L%.1f %.1f", x, y)
		}
	}
	b.WriteString("Z")
	return b.String()
}

// esc escapes text for SVG inside HTML (element content and attribute values).
func esc(s string) string { return template.HTMLEscapeString(s) }

// svgOpen starts an SVG of the given size with its accessible name and title.
func svgOpen(b *strings.Builder, id string, w, h float64, label string) {
	fmt.Fprintf(b, `<svg id="%s" class="map" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" font-family="system-ui, sans-serif">`,
		id, w, h, w, h, esc(label))
	fmt.Fprintf(b, `<title>%s</title>`, esc(label))
}

// svgFrame draws the province's outline and the attribution.
func svgFrame(b *strings.Builder, pr projection, ring []refdata.Point, t map[string]string) {
	fmt.Fprintf(b, `<path d="%s" fill="#eef3ea" stroke="#5b6b5e" stroke-width="1" stroke-linejoin="round"/>`, pr.outlinePath(ring))
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="9" fill="#4a5561" text-anchor="end">%s</text>`, pr.w-4, pr.h-4, esc(t["attribution"]))
}

// marker draws a shape centred on (x, y) of size r, with extra attributes and, when title is
// not empty, a <title> for the reader's pointer.
func marker(b *strings.Builder, shape string, x, y, r float64, fill, stroke, extra, title string) {
	tag := "path"
	switch shape {
	case "triangle":
		fmt.Fprintf(b, `<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fZ"`, x, y-r*1.15, x+r, y+r*0.75, x-r, y+r*0.75)
	case "down":
		fmt.Fprintf(b, `<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fZ"`, x, y+r*1.15, x+r, y-r*0.75, x-r, y-r*0.75)
	case "diamond":
		fmt.Fprintf(b, `<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ"`, x, y-r*1.2, x+r*1.2, y, x, y+r*1.2, x-r*1.2, y)
	case "square":
		tag = "rect"
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"`, x-r*0.85, y-r*0.85, r*1.7, r*1.7)
	default:
		tag = "circle"
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.2f"`, x, y, r)
	}
	fmt.Fprintf(b, ` fill="%s" stroke="%s"%s>`, fill, stroke, extra)
	if title != "" {
		fmt.Fprintf(b, `<title>%s</title>`, esc(title))
	}
	fmt.Fprintf(b, `</%s>`, tag)
}

// emptyNote says on a map that no point is registered.
func emptyNote(b *strings.Builder, pr projection, t map[string]string) {
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="12" fill="#4a5561" text-anchor="middle">%s</text>`, pr.w/2, pr.h/2, esc(t["empty"]))
}

// tourismSVG draws the rural-tourism map: the sites by kind, with a legend of the kinds.
func tourismSVG(sites []queries.MapPoint, lang string) string {
	t := mapText[lang]
	ring := refdata.Outline()
	pr := newProjection(ring, mapWidth, mapPad)
	const legendH = 20 + 16*3
	var b strings.Builder
	label := fmt.Sprintf(t["label_points"], t["tourism"], len(sites))
	svgOpen(&b, "map-tourism", pr.w, pr.h+legendH, label)
	svgFrame(&b, pr, ring, t)
	if len(sites) == 0 {
		emptyNote(&b, pr, t)
	}
	count := map[string]int{}
	for _, s := range sites {
		count[s.Kind]++
	}
	for _, s := range sites {
		k := kindOf(s.Kind)
		x, y := pr.xy(refdata.Point{Lon: s.Lon, Lat: s.Lat})
		marker(&b, k.Shape, x, y, 4.5, k.Colour, "#1d2733", ` stroke-width="0.8" class="site" data-kind="`+esc(s.Kind)+`"`,
			fmt.Sprintf("%s — %s (%s)", s.Name, k.name(lang), s.ID))
	}
	// The legend: every kind, with its count.
	fmt.Fprintf(&b, `<g class="legend" transform="translate(0 %.0f)">`, pr.h)
	for i, k := range siteKinds {
		x, y := 14+float64(i%2)*200, 14+float64(i/2)*16
		marker(&b, k.Shape, x, y, 4.5, k.Colour, "#1d2733", ` stroke-width="0.8"`, "")
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" fill="#1d2733">%s (%d)</text>`, x+10, y+4, esc(k.name(lang)), count[k.ID])
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// kindOf is the kind's entry of siteKinds (an unknown kind is drawn as a grey circle).
func kindOf(id string) siteKind {
	for _, k := range siteKinds {
		if k.ID == id {
			return k
		}
	}
	return siteKind{id, id, id, "#7f8c8d", "circle"}
}

// radius is the circle of an area of ha hectares when the largest is maxHa: circles' areas are
// proportional to hectares.
func radius(ha, maxHa float64) float64 {
	if maxHa <= 0 || ha <= 0 {
		return 0
	}
	return maxRadius * math.Sqrt(ha/maxHa)
}

// niceFloor is the largest of 1, 2, 5 times a power of ten that is at most v (v > 0).
func niceFloor(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2} {
		if m*p <= v {
			return m * p
		}
	}
	return p
}

// niceSizes are the hectares of the size legend: the round number (1, 2 or 5 times a power of
// ten) at most maxHa, then the round numbers at most a quarter and a sixteenth of it.
func niceSizes(maxHa float64) []float64 {
	if maxHa <= 0 {
		return nil
	}
	out := []float64{niceFloor(maxHa)}
	for _, f := range []float64{4, 16} {
		if v := out[0] / f; v >= 1 {
			if n := niceFloor(v); n < out[len(out)-1] {
				out = append(out, n)
			}
		}
	}
	return out
}

// rawSVG draws the agriculture map: raw-material areas as circles whose areas are proportional to
// their hectares, largest first so that small ones stay visible, with a size legend.
func rawSVG(areas []queries.MapPoint, lang string) string {
	t := mapText[lang]
	ring := refdata.Outline()
	pr := newProjection(ring, mapWidth, mapPad)
	const legendH = 2*maxRadius + 24
	var b strings.Builder
	svgOpen(&b, "map-raw", pr.w, pr.h+legendH, fmt.Sprintf(t["label_points"], t["raw"], len(areas)))
	svgFrame(&b, pr, ring, t)
	if len(areas) == 0 {
		emptyNote(&b, pr, t)
	}
	maxHa := 0.0
	for _, a := range areas {
		maxHa = max(maxHa, a.Hectares)
	}
	order := slices.Clone(areas)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Hectares > order[j].Hectares })
	for _, a := range order {
		x, y := pr.xy(refdata.Point{Lon: a.Lon, Lat: a.Lat})
		marker(&b, "circle", x, y, radius(a.Hectares, maxHa), "#b8860b", "#5c4300",
			fmt.Sprintf(` fill-opacity="0.55" stroke-width="0.8" class="area" data-ha="%g"`, a.Hectares),
			fmt.Sprintf("%s — %s: %s %s", a.ID, a.Name, formatHa(a.Hectares), t["ha"]))
	}
	fmt.Fprintf(&b, `<g class="legend" transform="translate(0 %.0f)">`, pr.h)
	fmt.Fprintf(&b, `<text x="8" y="12" font-size="11" fill="#1d2733">%s</text>`, esc(t["size"]))
	x := 110.0
	for _, ha := range niceSizes(maxHa) {
		r := radius(ha, maxHa)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.2f" fill="#b8860b" fill-opacity="0.55" stroke="#5c4300" stroke-width="0.8" class="size-key" data-ha="%g"/>`, x, 4+maxRadius, r, ha)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#1d2733">%s %s</text>`, x+r+4, 8+maxRadius, formatHa(ha), esc(t["ha"]))
		x += 2*r + 70
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// formatHa shows hectares with at most one decimal.
func formatHa(ha float64) string {
	s := fmt.Sprintf("%.1f", ha)
	return strings.TrimSuffix(s, ".0")
}

// unitValue is one unit of the indicator map.
type unitValue struct {
	Code, Name string
	Value      string // a ratio, "" when none
	Met        string // "true", "false" or ""
	Suppressed bool
}

// noValue is the colour of a unit with no value, or a suppressed one.
const noValue = "#d5d8dc"

// ratio reads a value ("" or unreadable: ok false).
func ratio(v string) (float64, bool) {
	r, ok := new(big.Rat).SetString(v)
	if v == "" || !ok {
		return 0, false
	}
	f, _ := r.Float64()
	return f, true
}

// scale splits the range of the values shown into len(valueColours) equal classes, so that the
// colours tell units apart when the values lie close together (most units near a target); when
// they span less than ten points, the classes are 0–100%, so that small gaps do not look large.
type scale struct{ lo, hi float64 }

func newScale(units []unitValue) scale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, u := range units {
		if f, ok := ratio(u.Value); ok && !u.Suppressed {
			lo, hi = min(lo, f), max(hi, f)
		}
	}
	if hi-lo < 0.1 {
		return scale{0, 1}
	}
	return scale{lo, hi}
}

// colour is the class colour of a value; noValue when there is none.
func (sc scale) colour(v string) string {
	f, ok := ratio(v)
	if !ok {
		return noValue
	}
	x := (min(max(f, sc.lo), sc.hi) - sc.lo) / (sc.hi - sc.lo)
	return valueColours[min(int(x*float64(len(valueColours))), len(valueColours)-1)]
}

// bounds are the limits of class i, as percentages with one decimal.
func (sc scale) bounds(i int) (string, string) {
	step := (sc.hi - sc.lo) / float64(len(valueColours))
	f := func(x float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", x*100), ".0") }
	return f(sc.lo + float64(i)*step), f(sc.lo + float64(i+1)*step)
}

// fill is the unit's colour: its value's class, noValue when it has none or is suppressed.
func (u unitValue) fill(sc scale) string {
	if u.Suppressed {
		return noValue
	}
	return sc.colour(u.Value)
}

// status is the shape and symbol of a unit's standing against the target, so that it never
// rests on colour alone.
func status(u unitValue, t map[string]string) (shape, symbol, text string) {
	switch {
	case u.Suppressed:
		return "circle", "", t["suppressed"]
	case u.Met == "true":
		return "circle", "✓", t["met"]
	case u.Met == "false":
		return "diamond", "✗", t["notmet"]
	case u.Value == "":
		return "circle", "", t["novalue"]
	}
	return "square", "", t["none"]
}

// unitSVG draws one indicator by unit: each unit with registered points at their mean position,
// the others in a tile grid on the right.
func unitSVG(units []unitValue, pos map[string]refdata.Point, indicator, lang string) (string, int) {
	t := mapText[lang]
	ring := refdata.Outline()
	pr := newProjection(ring, mapWidth, mapPad)
	var placed, rest []unitValue
	met, notMet := 0, 0
	for _, u := range units {
		if _, ok := pos[u.Code]; ok {
			placed = append(placed, u)
		} else {
			rest = append(rest, u)
		}
		switch {
		case u.Suppressed:
		case u.Met == "true":
			met++
		case u.Met == "false":
			notMet++
		}
	}
	sc := newScale(units)
	const tileW, tileH = 64.0, 22.0
	cols := 0
	if len(rest) > 0 {
		rows := max(1, int((pr.h-30)/tileH))
		cols = (len(rest) + rows - 1) / rows
	}
	gridW := max(float64(cols)*tileW, 150) + 16 // room for the grid's heading too
	if cols == 0 {
		gridW = 0
	}
	const legendH = 20 + 16*3
	w, h := pr.w+gridW, pr.h+legendH
	var b strings.Builder
	svgOpen(&b, "map-units", w, h, fmt.Sprintf(t["label_unit"], indicator, len(units), met, notMet))
	svgFrame(&b, pr, ring, t)
	title := func(u unitValue) string {
		_, _, st := status(u, t)
		v := percent(u.Value)
		if u.Suppressed {
			v = "–"
		}
		return fmt.Sprintf("%s %s: %s (%s)", u.Code, u.Name, v, st)
	}
	symbolColour := func(u unitValue) string {
		if c := u.fill(sc); c == valueColours[3] || c == valueColours[4] {
			return "#fff"
		}
		return "#1d2733"
	}
	for _, u := range placed {
		x, y := pr.xy(pos[u.Code])
		shape, sym, _ := status(u, t)
		marker(&b, shape, x, y, 9, u.fill(sc), "#1d2733", ` stroke-width="1" class="unit" data-code="`+esc(u.Code)+`"`, title(u))
		if sym != "" {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="%s" aria-hidden="true">%s</text>`, x, y+3.5, symbolColour(u), sym)
		}
	}
	if len(rest) > 0 {
		x0 := pr.w + 8
		fmt.Fprintf(&b, `<text x="%.0f" y="14" font-size="11" fill="#1d2733">%s (%d)</text>`, x0, esc(t["nopoint"]), len(rest))
		rows := max(1, int((pr.h-30)/tileH))
		for i, u := range rest {
			x, y := x0+float64(i/rows)*tileW, 22+float64(i%rows)*tileH
			fmt.Fprintf(&b, `<g class="tile" data-code="%s"><title>%s</title>`, esc(u.Code), esc(title(u)))
			// A tile: the value's colour, the status's shape at its left, then the value and symbol.
			shape, sym, _ := status(u, t)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="3" fill="%s" stroke="#1d2733" stroke-width="0.6"/>`,
				x, y, tileW-4, tileH-3, u.fill(sc))
			marker(&b, shape, x+8, y+(tileH-3)/2, 3.5, "#fff", "#1d2733", ` stroke-width="0.8"`, "")
			v := percent(u.Value)
			if u.Suppressed || u.Value == "" {
				v = u.Code
			}
			if sym != "" {
				v += " " + sym
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9" fill="%s">%s</text>`,
				x+15, y+tileH/2+1.5, symbolColour(u), esc(v))
			b.WriteString(`</g>`)
		}
	}
	// The legend: the value classes, then the shapes of met and not met.
	fmt.Fprintf(&b, `<g class="legend" transform="translate(0 %.0f)">`, pr.h)
	fmt.Fprintf(&b, `<text x="8" y="12" font-size="11" fill="#1d2733">%s</text>`, esc(t["value"]))
	for i, c := range valueColours {
		x := 56 + float64(i)*72
		lo, hi := sc.bounds(i)
		fmt.Fprintf(&b, `<rect x="%.0f" y="2" width="14" height="12" fill="%s" stroke="#1d2733" stroke-width="0.5" class="class-key"/>`, x, c)
		fmt.Fprintf(&b, `<text x="%.0f" y="12" font-size="10" fill="#1d2733">%s–%s%%</text>`, x+17, lo, hi)
	}
	keys := []struct{ shape, sym, text, fill string }{
		{"circle", "✓", t["met"], valueColours[2]}, {"diamond", "✗", t["notmet"], valueColours[2]},
		{"square", "", t["none"], valueColours[2]}, {"circle", "", t["novalue"], noValue},
	}
	for i, k := range keys {
		x, y := 16+float64(i%2)*200, 32+float64(i/2)*16
		marker(&b, k.shape, x, y, 6, k.fill, "#1d2733", ` stroke-width="0.8"`, "")
		if k.sym != "" {
			fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="8" text-anchor="middle" fill="#1d2733" aria-hidden="true">%s</text>`, x, y+3, k.sym)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" fill="#1d2733">%s</text>`, x+12, y+4, esc(k.text))
	}
	b.WriteString(`</g></svg>`)
	return b.String(), len(rest)
}

// unitPositions is the mean position of each unit's registered points (sites and areas), by the
// unit directly below the province each lies in at the period's end.
func unitPositions(layers ...[]queries.MapPoint) map[string]refdata.Point {
	sum := map[string]refdata.Point{}
	n := map[string]float64{}
	for _, l := range layers {
		for _, p := range l {
			if p.TopCode == "" {
				continue
			}
			s := sum[p.TopCode]
			sum[p.TopCode] = refdata.Point{Lon: s.Lon + p.Lon, Lat: s.Lat + p.Lat}
			n[p.TopCode]++
		}
	}
	out := make(map[string]refdata.Point, len(sum))
	for c, s := range sum {
		out[c] = refdata.Point{Lon: s.Lon / n[c], Lat: s.Lat / n[c]}
	}
	return out
}

// mapLayersAnswer is the two layers of one period.
type mapLayersAnswer struct {
	sites, areas []queries.MapPoint
}

// mapLayers returns the layers of the period over the newest state the server has them of,
// served stale while they revalidate as Server.indicators is (cache.go).
func (s *Server) mapLayers(ctx context.Context, p queries.Period) ([]queries.MapPoint, []queries.MapPoint, error) {
	cur, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, _, err := s.maps.get(ctx, p.Label, cur, func(ctx context.Context) (mapLayersAnswer, stamp, error) {
		return s.computeMapLayers(ctx, p)
	})
	return a.sites, a.areas, err
}

func (s *Server) computeMapLayers(ctx context.Context, p queries.Period) (mapLayersAnswer, stamp, error) {
	if s.computeHook != nil {
		if err := s.computeHook(ctx, "maps", p.Label); err != nil {
			return mapLayersAnswer{}, stamp{}, err
		}
	}
	db, snap, err := session.Open(ctx, s.cfg.Warehouse)
	if err != nil {
		return mapLayersAnswer{}, stamp{}, err
	}
	defer db.Close()
	sites, err := queries.MapPoints(ctx, db, queries.TourismSites, p, nil)
	if err != nil {
		return mapLayersAnswer{}, stamp{}, err
	}
	areas, err := queries.MapPoints(ctx, db, queries.RawMaterialAreas, p, nil)
	if err != nil {
		return mapLayersAnswer{}, stamp{}, err
	}
	return mapLayersAnswer{sites: sites, areas: areas}, stampOf(snap), nil
}

// mapFigure is one map with its caption.
type mapFigure struct {
	ID, Heading, Caption, Source string
	SVG                          template.HTML
}

// mapChoice is one indicator of the unit map's picker.
type mapChoice struct {
	ID, Label string
	Selected  bool
}

type mapsView struct {
	T            map[string]string
	Lang, Period string
	Figures      []mapFigure
	Choices      []mapChoice
	Error        string
}

var mapsTemplate = template.Must(template.New("maps").Parse(`<section id="maps" class="maps-section">
<link rel="stylesheet" href="/static/maps.css">
<h2>{{.T.heading}}</h2>
{{if .Error}}<p class="note">{{.Error}}</p>{{else}}<div class="maps">
{{range .Figures}}<figure class="map-figure" id="{{.ID}}">
<figcaption><strong>{{.Heading}}</strong>{{if eq .ID "fig-units"}}
<form method="get" action="/#fig-units" class="map-picker">
<input type="hidden" name="lang" value="{{$.Lang}}">
<input type="hidden" name="period" value="{{$.Period}}">
<label for="map-indicator">{{$.T.choose}}</label>
<select id="map-indicator" name="map">{{range $.Choices}}<option value="{{.ID}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select>
<button type="submit">{{$.T.show}}</button>
</form>{{end}}</figcaption>
{{.SVG}}
<p class="map-caption">{{.Caption}} {{.Source}}</p>
</figure>
{{end}}</div>{{end}}
</section>
`))

// mapsSection renders the dashboard's maps for the period: the two layers and the indicator
// chosen with ?map= (defaultMapIndicator, or the first, when absent or unknown).
func (s *Server) mapsSection(r *http.Request, p queries.Period, lang string, rows []queries.Row, ids []string) template.HTML {
	t := mapText[lang]
	li := 0
	if lang == "en" {
		li = 1
	}
	v := mapsView{T: t, Lang: lang, Period: p.Label}
	sites, areas, err := s.mapLayers(r.Context(), p)
	if err != nil {
		s.cfg.Log.Error("dashboard maps", "err", err)
		v.Error = t["error"]
		return renderMaps(v)
	}
	end := p.End.Format(time.DateOnly)
	total := 0.0
	for _, a := range areas {
		total += a.Hectares
	}
	v.Figures = append(v.Figures,
		mapFigure{ID: "fig-tourism", Heading: t["tourism"], SVG: template.HTML(tourismSVG(sites, lang)),
			Caption: fmt.Sprintf(t["tourism_cap"], end, len(sites)), Source: t["outline"]},
		mapFigure{ID: "fig-raw", Heading: t["raw"], SVG: template.HTML(rawSVG(areas, lang)),
			Caption: fmt.Sprintf(t["raw_cap"], end, len(areas), formatHa(total)), Source: t["outline"]})
	chosen := r.URL.Query().Get("map")
	if !slices.Contains(ids, chosen) {
		chosen = defaultMapIndicator
		if !slices.Contains(ids, chosen) && len(ids) > 0 {
			chosen = ids[0]
		}
	}
	for _, id := range ids {
		v.Choices = append(v.Choices, mapChoice{ID: id, Label: s.label(id, li), Selected: id == chosen})
	}
	if chosen != "" {
		var units []unitValue
		for _, x := range rows {
			if x.IndicatorID != chosen || x.ScopeLevel == "province" {
				continue
			}
			units = append(units, unitValue{Code: x.ScopeCode, Name: s.unitName(x.ScopeCode), Value: x.Value, Met: x.Met,
				Suppressed: queries.SmallCell(x)})
		}
		sort.Slice(units, func(i, j int) bool { return units[i].Code < units[j].Code })
		name := s.label(chosen, li)
		svg, rest := unitSVG(units, unitPositions(sites, areas), name, lang)
		grid := ""
		if rest > 0 {
			grid = fmt.Sprintf(t["unit_grid"], rest)
		}
		v.Figures = append(v.Figures, mapFigure{ID: "fig-units", Heading: t["unit"], SVG: template.HTML(svg),
			Caption: fmt.Sprintf(t["unit_cap"], name, p.Label, grid), Source: t["outline"]})
	}
	return renderMaps(v)
}

func renderMaps(v mapsView) template.HTML {
	var b strings.Builder
	if err := mapsTemplate.Execute(&b, v); err != nil {
		panic("BUG: the maps template: " + err.Error())
	}
	return template.HTML(b.String())
}
