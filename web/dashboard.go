package web

import (
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// labels names each indicator in Vietnamese and English.
var labels = map[string][2]string{
	"gov.dossiers_online.province":    {"Hồ sơ xử lý trực tuyến, cấp tỉnh", "Dossiers processed online, province level"},
	"gov.dossiers_online.district":    {"Hồ sơ xử lý trực tuyến, cấp huyện", "Dossiers processed online, district level"},
	"gov.dossiers_online.commune":     {"Hồ sơ xử lý trực tuyến, cấp xã", "Dossiers processed online, commune level"},
	"gov.commune_ntm_8_4":             {"Xã đạt chỉ tiêu 8.4 (NTM)", "Communes meeting indicator 8.4 (NTM)"},
	"gov.commune_adv_8_4":             {"Xã đạt chỉ tiêu 8.4 (NTM nâng cao)", "Communes meeting 8.4 (advanced NTM)"},
	"gov.commune_adv_15_2":            {"Xã đạt chỉ tiêu 15.2 (NTM nâng cao)", "Communes meeting 15.2 (advanced NTM)"},
	"gov.district_ntm_9_5":            {"Huyện đạt chỉ tiêu 9.5 (NTM)", "Districts meeting 9.5 (NTM)"},
	"gov.district_adv_6_5":            {"Huyện đạt chỉ tiêu 6.5 (NTM nâng cao)", "Districts meeting 6.5 (advanced NTM)"},
	"gov.district_adv_9_2":            {"Huyện đạt chỉ tiêu 9.2 (NTM nâng cao)", "Districts meeting 9.2 (advanced NTM)"},
	"gov.managers_trained":            {"Cán bộ được tập huấn chuyển đổi số", "Managers trained in digital transformation"},
	"eco.communes_coop_digital":       {"Xã có HTX ứng dụng công nghệ số", "Communes with a digital cooperative"},
	"eco.districts_linkage_digital":   {"Huyện có mô hình liên kết ứng dụng số", "Districts with a digital linkage model"},
	"eco.raw_area_linkage_digital":    {"Mô hình liên kết vùng nguyên liệu ứng dụng số", "Raw-material linkage models applying digital tech"},
	"soc.units_service_and_survey":    {"Đơn vị có dịch vụ trực tuyến và khảo sát hài lòng", "Units with an online service and satisfaction survey"},
	"pil.districts_with_smart_model":  {"Huyện có mô hình NTM thông minh", "Districts with a smart NTM pilot"},
	"inf.households_smartphone":       {"Hộ có điện thoại thông minh", "Households with a smartphone"},
	"inf.villages_fixed_broadband":    {"Thôn có băng rộng cố định", "Villages with fixed broadband"},
	"inf.communes_free_wifi_one_stop": {"Xã có Wi-Fi miễn phí tại bộ phận một cửa", "Communes with free Wi-Fi at the one-stop shop"},
	"soc.satisfaction_rate":           {"Tỷ lệ người dân hài lòng", "Citizens satisfied"},
	"fin.disbursement_rate":           {"Tỷ lệ giải ngân", "Funding disbursed"},
}

// text holds the page's words in both languages.
var text = map[string]map[string]string{
	"vi": {"title": "Chuyển đổi số trong xây dựng nông thôn mới — tỉnh Thanh Hóa", "period": "Kỳ", "show": "Xem",
		"province": "Toàn tỉnh", "district": "Theo huyện", "commune": "Theo xã, phường", "target": "mục tiêu", "met": "đạt", "notmet": "chưa đạt",
		"none": "không có mục tiêu", "indicator": "Chỉ tiêu", "progress": "Tiến độ theo năm (toàn tỉnh)",
		"switch": "English", "data": "Dữ liệu mở", "feed": "Báo cáo gửi Bộ", "asof": "Dữ liệu đến", "na": "–",
		"suppressed": "ẩn", "suppressed_why": "dưới 10 phản hồi: không công bố để bảo vệ người trả lời"},
	"en": {"title": "Digital transformation in new rural development — Thanh Hóa province", "period": "Period", "show": "Show",
		"province": "Province", "district": "By district", "commune": "By commune", "target": "target", "met": "met", "notmet": "not met",
		"none": "no target", "indicator": "Indicator", "progress": "Progress by year (province)",
		"switch": "Tiếng Việt", "data": "Open data", "feed": "Ministry reports", "asof": "Data as of", "na": "–",
		"suppressed": "suppressed", "suppressed_why": "fewer than 10 responses: not published, to protect the respondents"},
}

type cardView struct {
	Label, Value, Target, Class, Status string
}

type cellView struct{ Value, Class, Title string }

// noteView is one of the period's notes in the page's language.
type noteView struct{ ID, Text string }

// scopeView is one column of the table: a unit directly below the province.
type scopeView struct{ Code, Name string }

type rowView struct {
	Label string
	Cells []cellView
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
	Scopes         []scopeView
	ScopeHeading   string     // by district, or by commune once the district level was abolished
	Notes          []noteView // why, in the page's language (queries.Notes)
	Rows           []rowView
	Charts         []chartView
	OpenData, Feed bool
	Maps           template.HTML // the digital maps' section (maps.go)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.title}}</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/static/style.css"></head>
<body>
<header>
<h1>{{.T.title}}</h1>
<form method="get" action="/">
<input type="hidden" name="lang" value="{{.Lang}}">
<label for="period">{{.T.period}}</label>
<select id="period" name="period">{{range .Periods}}<option value="{{.}}"{{if eq . $.Period}} selected{{end}}>{{.}}</option>{{end}}</select>
<button type="submit">{{.T.show}}</button>
</form>
<a id="lang-switch" href="{{.SwitchURL}}">{{.T.switch}}</a>
</header>
<main>
<h2>{{.T.province}} — {{.Period}}</h2>
<div class="cards" id="province">
{{range .Cards}}<div class="card {{.Class}}"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div><div class="target">{{.Target}} · {{.Status}}</div></div>
{{end}}</div>
<h2>{{.T.progress}}</h2>
<div>{{range .Charts}}<div class="chart"><div class="title">{{.Title}}</div>{{.SVG}}</div>{{end}}</div>
{{.Maps}}
<h2>{{.ScopeHeading}}</h2>
{{range .Notes}}<p class="note" id="{{.ID}}">{{.Text}}</p>
{{end}}<div class="scroll"><table id="districts">
<thead><tr><th>{{.T.indicator}}</th>{{range .Scopes}}<th data-code="{{.Code}}" title="{{.Code}}">{{if .Name}}{{.Name}}<br><small>{{.Code}}</small>{{else}}{{.Code}}{{end}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Label}}</td>{{range .Cells}}<td class="{{.Class}}" title="{{.Title}}">{{.Value}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
</main>
<footer>{{if .OpenData}}<a href="/opendata/?lang={{.Lang}}">{{.T.data}}</a> · {{end}}{{if .Feed}}<a href="/feeds/ministry">{{.T.feed}}</a> · {{end}}<a href="/api/v1/indicators?period={{.Period}}">API</a></footer>
</body></html>
`))

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

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang != "en" {
		lang = "vi"
	}
	label := r.URL.Query().Get("period")
	if label == "" {
		label = "2025"
	}
	p, err := publicPeriod(label, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rows, notes, err := s.indicators(r.Context(), p)
	if err != nil {
		s.cfg.Log.Error("dashboard", "err", err)
		http.Error(w, "the indicators could not be computed; see the server log", http.StatusInternalServerError)
		return
	}
	t := text[lang]
	li := 0
	if lang == "en" {
		li = 1
	}
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	q := url.Values{"lang": {other}, "period": {p.Label}}
	if m := r.URL.Query().Get("map"); m != "" {
		q.Set("map", m) // the indicator on the maps (maps.go) stays too
	}
	v := pageView{Lang: lang, Other: other, T: t, Period: p.Label, Periods: periods(), SwitchURL: "/?" + q.Encode(),
		ScopeHeading: t["district"], OpenData: s.cfg.OpenData != "", Feed: s.cfg.Reports != ""}
	codes := sortedScopes(rows)
	for _, code := range codes {
		v.Scopes = append(v.Scopes, scopeView{Code: code, Name: s.unitName(code)})
	}
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
		status := t["none"]
		switch prov.Met {
		case "true":
			status = t["met"]
		case "false":
			status = t["notmet"]
		}
		target := t["none"]
		if prov.Target != "" {
			target = t["target"] + " " + percent(prov.Target)
		}
		v.Cards = append(v.Cards, cardView{Label: labels[id][li], Value: percent(prov.Value), Target: target,
			Class: statusClass(prov.Met), Status: status})
		if queries.SmallCell(prov) {
			v.Cards[len(v.Cards)-1].Value, v.Cards[len(v.Cards)-1].Class, v.Cards[len(v.Cards)-1].Status = t["suppressed"], statusClass(""), t["suppressed_why"]
		}
		rv := rowView{Label: labels[id][li]}
		for _, code := range codes {
			x := byScope[id][code]
			if queries.SmallCell(x) {
				rv.Cells = append(rv.Cells, cellView{Value: t["suppressed"], Class: statusClass(""), Title: fmt.Sprintf("%s %s: %s", code, s.unitName(code), t["suppressed_why"])})
				continue
			}
			title := fmt.Sprintf("%s %s: %s / %s", code, s.unitName(code), x.Numerator, x.Denominator)
			rv.Cells = append(rv.Cells, cellView{Value: percent(x.Value), Class: statusClass(x.Met), Title: title})
		}
		v.Rows = append(v.Rows, rv)
	}
	v.Charts = s.charts(r, ids, li)
	v.Maps = s.mapsSection(r, p, lang, rows, ids)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, v); err != nil {
		s.cfg.Log.Error("dashboard template", "err", err)
	}
}

// charts draws each indicator's province value per year with its target, as inline SVG with
// presentation attributes only (the page's CSP forbids inline style and script).
func (s *Server) charts(r *http.Request, ids []string, li int) []chartView {
	years := []string{"2022", "2023", "2024", "2025"}
	values := map[string][]float64{}
	targets := map[string]float64{}
	for yi, y := range years {
		p, _ := queries.ParsePeriod(y)
		rows, err := s.Indicators(r.Context(), p)
		if err != nil {
			return nil
		}
		for _, x := range rows {
			if x.ScopeCode != "38" {
				continue
			}
			if values[x.IndicatorID] == nil {
				values[x.IndicatorID] = make([]float64, len(years))
				for i := range values[x.IndicatorID] {
					values[x.IndicatorID][i] = -1
				}
			}
			if x.Value != "" && !queries.SmallCell(x) {
				rat, _ := new(big.Rat).SetString(x.Value)
				values[x.IndicatorID][yi], _ = rat.Float64()
			}
			if x.Target != "" {
				rat, _ := new(big.Rat).SetString(x.Target)
				targets[x.IndicatorID], _ = rat.Float64()
			}
		}
	}
	var out []chartView
	for _, id := range ids {
		const w, h, pad = 220.0, 90.0, 14.0
		var b strings.Builder
		fmt.Fprintf(&b, `<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img">`, w, h+14, w, h+14)
		y := func(v float64) float64 { return pad + (1-min(max(v, 0), 1))*(h-2*pad) }
		x := func(i int) float64 { return pad + float64(i)*(w-2*pad)/float64(len(years)-1) }
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#c8ccd1" stroke-width="1"/>`, pad, y(0), w-pad, y(0))
		if t, ok := targets[id]; ok {
			fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#c0392b" stroke-dasharray="4 3" stroke-width="1"/>`, pad, y(t), w-pad, y(t))
		}
		var pts []string
		for i, v := range values[id] {
			if v < 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#0b5d3b"/>`, x(i), y(v))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#0b5d3b" stroke-width="2"/>`, strings.Join(pts, " "))
		}
		for i, yr := range years {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="9" text-anchor="middle" fill="#4a5561">%s</text>`, x(i), h+10, yr)
		}
		b.WriteString(`</svg>`)
		out = append(out, chartView{Title: labels[id][li], SVG: template.HTML(b.String())})
	}
	return out
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
