package web_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
)

func fixtureWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	return kit.Warehouse(t, kit.Fixture(t, "units.ndjson", "gov.ndjson", "eco_soc.ndjson", "inf_fin.ndjson"))
}

// tokenAuth is the test's authenticator: the bearer token is the role.
type tokenAuth struct{}

func (tokenAuth) Role(r *http.Request) (string, int, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", http.StatusUnauthorized, errors.New("missing bearer token")
	}
	role, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", http.StatusUnauthorized, errors.New("malformed authorization header")
	}
	return role, 0, nil
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, string(b)
}

func TestRoutes(t *testing.T) {
	wh := fixtureWarehouse(t)
	reports := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(reports, "feed.json"), []byte(`{"revisions":[{"revision":2},{"revision":1}]}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(reports, "r.csv"), []byte("A,B\n"), 0o644))
	od := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(od, "2025", "indicators"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(od, "2025", "indicators", "data.csv"), []byte("x\n1\n"), 0o644))
	s := web.New(web.Config{Warehouse: wh, Reports: reports, OpenData: od,
		SQL: web.SQLHandler(web.SQLConfig{Warehouse: wh, Auth: tokenAuth{}, MaxRows: 5})})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	code, h, body := get(t, srv.URL+"/?period=2025")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `<html lang="vi">`)
	assert.NotContains(t, body, "<script")
	assert.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'")
	assert.NotContains(t, h.Get("Content-Security-Policy"), "unsafe-inline")
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
	code, _, body = get(t, srv.URL+"/?period=2025&lang=en")
	require.Equal(t, 200, code)
	assert.Contains(t, body, "Province — 2025")

	code, _, body = get(t, srv.URL+"/api/v1/indicators?period=2025-Q1")
	require.Equal(t, 200, code)
	var api struct {
		Period     string           `json:"period"`
		Indicators []map[string]any `json:"indicators"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &api))
	assert.Equal(t, "2025-Q1", api.Period)
	assert.Len(t, api.Indicators, 80, "20 indicators for the province and 3 districts")
	code, _, _ = get(t, srv.URL+"/api/v1/indicators?period=2025-Q5")
	assert.Equal(t, 400, code)

	// A satisfaction cell over fewer than 10 responses is suppressed in the API and on the
	// dashboard, as in the open data: the fixture has districts with a few responses in 2025.
	code, _, body = get(t, srv.URL+"/api/v1/indicators?period=2025")
	require.Equal(t, 200, code)
	require.NoError(t, json.Unmarshal([]byte(body), &api))
	small := 0
	for _, x := range api.Indicators {
		if x["indicator_id"] != "soc.satisfaction_rate" {
			continue
		}
		if x["suppressed"] == true {
			small++
			assert.Nil(t, x["value"])
			assert.Nil(t, x["numerator"])
			assert.Nil(t, x["denominator"])
			assert.Nil(t, x["met"])
		} else if d, _ := x["denominator"].(float64); d != 0 {
			assert.GreaterOrEqual(t, d, float64(10), "%v", x)
		}
	}
	assert.Positive(t, small, "the fixture has small satisfaction cells in 2025")
	_, _, body = get(t, srv.URL+"/?period=2025&lang=en")
	assert.Contains(t, body, "fewer than 10 responses: not published")

	code, _, body = get(t, srv.URL+"/healthz")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"status": "ok"`)
	code, _, body = get(t, srv.URL+"/metrics")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "ntm_http_requests_total")
	assert.Contains(t, body, `ntm_table_rows{table="events_log"}`)
	assert.Contains(t, body, "ntm_ingest_lag_seconds")

	code, _, body = get(t, srv.URL+"/feeds/ministry")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"revision":2`)
	code, _, body = get(t, srv.URL+"/feeds/ministry/r.csv")
	assert.Equal(t, 200, code)
	assert.Equal(t, "A,B\n", body)
	code, _, _ = get(t, srv.URL+"/feeds/ministry/..%2Ffeed.json")
	assert.Equal(t, 404, code)
	code, _, body = get(t, srv.URL+"/opendata/2025/indicators/data.csv")
	assert.Equal(t, 200, code)
	assert.Equal(t, "x\n1\n", body)
	// A period folder is an HTML index only once the period is published (it has a
	// catalog.json, TestOpenDataIndex); other folders are never listed.
	code, _, _ = get(t, srv.URL+"/opendata/2025/")
	assert.Equal(t, 404, code, "no catalog.json: not a published period")
	code, _, _ = get(t, srv.URL+"/opendata/2025/indicators/")
	assert.Equal(t, 404, code, "no directory listings")

	post := func(token, q string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/sql", strings.NewReader(q))
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	code, out := post("Bearer analyst", `{"query": "SELECT event_type, count(*) AS n FROM events_log GROUP BY 1 ORDER BY 1"}`)
	require.Equal(t, 200, code, out)
	assert.Equal(t, true, out["truncated"], "over the row limit of 5")
	assert.Len(t, out["rows"], 5)
	for _, q := range []string{
		`{"query": "COPY (SELECT 1) TO '/tmp/x.csv'"}`,
		`{"query": "ATTACH '/tmp/x.db'"}`,
		`{"query": "SET enable_external_access = true"}`,
		`{"query": "SELECT 1; SELECT 2"}`,
		`{"query": "SELECT * FROM read_csv('/etc/passwd')"}`,
		`{"query": "CREATE TABLE x AS SELECT 1"}`,
	} {
		code, out = post("Bearer analyst", q)
		assert.Equal(t, 400, code, "%s: %v", q, out)
	}
	code, _ = post("", `{"query": "SELECT 1"}`)
	assert.Equal(t, 401, code)
	code, _ = post("Token x", `{"query": "SELECT 1"}`)
	assert.Equal(t, 401, code)
	code, _ = post("Bearer reporter", `{"query": "SELECT 1"}`)
	assert.Equal(t, 403, code)
	code, _ = post("Bearer analyst", `not json`)
	assert.Equal(t, 400, code)
}

