package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// text holds the page's words in both languages.
var text = map[string]map[string]string{
	"vi": {"title": "Chuyển đổi số trong xây dựng nông thôn mới — tỉnh Thanh Hóa", "period": "Kỳ", "show": "Xem",
		"province": "Toàn tỉnh", "district": "Theo huyện", "commune": "Theo xã, phường", "target": "mục tiêu", "met": "đạt", "notmet": "chưa đạt",
		"none": "không có mục tiêu", "indicator": "Chỉ tiêu", "progress": "Tiến độ theo năm (toàn tỉnh)",
		"switch": "English", "data": "Dữ liệu mở", "feed": "Báo cáo gửi Bộ", "asof": "Dữ liệu đến", "na": "–",
		"suppressed": "ẩn", "suppressed_why": "dưới 10 phản hồi: không công bố để bảo vệ người trả lời",
		"unit": "Đơn vị", "code": "mã", "table_label": "Bảng chỉ tiêu theo đơn vị (cuộn ngang được)",
		"byyear": "theo năm", "nodata": "không có số liệu", "dashboard": "Bảng điều khiển",
		"history": "Chỉ tiêu theo năm", "history_label": "Bảng chỉ tiêu của đơn vị theo năm (cuộn ngang được)",
		"children": "Đơn vị trực thuộc", "children_at": "ngày", "nochildren": "Không có đơn vị trực thuộc.",
		"below":    "Các chỉ tiêu được tính cho toàn tỉnh và cho từng đơn vị trực thuộc tỉnh; số liệu của đơn vị này nằm trong",
		"inactive": "Đơn vị này không còn hoạt động (hoặc chưa có) vào cuối kỳ", "status": "trạng thái",
		"parent": "Cấp trên", "breadcrumb": "Vị trí trang", "charts": "Biểu đồ theo năm", "map": "Bản đồ",
		"legend":   "so với mục tiêu; di chuột lên một ô để xem tử số / mẫu số, bấm tên đơn vị để xem chi tiết.",
		"notfound": "Không có đơn vị hành chính nào có mã này.", "notfound_en": "No administrative unit has this code."},
	"en": {"title": "Digital transformation in new rural development — Thanh Hóa province", "period": "Period", "show": "Show",
		"province": "Province", "district": "By district", "commune": "By commune", "target": "target", "met": "met", "notmet": "not met",
		"none": "no target", "indicator": "Indicator", "progress": "Progress by year (province)",
		"switch": "Tiếng Việt", "data": "Open data", "feed": "Ministry reports", "asof": "Data as of", "na": "–",
		"suppressed": "suppressed", "suppressed_why": "fewer than 10 responses: not published, to protect the respondents",
		"unit": "Unit", "code": "code", "table_label": "Indicators by unit (scrolls sideways)",
		"byyear": "by year", "nodata": "no data", "dashboard": "Dashboard",
		"history": "Indicators by year", "history_label": "The unit's indicators by year (scrolls sideways)",
		"children": "Units below", "children_at": "on", "nochildren": "No unit below this one.",
		"below":    "The indicators are computed for the province and for each unit directly below it; this unit's figures count within",
		"inactive": "This unit is not active (any more, or yet) at the end of the period", "status": "status",
		"parent": "Parent", "breadcrumb": "You are here", "charts": "Charts by year", "map": "Map",
		"legend":   "against the target; hover over a cell for its numerator / denominator, follow a unit's name for its page.",
		"notfound": "Không có đơn vị hành chính nào có mã này.", "notfound_en": "No administrative unit has this code."},
}

type cardView struct {
	Label, Value, Target, Class, Status string
}

// cellView is one indicator's value for one unit. Status says met or not met in words (with an
// icon), so that the colour of Class is never the only sign; Label names the indicator, for the
// narrow layout where each row of the table is a card and a cell shows its indicator's name.
type cellView struct{ Label, Value, Class, Title, Icon, Status string }

// noteView is one of the period's notes in the page's language.
type noteView struct{ ID, Text string }

// indicatorView is one column of the table: an indicator.
type indicatorView struct{ ID, Label string }

// unitRowView is one row of the table: a unit directly below the province, named and linked to
// its page, with one cell per indicator.
type unitRowView struct {
	Code, Name, Href string
	Cells            []cellView
}

