package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/opendata"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/web"
)

// The open-data folders are HTML pages people can read, in both languages: all the periods
// published, and for one period each dataset with its title, description, licence, files with
// sizes, columns and first rows. Everything read from the tree is escaped, an unknown period
// or a path out of the tree is a 404, and other folders are still never listed.
func TestOpenDataIndex(t *testing.T) {
	wh := fixtureWarehouse(t)
	base := t.TempDir()
	od := filepath.Join(base, "opendata")
	p, err := queries.ParsePeriod("2025")
	require.NoError(t, err)
	db, snap, err := session.OpenWith(context.Background(), wh, session.Options{AllowDirs: []string{od}, Unlocked: true})
	require.NoError(t, err)
	_, err = opendata.Publish(context.Background(), db, opendata.Options{Period: p, DataKnownAt: snap.KnownAt(nil), Out: od})
	require.NoError(t, err)
	require.NoError(t, db.Close())

	// A hand-made period whose metadata and data carry markup, which the page must escape.
	hostile := filepath.Join(od, "2024-Q1", "x")
	require.NoError(t, os.MkdirAll(hostile, 0o755))
	write := func(path, s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o644)) }
	write(filepath.Join(od, "2024-Q1", "catalog.json"), `{"period":"2024-Q1","known_at":"<i>t</i>","datasets":[{"name":"x","rows":1},{"name":"../../secret","rows":1}]}`)
	write(filepath.Join(hostile, "datapackage.json"), `{"title":"T","ntm:title_vi":"<script>alert(1)</script>","ntm:title_en":"E",
		"ntm:description_vi":"<img src=x onerror=alert(2)>","licenses":[{"name":"CC-BY-4.0","path":"javascript:alert(3)"}],
		"resources":[{"path":"data.csv","format":"csv","bytes":26},{"path":"../../secret/catalog.json","bytes":1}]}`)
	write(filepath.Join(hostile, "data.csv"), "a,b\r\n<b>bold</b>,\"x\"\"y\"\r\n")
	// A folder beside the tree that a path out of it would reach.
	require.NoError(t, os.MkdirAll(filepath.Join(base, "secret"), 0o755))
	write(filepath.Join(base, "secret", "catalog.json"), `{"period":"secret","datasets":[{"name":"leak"}]}`)

	srv := httptest.NewServer(web.New(web.Config{Warehouse: wh, OpenData: od}).Handler())
	defer srv.Close()

	code, h, body := get(t, srv.URL+"/opendata/")
	require.Equal(t, 200, code, body)
	assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/html"))
	assert.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'")
	assert.Contains(t, body, `<html lang="vi">`)
	assert.Contains(t, body, `Các kỳ đã công bố`)
	assert.Contains(t, body, `<a href="/opendata/2025/?lang=vi">2025</a> — 10 bộ dữ liệu`)
	assert.Contains(t, body, `<a href="/opendata/2024-Q1/?lang=vi">2024-Q1</a>`)
	assert.Less(t, strings.Index(body, "/opendata/2025/"), strings.Index(body, "/opendata/2024-Q1/"), "newest first")
	assert.NotContains(t, body, "secret")
	assert.Contains(t, body, `<link rel="icon" href="/static/favicon.svg"`)
	_, _, body = get(t, srv.URL+"/opendata/?lang=en")
	assert.Contains(t, body, `<html lang="en">`)
	assert.Contains(t, body, `Periods published`)

	code, _, vi := get(t, srv.URL+"/opendata/2025/")
	require.Equal(t, 200, code, vi)
	code, _, en := get(t, srv.URL+"/opendata/2025/?lang=en")
	require.Equal(t, 200, code, en)
	for _, c := range []struct {
		body string
		want []string
	}{
		{vi, []string{`<html lang="vi">`, `<h2>Kỳ 2025</h2>`, `<h3>Kinh phí theo năm, nguồn vốn, nhiệm vụ và huyện</h3>`,
			`Giấy phép: <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>`,
			`<a href="/opendata/2025/funding/data.csv">data.csv</a>`, `<a href="/opendata/2025/funding/data-excel.csv">data-excel.csv</a>`,
			`<a href="/opendata/2025/funding/data.parquet">data.parquet</a>`, `<a href="/opendata/2025/tourism_sites/data.geojson">data.geojson</a>`,
			`<a href="/opendata/2025/funding/datapackage.json">datapackage.json</a>`,
			`Bản CSV cho Excel (UTF-8 có BOM)`, `Nguồn vốn`, `xã hội hóa`, `Xem trước (dòng đầu)`, ` dòng</p>`}},
		{en, []string{`<html lang="en">`, `<h2>Period 2025</h2>`, `<h3>Funding by year, source, task and district</h3>`,
			`Licence: <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>`,
			`CSV for Excel (UTF-8 with a byte order mark)`, `private and community contributions`, `Preview (first rows)`}},
	} {
		for _, w := range c.want {
			assert.Contains(t, c.body, w)
		}
		assert.Equal(t, 10, strings.Count(c.body, `<section class="dataset"`), "every dataset of the catalog")
		assert.NotContains(t, strings.ToLower(c.body), "<script")
	}

	// Every file is listed with its size, as published; the preview shows the first rows of
	// data.csv, at most five.
	for _, name := range []string{"indicators", "funding", "tourism_sites"} {
		for _, f := range []string{"data.csv", "data-excel.csv", "data.parquet"} {
			st, err := os.Stat(filepath.Join(od, "2025", name, f))
			require.NoError(t, err)
			assert.Regexp(t, `<a href="/opendata/2025/`+name+`/`+f+`">`+f+`</a> <span class="size" title="`+
				strconv.FormatInt(st.Size(), 10)+` B">[0-9]+(,[0-9])? (B|kB|MB)</span>`, vi)
		}
	}
	csvBytes, err := os.ReadFile(filepath.Join(od, "2025", "indicators", "data.csv"))
	require.NoError(t, err)
	lines := strings.Split(string(csvBytes), "\r\n")
	first := strings.Split(lines[1], ",")
	assert.Contains(t, vi, "<tr><td>"+strings.Join(first, "</td><td>")+"</td></tr>", "the first row of the indicators")
	section := vi[strings.Index(vi, `id="indicators"`):]
	section = section[:strings.Index(section, "</section>")]
	tbody := section[strings.Index(section, `<table class="preview">`):]
	assert.Equal(t, 5+1, strings.Count(tbody, "<tr>"), "a header and five rows")

	// Everything from the tree is escaped; a javascript: licence link is neutralised; names of
	// datasets or files out of the tree are not followed.
	code, _, body = get(t, srv.URL+"/opendata/2024-Q1/")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, body, "&lt;img src=x onerror=alert(2)&gt;")
	assert.Contains(t, body, "&lt;b&gt;bold&lt;/b&gt;")
	assert.Contains(t, body, "x&#34;y")
	assert.Contains(t, body, "&lt;i&gt;t&lt;/i&gt;")
	assert.NotContains(t, body, "javascript:")
	assert.NotContains(t, strings.ToLower(body), "<script")
	assert.NotContains(t, body, "<img")
	assert.NotContains(t, body, "secret")
	assert.NotContains(t, body, "leak")
	assert.Contains(t, body, `<span class="size" title="26 B">26 B</span>`)

	for _, path := range []string{"/opendata/2023/", "/opendata/nope/", "/opendata/2025-13/", "/opendata/..%2Fsecret/",
		"/opendata/%2e%2e/secret/", "/opendata/2025/indicators/", "/opendata/2025/../../secret/catalog.json",
		"/opendata/..%2Fsecret/catalog.json"} {
		code, _, body := get(t, srv.URL+path)
		assert.Equal(t, 404, code, path)
		assert.NotContains(t, body, "leak", path)
	}
	// A period typed without its final slash is sent to its index; the dashboard links to the
	// index of all periods.
	code, _, body = get(t, srv.URL+"/opendata/2025?lang=en")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `<h2>Period 2025</h2>`)
	code, _, _ = get(t, srv.URL+"/opendata/2023")
	assert.Equal(t, 404, code)
	_, _, body = get(t, srv.URL+"/?period=2025&lang=en")
	assert.Contains(t, body, `<a href="/opendata/?lang=en">Open data</a>`)
	code, _, body = get(t, srv.URL+"/opendata/2025/catalog.json")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"period": "2025"`)
}

// The favicon is served, at the address browsers ask for and at the one the pages name.
func TestFavicon(t *testing.T) {
	srv := httptest.NewServer(web.New(web.Config{Warehouse: fixtureWarehouse(t)}).Handler())
	defer srv.Close()
	for _, path := range []string{"/favicon.ico", "/static/favicon.svg"} {
		code, h, body := get(t, srv.URL+path)
		require.Equal(t, 200, code, path)
		assert.Equal(t, "image/svg+xml", h.Get("Content-Type"), path)
		assert.Contains(t, body, "<svg", path)
	}
	_, _, body := get(t, srv.URL+"/?period=2025")
	assert.Contains(t, body, `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`)
}