// Sums of VND past 2^63 reach the API as JSON numbers of every digit and the dashboard's cell
// titles as the same digits.
func TestIndicatorsPast2to63(t *testing.T) {
	wh := kit.Warehouse(t, append(kit.Fixture(t, "units.ndjson"), kit.FundingPast2to63()...))
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh}).Handler())
	defer srv.Close()
	num, den := kit.DisbursedPast2to63, kit.AllocatedPast2to63

	code, _, body := get(t, srv.URL+"/api/v1/indicators?period=2025")
	require.Equal(t, 200, code, body)
	var api struct {
		Indicators []map[string]any `json:"indicators"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&api))
	found := 0
	for _, x := range api.Indicators {
		if x["indicator_id"] == "fin.disbursement_rate" && (x["scope_code"] == "38" || x["scope_code"] == "381") {
			found++
			assert.Equal(t, json.Number(num), x["numerator"], "%v", x)
			assert.Equal(t, json.Number(den), x["denominator"], "%v", x)
			assert.Equal(t, kit.RatePast2to63, x["value"], "%v", x)
		}
	}
	assert.Equal(t, 2, found, "the province and district 381")

	code, _, body = get(t, srv.URL+"/?period=2025")
	require.Equal(t, 200, code)
	assert.Contains(t, body, ": "+num+" / "+den+`"`)
}

