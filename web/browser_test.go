package web_test

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/opendata"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
)

// chromium is where Debian's chromium package (and .ci/run) puts the browser.
const chromium = "/usr/bin/chromium"

// apiRow is one row of GET /api/v1/indicators.
type apiRow struct {
	IndicatorID string  `json:"indicator_id"`
	ScopeLevel  string  `json:"scope_level"`
	ScopeCode   string  `json:"scope_code"`
	Numerator   int64   `json:"numerator"`
	Denominator int64   `json:"denominator"`
	Suppressed  bool    `json:"suppressed"`
	Value       *string `json:"value"`
	Met         *bool   `json:"met"`
}

// shown is what the browser shows of the dashboard, read from the DOM.
type shown struct {
	Lang     string   `json:"lang"`
	Headings []string `json:"headings"`
	Period   string   `json:"period"`
	Styled   bool     `json:"styled"`
	Cards    []struct {
		Class string `json:"class"`
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"cards"`
	Indicators []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"indicators"`
	Units []struct {
		Code  string `json:"code"`
		Name  string `json:"name"`
		Href  string `json:"href"`
		Cells []struct {
			Text   string `json:"text"`
			Status string `json:"status"`
			Class  string `json:"class"`
			Title  string `json:"title"`
		} `json:"cells"`
	} `json:"units"`
}

// readPage reads the headings, the period picker, the province cards and the table of units
// (a row per unit, a column per indicator) as the browser renders them (innerText, so what a
// reader sees).
const readPage = `(() => {
	const text = el => el ? el.innerText.trim() : "";
	return {
		lang: document.documentElement.lang,
		headings: [...document.querySelectorAll("h2")].map(text),
		period: document.getElementById("period").value,
		styled: [...document.styleSheets].some(s => s.href && s.href.endsWith("/static/style.css") && s.cssRules.length > 0),
		cards: [...document.querySelectorAll("#province .card")].map(c => ({
			class: c.className, label: text(c.querySelector(".label")), value: text(c.querySelector(".value"))})),
		indicators: [...document.querySelectorAll("#units thead th[data-id]")].map(th => ({id: th.dataset.id, label: text(th)})),
		units: [...document.querySelectorAll("#units tbody tr")].map(tr => ({
			code: tr.cells[0].dataset.code,
			name: text(tr.cells[0].querySelector("a")),
			href: tr.cells[0].querySelector("a").getAttribute("href"),
			cells: [...tr.cells].slice(1).map(td => ({text: text(td.querySelector(".v")), status: td.querySelector(".st") ? td.querySelector(".st").textContent.trim() : "",
				class: td.className, title: td.title}))})),
	};
})()`

// axeSource is axe-core, vendored (testdata/axe/README.md), injected into each page checked.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeRun runs axe-core over the page and answers its serious and critical violations, each with
// the nodes it found them on.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
	.filter(v => v.impact === "serious" || v.impact === "critical")
	.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary)})))`

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// pageWidth is what the document measures across: no sideways scroll of the page when
// scrollWidth <= clientWidth.
type pageWidth struct {
	Scroll int `json:"scroll"`
	Client int `json:"client"`
}

const measureWidth = `({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})`

// percent is the dashboard's rendering of a ratio: a percentage with one decimal, "–" for none.
func percent(v *string) string {
	if v == nil {
		return "–"
	}
	r, ok := new(big.Rat).SetString(*v)
	if !ok {
		return *v
	}
	f, _ := new(big.Rat).Mul(r, big.NewRat(100, 1)).Float64()
	return fmt.Sprintf("%.1f%%", f)
}

// suppressedText is what the page shows for a small cell.
var suppressedText = "ẩn"

func class(met *bool) string {
	switch {
	case met == nil:
		return "none"
	case *met:
		return "met"
	}
	return "notmet"
}

// lockedBuffer collects the browser's output for the log of a failed test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// browserWarehouse ingests the hand-built province of the indicator tests (units 38, 380, 381,
// 382) over Kafka into a new warehouse.
func browserWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	return kit.Warehouse(t, kit.Fixture(t, "units.ndjson", "gov.ndjson", "eco_soc.ndjson", "inf_fin.ndjson"))
}

// TestBrowserDashboard drives headless Chromium over the dashboard: the numbers it shows are the
// API's, the met/not-met classes and words follow the API, the units are named, the language
// switch keeps the period, the period picker navigates, and the page runs under a CSP with no
// script at all. axe-core (vendored, testdata/axe) finds no serious or critical violation on the
// dashboard in both languages at 1,400 and 390 px, on a unit's page and on the open-data indexes,
// none of which scrolls sideways; the unit page lists the district's communes.
func TestBrowserDashboard(t *testing.T) {
	needChromium(t)
	start := time.Now()

	wh := browserWarehouse(t)
	// The open data of 2025, for the accessibility checks of its index pages.
	od := filepath.Join(t.TempDir(), "opendata")
	p2025, err := queries.ParsePeriod("2025")
	require.NoError(t, err)
	db, snap, err := session.OpenWith(t.Context(), wh, session.Options{AllowDirs: []string{od}, Unlocked: true})
	require.NoError(t, err)
	_, err = opendata.Publish(t.Context(), db, opendata.Options{Period: p2025, DataKnownAt: snap.KnownAt(nil), Out: od})
	require.NoError(t, err)
	require.NoError(t, db.Close())
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh, OpenData: od, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	t.Logf("warehouse ingested and server up in %s", time.Since(start).Round(time.Millisecond))

	// The API's numbers, fetched over plain HTTP (this also computes 2025 once for the page).
	resp, err := http.Get(srv.URL + "/api/v1/indicators?period=2025")
	require.NoError(t, err)
	var api struct {
		Period     string   `json:"period"`
		Indicators []apiRow `json:"indicators"`
	}
	err = json.NewDecoder(resp.Body).Decode(&api)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "2025", api.Period)
	var ids []string // in the API's (and the page's) order
	byID := map[string]map[string]apiRow{}
	for _, r := range api.Indicators {
		if byID[r.IndicatorID] == nil {
			byID[r.IndicatorID] = map[string]apiRow{}
			ids = append(ids, r.IndicatorID)
		}
		byID[r.IndicatorID][r.ScopeCode] = r
	}
	require.NotEmpty(t, ids)

	bctx := newBrowser(t, 90*time.Second)

	read := func() shown {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[shown](readPage))
		require.NoError(t, err)
		return s
	}
	location := func() *url.URL {
		t.Helper()
		loc, err := chromedp.Run(bctx, chromedp.Location())
		require.NoError(t, err)
		u, err := url.Parse(loc)
		require.NoError(t, err)
		return u
	}

	// 1. The page of 2025, its headers and its DOM.
	navStart := time.Now()
	doc, err := chromedp.Run(bctx, chromedp.NavigateResponse(srv.URL+"/?period=2025"))
	require.NoError(t, err)
	t.Logf("first page load (browser start included) in %s", time.Since(navStart).Round(time.Millisecond))
	require.EqualValues(t, http.StatusOK, doc.Status)
	var csp string
	for k, v := range doc.Headers {
		if strings.EqualFold(k, "Content-Security-Policy") {
			csp = fmt.Sprint(v)
		}
	}
	require.NotEmpty(t, csp, "the response of / has a Content-Security-Policy header: %v", doc.Headers)
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, csp, "unsafe-eval")
	assert.Contains(t, csp, "default-src 'none'")
	scripts, err := chromedp.Run(bctx, chromedp.QueryNodeIDs(chromedp.CSSAll("script"), chromedp.AtLeast(0)))
	require.NoError(t, err)
	assert.Empty(t, scripts, "the dashboard has no <script> element")

	page := read()
	assert.Equal(t, "vi", page.Lang, "Vietnamese by default")
	assert.Equal(t, "2025", page.Period)
	require.NotEmpty(t, page.Headings)
	assert.Equal(t, "Toàn tỉnh — 2025", page.Headings[0])
	assert.True(t, page.Styled, "the CSP lets the page's own stylesheet load")

	// The province cards and the table's columns are in the API's indicator order; the table
	// has a row per district, named (the code in a smaller line) and linked to its page.
	require.Len(t, page.Cards, len(ids), "one province card per indicator")
	require.Len(t, page.Indicators, len(ids), "one table column per indicator")
	var scopes, names []string
	for _, u := range page.Units {
		scopes = append(scopes, u.Code)
		names = append(names, u.Name)
		assert.Equal(t, "/units/"+u.Code+"?lang=vi&period=2025", u.Href, "%s: linked to its page", u.Code)
	}
	assert.Equal(t, []string{"380", "381", "382"}, scopes, "the district rows")
	assert.Equal(t, []string{"Thành phố Lam Sơn", "Huyện Đông Hà", "Huyện Mường Cao"}, names, "the districts by name")
	checked := map[string]int{} // scope → cells compared with a value
	classes := map[string]int{} // met/notmet cells seen where the API says so
	for i, id := range ids {
		prov, ok := byID[id]["38"]
		require.True(t, ok, "%s has a province row", id)
		card := page.Cards[i]
		if prov.Suppressed {
			prov.Value = &suppressedText // a small cell: the page says it is suppressed, as the API does
		}
		assert.Equal(t, percent(prov.Value), card.Value, "%s: province card", id)
		assert.Equal(t, "card "+class(prov.Met), card.Class, "%s: province card class", id)
		assert.Equal(t, id, page.Indicators[i].ID, "column %d", i)
		assert.Equal(t, card.Label, page.Indicators[i].Label, "%s: the card and the table column name one indicator", id)
		if prov.Value != nil {
			checked["38"]++
		}
		for _, u := range page.Units {
			code := u.Code
			require.Len(t, u.Cells, len(ids), "%s: one cell per indicator", code)
			c := u.Cells[i]
			r, ok := byID[id][code]
			if !assert.True(t, ok, "%s: the API has scope %s", id, code) {
				continue
			}
			assert.Contains(t, []string{"district", "commune"}, r.ScopeLevel, "%s %s: a unit directly below the province", id, code)
			if r.Suppressed {
				assert.Equal(t, suppressedText, c.Text, "%s %s: a small cell", id, code)
				assert.Equal(t, "none", c.Class, "%s %s: a small cell", id, code)
				assert.True(t, strings.HasSuffix(c.Title, ": dưới 10 phản hồi: không công bố để bảo vệ người trả lời"), c.Title)
				continue
			}
			assert.Equal(t, percent(r.Value), c.Text, "%s %s: cell", id, code)
			assert.Equal(t, class(r.Met), c.Class, "%s %s: cell class", id, code)
			// Met or not met in words too, never by colour alone.
			assert.Equal(t, map[string]string{"met": "✓ đạt", "notmet": "✗ chưa đạt", "none": ""}[class(r.Met)], c.Status, "%s %s: status", id, code)
			assert.True(t, strings.HasPrefix(c.Title, code+" "), "%s %s: title %q names the district", id, code, c.Title)
			assert.True(t, strings.HasSuffix(c.Title, fmt.Sprintf(": %d / %d", r.Numerator, r.Denominator)),
				"%s %s: title %q has the API's numerator and denominator", id, code, c.Title)
			if r.Value != nil {
				checked[code]++
			}
			if r.Met != nil {
				classes[c.Class]++
			}
		}
	}
	t.Logf("compared with the API: %d indicators; cells with a value: %v; met/notmet cells: %v", len(ids), checked, classes)
	for _, code := range []string{"38", "380", "381"} {
		assert.GreaterOrEqual(t, checked[code], 3, "at least three indicators with a value at scope %s", code)
	}
	assert.Positive(t, classes["met"], "a cell the API says is met")
	assert.Positive(t, classes["notmet"], "a cell the API says is not met")

	// Named spot checks from the fixture (queries/indicators_test.go), so that a page and an API
	// that agree on wrong numbers still fail.
	for _, c := range []struct{ id, scope, text, class string }{
		{"gov.dossiers_online.commune", "38", "66.7%", "notmet"},
		{"gov.dossiers_online.commune", "380", "100.0%", "met"},
		{"gov.commune_ntm_8_4", "381", "50.0%", "notmet"},
		{"gov.district_ntm_9_5", "38", "66.7%", "met"},
	} {
		r := byID[c.id][c.scope]
		assert.Equal(t, c.text, percent(r.Value), "%s %s", c.id, c.scope)
		assert.Equal(t, c.class, class(r.Met), "%s %s", c.id, c.scope)
	}

	t.Logf("page of 2025 checked at %s", time.Since(start).Round(time.Millisecond))

	// 2. The language switch: English, the period kept; and back.
	_, err = chromedp.RunResponse(bctx, chromedp.Click(chromedp.ID("lang-switch")))
	require.NoError(t, err)
	en := read()
	assert.Equal(t, "en", en.Lang)
	assert.Equal(t, "2025", en.Period, "the switch keeps the period")
	require.NotEmpty(t, en.Headings)
	assert.Contains(t, en.Headings[0], "Province")
	assert.Contains(t, en.Headings[0], "2025")
	u := location()
	assert.Equal(t, "en", u.Query().Get("lang"))
	assert.Equal(t, "2025", u.Query().Get("period"))
	require.Len(t, en.Cards, len(page.Cards))
	for i := range en.Cards {
		want := page.Cards[i].Value
		if want == suppressedText {
			want = "suppressed"
		}
		assert.Equal(t, want, en.Cards[i].Value, "card %d: the same number in English", i)
	}

	_, err = chromedp.RunResponse(bctx, chromedp.Click(chromedp.ID("lang-switch")))
	require.NoError(t, err)
	vi := read()
	assert.Equal(t, "vi", vi.Lang)
	assert.Equal(t, "2025", vi.Period)
	assert.Equal(t, page.Headings, vi.Headings)
	u = location()
	assert.Equal(t, "vi", u.Query().Get("lang"))
	assert.Equal(t, "2025", u.Query().Get("period"))

	t.Logf("language switch checked at %s", time.Since(start).Round(time.Millisecond))

	// 3. The period picker: 2025-Q1, submitted.
	_, err = chromedp.RunResponse(bctx,
		chromedp.SetValue(chromedp.ID("period"), "2025-Q1"),
		chromedp.Submit(chromedp.ID("period")))
	require.NoError(t, err)
	q1 := read()
	u = location()
	assert.Equal(t, "/", u.Path)
	assert.Equal(t, "2025-Q1", u.Query().Get("period"))
	assert.Equal(t, "vi", u.Query().Get("lang"), "the form keeps the language")
	assert.Equal(t, "2025-Q1", q1.Period)
	require.NotEmpty(t, q1.Headings)
	assert.Equal(t, "Toàn tỉnh — 2025-Q1", q1.Headings[0])
	// Q1 of the commune dossiers: 5/8 at the province (queries/indicators_test.go).
	require.Len(t, q1.Cards, len(ids))
	i := slices.Index(ids, "gov.dossiers_online.commune")
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, "62.5%", q1.Cards[i].Value, "gov.dossiers_online.commune in 2025-Q1")
	assert.Equal(t, "card notmet", q1.Cards[i].Class)

	t.Logf("period picker checked at %s", time.Since(start).Round(time.Millisecond))

	// 4. Accessibility and layout: axe-core finds no serious or critical violation, the page
	// never scrolls sideways, the units are named and met/not met is written, in both
	// languages, at a desktop's 1,400 px and a phone's 390 px (where each unit is a card).
	for _, c := range []struct {
		lang, district, notMet string
		width                  int64
	}{
		{"vi", "Huyện Đông Hà", "chưa đạt", 1400},
		{"vi", "Huyện Đông Hà", "chưa đạt", 390},
		{"en", "Huyện Đông Hà", "not met", 1400},
		{"en", "Huyện Đông Hà", "not met", 390},
	} {
		what := fmt.Sprintf("dashboard lang=%s at %d px", c.lang, c.width)
		_, err := chromedp.Run(bctx, chromedp.EmulateViewport(c.width, 900))
		require.NoError(t, err)
		_, err = chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/?period=2025&lang="+c.lang))
		require.NoError(t, err, what)
		noSidewaysScroll(t, bctx, what)
		axeCheck(t, bctx, what)
		table, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("units").innerText`))
		require.NoError(t, err)
		assert.Contains(t, table, c.district, "%s: units by name", what)
		// Met or not met is never colour alone: an icon in each cell of the wide table, whose
		// legend says what it means, and the word itself in each card.
		legend, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("units-legend").innerText`))
		require.NoError(t, err)
		assert.Contains(t, legend, "✗ "+c.notMet, "%s: the legend", what)
		assert.Contains(t, table, "✗", "%s: not met by its icon", what)
		if c.width < 700 {
			assert.Contains(t, table, "✗ "+c.notMet, "%s: not met in words", what)
		}
		cards, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#units tbody tr")).display`))
		require.NoError(t, err)
		if c.width < 700 {
			assert.Equal(t, "block", cards, "%s: each unit is a card", what)
		} else {
			assert.Equal(t, "table-row", cards, "%s: a table", what)
		}
		if c.lang == "vi" {
			screenshot(t, bctx, fmt.Sprintf("dash-%d.png", c.width), "")
			screenshot(t, bctx, fmt.Sprintf("dash-%d-units.png", c.width), "#units tbody tr:nth-child(2)")
			screenshot(t, bctx, fmt.Sprintf("dash-%d-window.png", c.width), "viewport")
			if c.width > 700 {
				screenshot(t, bctx, fmt.Sprintf("dash-%d-table.png", c.width), "#units")
			}
		}
	}
	t.Logf("dashboard accessibility and layout checked at %s", time.Since(start).Round(time.Millisecond))

	// 5. The page of a district, reached from its name in the table: its indicators by year and
	// its communes at the period's end, each linked to its own page.
	_, err = chromedp.Run(bctx, chromedp.EmulateViewport(1400, 900))
	require.NoError(t, err)
	_, err = chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/?period=2025"))
	require.NoError(t, err)
	_, err = chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`#units th[data-code="381"] a`)))
	require.NoError(t, err)
	u = location()
	assert.Equal(t, "/units/381", u.Path)
	type unitShown struct {
		Name     string   `json:"name"`
		Children []string `json:"children"`
		History  int      `json:"history"`
		Charts   int      `json:"charts"`
	}
	const readUnit = `({name: document.getElementById("unit-name").innerText,
		children: [...document.querySelectorAll("#children li")].map(li => li.dataset.code + " " + li.querySelector("a").innerText),
		history: document.querySelectorAll("#history tbody tr").length,
		charts: document.querySelectorAll(".chart svg[role=img][aria-label]").length})`
	for _, c := range []struct {
		lang  string
		width int64
	}{{"vi", 1400}, {"vi", 390}, {"en", 1400}} {
		what := fmt.Sprintf("unit page lang=%s at %d px", c.lang, c.width)
		_, err := chromedp.Run(bctx, chromedp.EmulateViewport(c.width, 900))
		require.NoError(t, err)
		_, err = chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/units/381?period=2025&lang="+c.lang))
		require.NoError(t, err)
		us, err := chromedp.Run(bctx, chromedp.Evaluate[unitShown](readUnit))
		require.NoError(t, err)
		assert.Contains(t, us.Name, "Huyện Đông Hà", what)
		assert.Equal(t, []string{"14800 Xã Đông Phú", "14803 Xã Đông Thanh", "14806 Thị trấn Rừng Thông"}, us.Children, "%s: the district's communes", what)
		assert.Equal(t, len(ids), us.History, "%s: a row per indicator", what)
		assert.Equal(t, len(ids), us.Charts, "%s: a chart per indicator, each with an accessible name", what)
		noSidewaysScroll(t, bctx, what)
		axeCheck(t, bctx, what)
		if c.lang == "vi" {
			screenshot(t, bctx, fmt.Sprintf("dash-unit-%d.png", c.width), "")
			screenshot(t, bctx, fmt.Sprintf("dash-unit-%d-window.png", c.width), "viewport")
		}
	}
	t.Logf("unit page checked at %s", time.Since(start).Round(time.Millisecond))

	// 6. The open-data indexes, in both languages.
	_, err = chromedp.Run(bctx, chromedp.EmulateViewport(1400, 900))
	require.NoError(t, err)
	for _, path := range []string{"/opendata/?lang=vi", "/opendata/?lang=en", "/opendata/2025/?lang=vi", "/opendata/2025/?lang=en"} {
		resp, err := chromedp.Run(bctx, chromedp.NavigateResponse(srv.URL+path))
		require.NoError(t, err)
		require.EqualValues(t, http.StatusOK, resp.Status, path)
		axeCheck(t, bctx, path)
		noSidewaysScroll(t, bctx, path)
	}
	t.Logf("open-data pages checked at %s", time.Since(start).Round(time.Millisecond))

	// 7. The checker itself: a chart without an accessible name and an unfocusable scrolling
	// region, added to a page, are what axe-core reports, so a silent axe would fail here.
	_, err = chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/?period=2025"))
	require.NoError(t, err)
	_, err = chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](axeSource))
	require.NoError(t, err)
	// The region scrolls for one long word, whose end lies outside it (what axe-core looks for).
	_, err = chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const main = document.querySelector("main");
		main.insertAdjacentHTML("beforeend", '<svg role="img" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>');
		main.insertAdjacentHTML("beforeend", '<div id="wide" class="scroll"><p>' + "x".repeat(3000) + '</p></div>');
	})()`))
	require.NoError(t, err)
	broken, err := chromedp.Run(bctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	var found []string
	for _, v := range broken {
		found = append(found, v.ID)
	}
	assert.Contains(t, found, "svg-img-alt", "axe-core reports a chart without a name: %v", broken)
	assert.Contains(t, found, "scrollable-region-focusable", "axe-core reports an unfocusable scrolling region: %v", broken)
	t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond))
}

// axeCheck injects axe-core into the page shown and fails on any serious or critical violation.
func axeCheck(t *testing.T, bctx context.Context, what string) {
	t.Helper()
	_, err := chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](axeSource))
	require.NoError(t, err, "%s: inject axe-core", what)
	vs, err := chromedp.Run(bctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "%s: run axe-core", what)
	for _, v := range vs {
		t.Errorf("%s: axe-core %s (%s): %s\n\t%s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// noSidewaysScroll fails when the page shown is wider than the window: a region of it may
// scroll sideways, the page itself never.
func noSidewaysScroll(t *testing.T, bctx context.Context, what string) {
	t.Helper()
	w, err := chromedp.Run(bctx, chromedp.Evaluate[pageWidth](measureWidth))
	require.NoError(t, err)
	assert.LessOrEqual(t, w.Scroll, w.Client, "%s: the page scrolls sideways (scrollWidth %d > clientWidth %d)", what, w.Scroll, w.Client)
}

// screenshot saves a PNG of the page shown (the whole page for sel "", the window for "viewport",
// else the first element sel matches), in the folder NTM_SCREENSHOTS names (to look at the
// pages), else in the test's temporary folder.
func screenshot(t *testing.T, bctx context.Context, name, sel string) {
	t.Helper()
	shoot := chromedp.FullScreenshot(100)
	switch sel {
	case "":
	case "viewport":
		shoot = chromedp.CaptureScreenshot()
	default:
		shoot = chromedp.Screenshot(chromedp.CSS(sel))
	}
	png, err := chromedp.Run(bctx, shoot)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "a PNG")
	dir := os.Getenv("NTM_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot (%d bytes): %s", len(png), path)
}

// needChromium skips the test when the browser is missing, except in CI, where that fails it.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not found: install Debian's chromium package to run the browser test (in CI, with CI set, this is a failure)", chromium)
		}
		t.Fatalf("CI is set and %s is missing (%v): .ci/run installs Debian's chromium package", chromium, err)
	}
}

// newBrowser starts headless Chromium with a fresh profile and nothing that talks to the network
// by itself, for at most timeout; it is stopped when the test ends, and its output is logged
// when the test failed.
func newBrowser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	var browserOut lockedBuffer
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&browserOut),
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
		if t.Failed() {
			t.Logf("browser output:\n%s", browserOut.String())
		}
	})
	return bctx
}

// TestBrowserDashboardAfterTheReorganization shows the real province after 2025-07-01 (the
// reference data's units and their reorganization, no other event): 166 communes directly under
// the province are 166 rows of the table, named, which neither at 1,400 px nor at 390 px makes
// the page scroll sideways, and which axe-core finds no serious or critical violation in.
func TestBrowserDashboardAfterTheReorganization(t *testing.T) {
	needChromium(t)
	start := time.Now()
	ref, err := refdata.Events()
	require.NoError(t, err)
	lines := make([][]byte, len(ref))
	for i := range ref {
		lines[i] = events.AppendJSON(nil, &ref[i])
	}
	wh := kit.Warehouse(t, lines)
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	t.Logf("%d reference events ingested in %s", len(lines), time.Since(start).Round(time.Millisecond))
	bctx := newBrowser(t, 3*time.Minute)
	const readUnits = `({rows: document.querySelectorAll("#units tbody tr").length,
		named: [...document.querySelectorAll("#units tbody th[data-code] a")].filter(a => a.innerText.trim() !== a.closest("th").dataset.code).length,
		note: !!document.getElementById("scope-note")})`
	for _, width := range []int64{1400, 390} {
		what := fmt.Sprintf("dashboard of 2025 at %d px", width)
		_, err := chromedp.Run(bctx, chromedp.EmulateViewport(width, 900))
		require.NoError(t, err)
		_, err = chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/?period=2025"))
		require.NoError(t, err, what)
		got, err := chromedp.Run(bctx, chromedp.Evaluate[struct {
			Rows  int  `json:"rows"`
			Named int  `json:"named"`
			Note  bool `json:"note"`
		}](readUnits))
		require.NoError(t, err)
		assert.Equal(t, 166, got.Rows, "%s: a row per commune", what)
		assert.Equal(t, 166, got.Named, "%s: every commune by name", what)
		assert.True(t, got.Note, "%s: the note on the abolition", what)
		noSidewaysScroll(t, bctx, what)
		axeCheck(t, bctx, what)
		screenshot(t, bctx, fmt.Sprintf("dash-166-%d-top.png", width), "#units tbody tr:first-child")
		t.Logf("%s checked at %s", what, time.Since(start).Round(time.Millisecond))
	}
}