type chartView struct {
	Title string
	SVG   template.HTML
}

type pageView struct {
	Lang, Other    string
	T              map[string]string
	Period         string
	Periods        []string
	SwitchURL      string
	Cards          []cardView
	Indicators     []indicatorView
	Units          []unitRowView
	ScopeHeading   string     // by district, or by commune once the district level was abolished
	Notes          []noteView // why, in the page's language (queries.Notes)
	Charts         []chartView
	OpenData, Feed bool
	Maps           template.HTML // the digital maps' section (maps.go)
	Map            string        // the ?map= of the request
	AsOf, Snapshot string        // the state the indicators are over: its last commit, its snapshots
}

// head is the start of every dashboard page: the document head and the header with the period
// picker and the language switch (Action is where the picker goes: the same page).
const head = `{{define "head"}}<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/static/style.css"></head>
<body>
<header>
<h1>{{.T.title}}</h1>
<form method="get" action="{{.Action}}">
<input type="hidden" name="lang" value="{{.Lang}}">{{if .Map}}<input type="hidden" name="map" value="{{.Map}}">{{end}}
<label for="period">{{.T.period}}</label>
<select id="period" name="period">{{range .Periods}}<option value="{{.}}"{{if eq . $.Period}} selected{{end}}>{{.}}</option>{{end}}</select>
<button type="submit">{{.T.show}}</button>
</form>
<a id="lang-switch" href="{{.SwitchURL}}" lang="{{.Other}}">{{.T.switch}}</a>
</header>
{{end}}`

// cell is a value with its met/not-met state in words, shared by the table of the dashboard
// and the unit page.
//
// The icon and the word are apart so that the wide table of units can show the icon alone (the
// word stays for screen readers, and a legend above the table says what the icons mean), where
// twenty columns must fit 1,400 px.
const cell = `{{define "cell"}}<td class="{{.Class}}" title="{{.Title}}" data-label="{{.Label}}"><span class="v">{{.Value}}</span>{{if .Status}} <span class="st"><span class="icon" aria-hidden="true">{{.Icon}}</span> <span class="word">{{.Status}}</span></span>{{end}}</td>{{end}}`

var page = template.Must(template.New("page").Parse(head + cell + `{{template "head" .Head}}
<main>
<h2>{{.T.province}} — {{.Period}}</h2>
{{if .AsOf}}<p class="asof" id="as-of" data-snapshot="{{.Snapshot}}">{{.T.asof}} {{.AsOf}}</p>
{{end}}<div class="cards" id="province">
{{range .Cards}}<div class="card {{.Class}}"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div><div class="target">{{.Target}}{{if .Status}} · {{.Status}}{{end}}</div></div>
{{end}}</div>
<h2>{{.T.progress}}</h2>
<div class="charts">{{range .Charts}}<figure class="chart">{{.SVG}}<figcaption>{{.Title}}</figcaption></figure>{{end}}</div>
{{.Maps}}
<h2 id="units-heading">{{.ScopeHeading}}</h2>
{{range .Notes}}<p class="note" id="{{.ID}}">{{.Text}}</p>
{{end}}<p class="legend" id="units-legend"><span class="met">✓ {{.T.met}}</span> <span class="notmet">✗ {{.T.notmet}}</span> · {{.T.legend}}</p>
<div class="scroll" tabindex="0" role="region" aria-label="{{.T.table_label}}">
<table id="units" class="units">
<thead><tr><th scope="col">{{.T.unit}}</th>{{range .Indicators}}<th scope="col" data-id="{{.ID}}">{{.Label}}</th>{{end}}</tr></thead>
<tbody>{{range .Units}}<tr><th scope="row" data-code="{{.Code}}" title="{{$.T.code}} {{.Code}}"><a href="{{.Href}}">{{if .Name}}{{.Name}}{{else}}{{.Code}}{{end}}</a> <small>{{.Code}}</small></th>{{range .Cells}}{{template "cell" .}}{{end}}</tr>
{{end}}</tbody></table></div>
</main>
<footer>{{if .OpenData}}<a href="/opendata/?lang={{.Lang}}">{{.T.data}}</a> · {{end}}{{if .Feed}}<a href="/feeds/ministry">{{.T.feed}}</a> · {{end}}<a href="/api/v1/indicators?period={{.Period}}">API</a></footer>
</body></html>
`))