// After the district level is dissolved, the dashboard's table is by commune, with names, and
// says why; before, it is by district; the API carries the same note.
func TestDashboardFollowsTheReorganization(t *testing.T) {
	wh := kit.Warehouse(t, kit.Fixture(t, "units.ndjson", "reorganization.ndjson"))
	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh}).Handler())
	defer srv.Close()

	code, _, body := get(t, srv.URL+"/?period=2025")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `<h2 id="units-heading">Theo xã, phường</h2>`)
	assert.Contains(t, body, `<p class="note" id="scope-note">Cấp huyện không còn từ 2025-07-01`)
	assert.Contains(t, body, `<th scope="row" data-code="16003" title="mã 16003"><a href="/units/16003?lang=vi&amp;period=2025">Xã Mường Trung</a> <small>16003</small></th>`)
	assert.NotContains(t, body, `data-code="381"`, "no district row after the abolition")

	code, _, body = get(t, srv.URL+"/?period=2025&lang=en")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `<h2 id="units-heading">By commune</h2>`)
	assert.Contains(t, body, "The district level was abolished on 2025-07-01")

	code, _, body = get(t, srv.URL+"/?period=2025-Q2")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `<h2 id="units-heading">Theo huyện</h2>`)
	assert.NotContains(t, body, `id="scope-note"`)
	assert.Contains(t, body, `<th scope="row" data-code="381" title="mã 381"><a href="/units/381?lang=vi&amp;period=2025-Q2">Huyện Đông Hà</a> <small>381</small></th>`)

	// The page of a unit: a district with its communes before the abolition; the same district
	// after it, dissolved, still answered (with a note and no communes); a commune directly
	// under the province after it, with its villages and its indicators by year; a commune inside
	// a district before it, whose figures count within the district; and an unknown code.
	for _, c := range []struct {
		path     string
		status   int
		contains []string
		lacks    []string
	}{
		{"/units/381?period=2025-Q2", 200, []string{`<html lang="vi">`, `data-code="381">Huyện Đông Hà`, `<li data-code="14800"><a href="/units/14800?lang=vi&amp;period=2025-Q2">Xã Đông Phú</a>`,
			`data-code="14803"`, `data-code="14806"`, `<table id="history"`, `role="img" aria-label="`, `(ngày 2025-06-30)`}, []string{`id="inactive-note"`}},
		{"/units/381?period=2025&lang=en", 200, []string{`<html lang="en">`, `id="inactive-note">This unit is not active`, "No unit below this one."}, []string{`<li data-code=`}},
		{"/units/16003?period=2025", 200, []string{"Xã Mường Trung", `<table id="history"`, `<li data-code="14850-001">`, `href="/units/38?lang=vi&amp;period=2025"`}, []string{`id="within-note"`}},
		{"/units/14800?period=2024&lang=en", 200, []string{`id="within-note">The indicators are computed for the province`, `<a href="/units/381?lang=en&amp;period=2024">Huyện Đông Hà</a>`}, []string{`<table id="history"`}},
		{"/units/99999?period=2025", 404, []string{`<p lang="vi">Không có đơn vị hành chính nào có mã <code>99999</code>.</p>`, `<p lang="en">No administrative unit has the code <code>99999</code>.</p>`}, nil},
		{"/units/%3Cb%3E?lang=en", 404, []string{`<html lang="en">`, "<code>&lt;b&gt;</code>"}, []string{"<b>"}},
		{"/units/381?period=2031", 400, nil, nil},
	} {
		code, h, body := get(t, srv.URL+c.path)
		require.Equal(t, c.status, code, "%s: %s", c.path, body)
		if c.status != 400 {
			assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/html"), c.path)
		}
		for _, s := range c.contains {
			assert.Contains(t, body, s, c.path)
		}
		for _, s := range c.lacks {
			assert.NotContains(t, body, s, c.path)
		}
	}

	var api struct {
		Note       string `json:"note"`
		Indicators []struct {
			ScopeLevel string `json:"scope_level"`
		} `json:"indicators"`
	}
	_, _, body = get(t, srv.URL+"/api/v1/indicators?period=2025")
	require.NoError(t, json.Unmarshal([]byte(body), &api))
	assert.Contains(t, api.Note, "abolished on 2025-07-01")
	levels := map[string]int{}
	for _, x := range api.Indicators {
		levels[x.ScopeLevel]++
	}
	assert.Equal(t, map[string]int{"province": 20, "commune": 100}, levels, "20 indicators for the province and 5 communes")
}