// headView is what the "head" template needs.
type headView struct {
	Lang, Other, Title, Action, Period, SwitchURL string
	Map                                           string // the indicator of the maps, kept when the period changes
	T                                             map[string]string
	Periods                                       []string
}

// Head is the page's header.
func (v pageView) Head() headView {
	return headView{Lang: v.Lang, Other: v.Other, Title: v.T["title"], Action: "/", Period: v.Period,
		SwitchURL: v.SwitchURL, Map: v.Map, T: v.T, Periods: v.Periods}
}

// percent shows a ratio as a percentage with one decimal.
func percent(v string) string {
	if v == "" {
		return "–"
	}
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		return v
	}
	f, _ := new(big.Rat).Mul(r, big.NewRat(100, 1)).Float64()
	return fmt.Sprintf("%.1f%%", f)
}

func statusClass(met string) string {
	switch met {
	case "true":
		return "met"
	case "false":
		return "notmet"
	}
	return "none"
}

// statusText is met or not met in words with an icon ("✓ đạt", "✗ chưa đạt"), "" when the
// indicator has no target or no value.
func statusText(met string, t map[string]string) string {
	if met == "" {
		return ""
	}
	return statusIcon(met) + " " + statusWord(met, t)
}

// statusIcon is ✓ for met, ✗ for not met, "" otherwise.
func statusIcon(met string) string {
	switch met {
	case "true":
		return "✓"
	case "false":
		return "✗"
	}
	return ""
}

// statusWord is met or not met in words, "" when the indicator has no target or no value.
func statusWord(met string, t map[string]string) string {
	switch met {
	case "true":
		return t["met"]
	case "false":
		return t["notmet"]
	}
	return ""
}

// pageLang is the request's language, "vi" unless ?lang=en, with the other one and the index of
// the language (0 Vietnamese, 1 English) for label.
func pageLang(r *http.Request) (lang, other string, li int) {
	if r.URL.Query().Get("lang") == "en" {
		return "en", "vi", 1
	}
	return "vi", "en", 0
}

// requestPeriod is the request's ?period=, 2025 by default, limited to the years the warehouse
// can hold (publicPeriod).
func requestPeriod(r *http.Request) (queries.Period, error) {
	label := r.URL.Query().Get("period")
	if label == "" {
		label = "2025"
	}
	return publicPeriod(label, time.Now())
}

// newCell is the cell of an indicator's row x for unit code.
func (s *Server) newCell(x queries.Row, ok bool, code, label string, t map[string]string) cellView {
	if !ok {
		return cellView{Label: label, Value: t["na"], Class: statusClass(""), Title: code + " " + s.unitName(code) + ": " + t["nodata"]}
	}
	if queries.SmallCell(x) {
		return cellView{Label: label, Value: t["suppressed"], Class: statusClass(""), Title: fmt.Sprintf("%s %s: %s", code, s.unitName(code), t["suppressed_why"])}
	}
	return cellView{Label: label, Value: percent(x.Value), Class: statusClass(x.Met), Icon: statusIcon(x.Met), Status: statusWord(x.Met, t),
		Title: fmt.Sprintf("%s %s: %s / %s", code, s.unitName(code), x.Numerator, x.Denominator)}
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	lang, other, li := pageLang(r)
	p, err := requestPeriod(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	gen := s.gen.Load() // before the answers: a page rendered from newer ones is only discarded
	rows, notes, at, err := s.indicators(r.Context(), p)
	if err != nil {
		s.cfg.Log.Error("dashboard", "err", err)
		http.Error(w, "the indicators could not be computed; see the server log", http.StatusInternalServerError)
		return
	}
	// The page is of the state its indicators are over, which a refresh may be replacing.
	s.setSnapshotHeaders(w, at)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	key := "dashboard " + url.Values{"lang": {lang}, "period": {p.Label}, "map": {r.URL.Query().Get("map")}}.Encode()
	if pg, ok := s.pages.get(key, gen); ok && pg.at == at {
		_, _ = w.Write(pg.body)
		return
	}
	t := text[lang]
	q := url.Values{"lang": {other}, "period": {p.Label}}
	if m := r.URL.Query().Get("map"); m != "" {
		q.Set("map", m) // the indicator on the maps (maps.go) stays too
	}
	v := pageView{Lang: lang, Other: other, T: t, Period: p.Label, Periods: periods(), SwitchURL: "/?" + q.Encode(),
		ScopeHeading: t["district"], OpenData: s.cfg.OpenData != "", Feed: s.cfg.Reports != ""}
	if scopeLevel(rows) == "commune" {
		v.ScopeHeading = t["commune"]
	}
	for _, n := range notes {
		text := n.VI
		if lang == "en" {
			text = n.EN
		}
		v.Notes = append(v.Notes, noteView{ID: n.ID, Text: text})
	}
	byScope := map[string]map[string]queries.Row{}
	var ids []string
	for _, x := range rows {
		if byScope[x.IndicatorID] == nil {
			byScope[x.IndicatorID] = map[string]queries.Row{}
			ids = append(ids, x.IndicatorID)
		}
		byScope[x.IndicatorID][x.ScopeCode] = x
	}
	for _, id := range ids {
		prov := byScope[id]["38"]
		// Met or not met in words; an indicator with a target but no value has no data yet.
		status, target := "", t["none"]
		if prov.Target != "" {
			target = t["target"] + " " + percent(prov.Target)
			status = t["nodata"]
		}
		if st := statusText(prov.Met, t); st != "" {
			status = st
		}
		c := cardView{Label: s.label(id, li), Value: percent(prov.Value), Target: target, Class: statusClass(prov.Met), Status: status}
		if queries.SmallCell(prov) {
			c.Value, c.Class, c.Status = t["suppressed"], statusClass(""), t["suppressed_why"]
		}
		v.Cards = append(v.Cards, c)
		v.Indicators = append(v.Indicators, indicatorView{ID: id, Label: s.label(id, li)})
	}
	// The table is transposed: a row per unit and a column per indicator, so that the 166
	// communes directly under the province after 2025-07-01 are 166 rows a page can hold, not
	// 166 columns; at a narrow width the stylesheet shows each row as a card.
	for _, code := range sortedScopes(rows) {
		uq := url.Values{"lang": {lang}, "period": {p.Label}}
		u := unitRowView{Code: code, Name: s.unitName(code), Href: "/units/" + url.PathEscape(code) + "?" + uq.Encode()}
		for _, id := range ids {
			x, ok := byScope[id][code]
			u.Cells = append(u.Cells, s.newCell(x, ok, code, s.label(id, li), t))
		}
		v.Units = append(v.Units, u)
	}
	hist, err := s.history(r.Context(), years())
	if err == nil {
		for _, id := range ids {
			v.Charts = append(v.Charts, chartView{Title: s.label(id, li) + " — " + t["province"],
				SVG: chart(s.label(id, li)+" — "+t["province"], years(), hist[id]["38"], t)})
		}
	} else {
		s.cfg.Log.Error("dashboard charts", "err", err)
	}
	v.Maps = s.mapsSection(r, p, lang, rows, ids)
	v.Map = r.URL.Query().Get("map")
	v.Snapshot = at.ID
	if !at.At.IsZero() {
		v.AsOf = at.At.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		s.cfg.Log.Error("dashboard template", "err", err)
		http.Error(w, "the page could not be rendered; see the server log", http.StatusInternalServerError)
		return
	}
	s.pages.put(key, renderedPage{gen: gen, at: at, body: b.Bytes()})
	_, _ = w.Write(b.Bytes())
}

// years are the periods of the charts and of a unit's history: the years the warehouse holds.
func years() []string { return []string{"2022", "2023", "2024", "2025"} }

// history is the indicators of each period in labels, by indicator and scope: one row per period,
// in the order of labels, with ok false where the scope has no row in that period (a district
// after the abolition, a commune before it).
func (s *Server) history(ctx context.Context, labels []string) (map[string]map[string][]histPoint, error) {
	out := map[string]map[string][]histPoint{}
	for i, label := range labels {
		p, err := queries.ParsePeriod(label)
		if err != nil {
			return nil, err
		}
		rows, err := s.Indicators(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, x := range rows {
			if out[x.IndicatorID] == nil {
				out[x.IndicatorID] = map[string][]histPoint{}
			}
			if out[x.IndicatorID][x.ScopeCode] == nil {
				out[x.IndicatorID][x.ScopeCode] = make([]histPoint, len(labels))
			}
			out[x.IndicatorID][x.ScopeCode][i] = histPoint{Row: x, OK: true}
		}
	}
	return out, nil
}

// histPoint is one period's row of an indicator for a scope; OK false when there is none.
type histPoint struct {
	queries.Row
	OK bool
}

// ratio is x's value as a float, and whether it has one that may be shown (not a small cell).
func (x histPoint) ratio() (float64, bool) {
	if !x.OK || x.Value == "" || queries.SmallCell(x.Row) {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(x.Value)
	if !ok {
		return 0, false
	}
	f, _ := r.Float64()
	return f, true
}

// chart draws an indicator's values by period with its target, as inline SVG with presentation
// attributes only (the page's CSP forbids inline style and script): a y axis from 0 to 100%
// with its ticks labelled, the periods on the x axis, each value written above its point, and
// the target as a dashed line labelled with its value. The accessible name (aria-label and
// <title>) says the same in words, for readers that cannot see the picture.
func chart(title string, periods []string, points []histPoint, t map[string]string) template.HTML {
	const w, h = 300.0, 170.0
	const left, right, top, bottom = 38.0, 58.0, 16.0, 24.0
	y := func(v float64) float64 { return top + (1-min(max(v, 0), 1))*(h-top-bottom) }
	x := func(i int) float64 {
		if len(periods) < 2 {
			return left + (w-left-right)/2
		}
		return left + 12 + float64(i)*(w-left-right-32)/float64(len(periods)-1)
	}
	var target string
	var targetV float64
	var said []string
	for i, label := range periods {
		v := t["na"]
		if i < len(points) {
			if _, ok := points[i].ratio(); ok {
				v = percent(points[i].Value)
			} else if points[i].OK && queries.SmallCell(points[i].Row) {
				v = t["suppressed"]
			}
			if points[i].Target != "" {
				target = points[i].Target
			}
		}
		said = append(said, label+" "+v)
	}
	name := title + ", " + t["byyear"] + ": " + strings.Join(said, ", ")
	if target != "" {
		r, _ := new(big.Rat).SetString(target)
		targetV, _ = r.Float64()
		name += "; " + t["target"] + " " + percent(target)
	}
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s"><title>%s</title>`, w, h, w, h, esc(name), esc(name))
	// The axes, with the y ticks at 0, 50 and 100%.
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#6b7682" stroke-width="1"/>`, left, top, left, y(0))
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#6b7682" stroke-width="1"/>`, left, y(0), w-right, y(0))
	for _, tick := range []float64{0, 0.5, 1} {
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#e3e6ea" stroke-width="1"/>`, left+1, y(tick), w-right, y(tick))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="10" text-anchor="end" fill="#3b4652">%.0f%%</text>`, left-4, y(tick)+3.5, tick*100)
	}
	if target != "" {
		ty := y(targetV)
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#b03a2e" stroke-dasharray="5 3" stroke-width="1.5"/>`, left, ty, w-right, ty)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="10" fill="#9b2f24">%s</text>`, w-right+4, ty-2, esc(t["target"]))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="10" fill="#9b2f24">%s</text>`, w-right+4, ty+10, esc(percent(target)))
	}
	var pts []string
	for i := range periods {
		if i >= len(points) {
			break
		}
		v, ok := points[i].ratio()
		if !ok {
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#0b5d3b" stroke-width="2"/>`, strings.Join(pts, " "))
	}
	for i := range periods {
		if i >= len(points) {
			break
		}
		v, ok := points[i].ratio()
		if !ok {
			continue
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#0b5d3b"/>`, x(i), y(v))
		// A value near the top is written below its point, so that it stays inside the picture.
		ly := y(v) - 6
		if ly < top {
			ly = y(v) + 14
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#1d2733">%s</text>`, x(i), ly, esc(percent(points[i].Value)))
	}
	for i, label := range periods {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle" fill="#3b4652">%s</text>`, x(i), h-8, esc(label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// scopeLevel is the level of the scopes below the province in rows ("district" or "commune").
func scopeLevel(rows []queries.Row) string {
	for _, r := range rows {
		if r.ScopeLevel != "province" {
			return r.ScopeLevel
		}
	}
	return ""
}
