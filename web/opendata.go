package web

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// previewRows is how many rows of data.csv the index of a period shows per dataset.
const previewRows = 5

// previewBytes bounds what the preview reads of a data.csv, so that a page never reads a whole
// large file to show five rows.
const previewBytes = 1 << 20

// safeName is a dataset folder or a file name of the published tree: one path element, never
// "." or "..", so that a name read from a catalog cannot point outside the tree.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// odText holds the open-data pages' words in both languages.
var odText = map[string]map[string]string{
	"vi": {"title": "Dữ liệu mở — chuyển đổi số trong xây dựng nông thôn mới, tỉnh Thanh Hóa", "switch": "English",
		"periods": "Các kỳ đã công bố", "none": "Chưa có kỳ nào được công bố.", "datasets": "bộ dữ liệu",
		"asof": "Dữ liệu đến", "period": "Kỳ", "licence": "Giấy phép", "files": "Tệp", "rows": "dòng",
		"preview": "Xem trước", "first": "dòng đầu", "columns": "Các cột", "column": "Cột", "meaning": "Ý nghĩa",
		"metadata": "mô tả Frictionless", "catalog": "Danh mục (JSON)", "all": "Tất cả các kỳ", "dashboard": "Bảng điều khiển",
		"empty": "Bộ dữ liệu không có dòng nào trong kỳ này.",
		"excel": "Mở bằng Excel trên Windows: dùng data-excel.csv (UTF-8 có BOM) để hiển thị đúng tiếng Việt; data.csv dành cho các chương trình khác.",
		"intro": "Các bộ dữ liệu mở của kho dữ liệu NTM Thanh Hóa, mỗi bộ ở dạng CSV, Parquet (và GeoJSON cho bản đồ), kèm mô tả Frictionless Data Package. Không có dữ liệu cá nhân."},
	"en": {"title": "Open data — digital transformation in new rural development, Thanh Hóa province", "switch": "Tiếng Việt",
		"periods": "Periods published", "none": "No period has been published yet.", "datasets": "datasets",
		"asof": "Data as of", "period": "Period", "licence": "Licence", "files": "Files", "rows": "rows",
		"preview": "Preview", "first": "first rows", "columns": "Columns", "column": "Column", "meaning": "Meaning",
		"metadata": "Frictionless descriptor", "catalog": "Catalogue (JSON)", "all": "All periods", "dashboard": "Dashboard",
		"empty": "The dataset has no rows in this period.",
		"excel": "Opening in Excel on Windows: use data-excel.csv (UTF-8 with a byte order mark) for correct Vietnamese letters; data.csv is for other programs.",
		"intro": "The open datasets of the Thanh Hóa NTM data warehouse, each as CSV, Parquet (and GeoJSON for the maps), with a Frictionless Data Package descriptor. No person-level data."},
}

// odCatalog is what the index reads of OUT/<period>/catalog.json.
type odCatalog struct {
	Period   string `json:"period"`
	KnownAt  string `json:"known_at"`
	Datasets []struct {
		Name string `json:"name"`
		Rows int    `json:"rows"`
	} `json:"datasets"`
}

// odPackage is what the index reads of a dataset's datapackage.json.
type odPackage struct {
	Title         string `json:"title"`
	Description   string `json:"description"`
	TitleVI       string `json:"ntm:title_vi"`
	TitleEN       string `json:"ntm:title_en"`
	DescriptionVI string `json:"ntm:description_vi"`
	DescriptionEN string `json:"ntm:description_en"`
	NoteVI        string `json:"ntm:note_vi"`
	NoteEN        string `json:"ntm:note_en"`
	Licenses      []struct {
		Name  string `json:"name"`
		Path  string `json:"path"`
		Title string `json:"title"`
	} `json:"licenses"`
	Resources []struct {
		Path   string `json:"path"`
		Title  string `json:"title"`
		Format string `json:"format"`
		Bytes  int64  `json:"bytes"`
		Schema *struct {
			Fields []struct {
				Name          string `json:"name"`
				Title         string `json:"title"`
				DescriptionVI string `json:"ntm:description_vi"`
				DescriptionEN string `json:"ntm:description_en"`
			} `json:"fields"`
		} `json:"schema"`
	} `json:"resources"`
}

type odPeriodLink struct {
	Label, KnownAt string
	Datasets       int
}

type odFile struct {
	Name, URL, Format, Size, Title string
	Bytes                          int64
}

type odColumn struct{ Name, Title, Meaning string }

type odDataset struct {
	Name, Title, Description, Note string
	LicenceName, LicenceTitle      string
	LicenceURL                     string
	Rows                           int
	MetadataURL                    string
	Files                          []odFile
	Columns                        []odColumn
	Preview                        [][]string
}

type odView struct {
	Lang      string
	T         map[string]string
	SwitchURL string
	Period    string // "" on the page of all periods
	KnownAt   string
	Periods   []odPeriodLink
	Datasets  []odDataset
}

var odPage = template.Must(template.New("opendata").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.title}}{{if .Period}} — {{.Period}}{{end}}</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/static/style.css"></head>
<body>
<header>
<h1>{{.T.title}}</h1>
<a href="/?lang={{.Lang}}">{{.T.dashboard}}</a>
<a id="lang-switch" href="{{.SwitchURL}}">{{.T.switch}}</a>
</header>
<main class="opendata">
{{if .Period}}<p><a href="/opendata/?lang={{.Lang}}">{{.T.all}}</a> · <a href="/opendata/{{.Period}}/catalog.json">{{.T.catalog}}</a></p>
<h2>{{.T.period}} {{.Period}}</h2>
<p>{{.T.asof}} {{.KnownAt}}. {{.T.excel}}</p>
{{range .Datasets}}<section class="dataset" id="{{.Name}}">
<h3>{{.Title}}</h3>
<p class="name"><code>{{.Name}}</code> · {{.Rows}} {{$.T.rows}}</p>
<p>{{.Description}}</p>
{{if .Note}}<p class="note">{{.Note}}</p>
{{end}}<p>{{$.T.licence}}: {{if .LicenceURL}}<a rel="license" href="{{.LicenceURL}}">{{.LicenceName}}</a>{{else}}{{.LicenceName}}{{end}}{{if .LicenceTitle}} ({{.LicenceTitle}}){{end}}</p>
<p>{{$.T.files}}:</p>
<ul class="files">{{range .Files}}<li><a href="{{.URL}}">{{.Name}}</a> <span class="size" title="{{.Bytes}} B">{{.Size}}</span>{{if .Title}} — {{.Title}}{{end}}</li>
{{end}}<li><a href="{{.MetadataURL}}">datapackage.json</a> ({{$.T.metadata}})</li></ul>
{{if .Columns}}<details><summary>{{$.T.columns}}</summary>
<div class="scroll" tabindex="0" role="region" aria-label="{{$.T.columns}}: {{.Name}}"><table class="columns"><thead><tr><th>{{$.T.column}}</th><th>{{$.T.meaning}}</th></tr></thead>
<tbody>{{range .Columns}}<tr><td><code>{{.Name}}</code>{{if .Title}}<br><small>{{.Title}}</small>{{end}}</td><td>{{.Meaning}}</td></tr>
{{end}}</tbody></table></div></details>
{{end}}{{if .Preview}}<p>{{$.T.preview}} ({{$.T.first}}):</p>
<div class="scroll" tabindex="0" role="region" aria-label="{{$.T.preview}}: {{.Name}}"><table class="preview">
<thead><tr>{{range .Columns}}<th title="{{.Meaning}}">{{.Name}}{{if .Title}}<br><small>{{.Title}}</small>{{end}}</th>{{end}}</tr></thead>
<tbody>{{range .Preview}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
{{else}}<p>{{$.T.empty}}</p>
{{end}}</section>
{{end}}{{else}}<p>{{.T.intro}}</p>
<h2>{{.T.periods}}</h2>
{{if .Periods}}<ul class="periods">{{range .Periods}}<li><a href="/opendata/{{.Label}}/?lang={{$.Lang}}">{{.Label}}</a> — {{.Datasets}} {{$.T.datasets}}{{if .KnownAt}}, {{$.T.asof}} {{.KnownAt}}{{end}}</li>
{{end}}</ul>
{{else}}<p>{{.T.none}}</p>
{{end}}{{end}}</main>
</body></html>
`))

// odLang is the page's language and the address of the same page in the other language.
func odLang(r *http.Request) (string, string) {
	lang := r.URL.Query().Get("lang")
	if lang != "en" {
		lang = "vi"
	}
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	return lang, r.URL.Path + "?" + url.Values{"lang": {other}}.Encode()
}

// publishedPeriod is the folder of a published period, or false when label is not a period
// label exactly as ntm publish writes it or the period has no catalog: only a label that
// queries.ParsePeriod gives back unchanged names a folder, so no request reaches outside the
// tree.
func (s *Server) publishedPeriod(label string) (string, odCatalog, bool) {
	var cat odCatalog
	p, err := queries.ParsePeriod(label)
	if err != nil || p.Label != label || !safeName.MatchString(label) {
		return "", cat, false
	}
	dir := filepath.Join(s.cfg.OpenData, label)
	b, err := os.ReadFile(filepath.Join(dir, "catalog.json"))
	if err != nil || json.Unmarshal(b, &cat) != nil {
		return "", cat, false
	}
	return dir, cat, true
}

// periodRedirect sends /opendata/<period>, typed without its final slash, to the period's
// index; any other name at the top of the tree is a file for next.
func (s *Server) periodRedirect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		label := r.PathValue("period")
		if _, _, ok := s.publishedPeriod(label); ok {
			target := "/opendata/" + label + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) renderOpenData(w http.ResponseWriter, v odView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := odPage.Execute(w, v); err != nil {
		s.cfg.Log.Error("open-data template", "err", err)
	}
}

// openDataRoot lists the periods published, newest label first.
func (s *Server) openDataRoot(w http.ResponseWriter, r *http.Request) {
	lang, sw := odLang(r)
	v := odView{Lang: lang, T: odText[lang], SwitchURL: sw}
	entries, err := os.ReadDir(s.cfg.OpenData)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		s.cfg.Log.Error("open data", "err", err)
		http.Error(w, "the open data cannot be read; see the server log (không đọc được dữ liệu mở)", http.StatusInternalServerError)
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, cat, ok := s.publishedPeriod(e.Name()); ok {
			v.Periods = append(v.Periods, odPeriodLink{Label: e.Name(), KnownAt: cat.KnownAt, Datasets: len(cat.Datasets)})
		}
	}
	sort.Slice(v.Periods, func(i, j int) bool { return v.Periods[i].Label > v.Periods[j].Label })
	s.renderOpenData(w, v)
}

// openDataPeriod shows every dataset of a published period: what it is, its licence, its files
// with their sizes, its columns and its first rows.
func (s *Server) openDataPeriod(w http.ResponseWriter, r *http.Request) {
	label := r.PathValue("period")
	dir, cat, ok := s.publishedPeriod(label)
	if !ok {
		http.Error(w, "no open data is published for this period (kỳ này chưa có dữ liệu mở)", http.StatusNotFound)
		return
	}
	lang, sw := odLang(r)
	v := odView{Lang: lang, T: odText[lang], SwitchURL: sw, Period: label, KnownAt: cat.KnownAt}
	for _, d := range cat.Datasets {
		if !safeName.MatchString(d.Name) {
			continue
		}
		ds, err := readDataset(dir, label, d.Name, lang)
		if err != nil {
			s.cfg.Log.Warn("open-data index", "period", label, "dataset", d.Name, "err", err)
			continue
		}
		ds.Rows = d.Rows
		v.Datasets = append(v.Datasets, ds)
	}
	s.renderOpenData(w, v)
}

// readDataset reads what the index shows of one dataset from its datapackage.json and the
// first rows of its data.csv.
func readDataset(dir, period, name, lang string) (odDataset, error) {
	ds := odDataset{Name: name, MetadataURL: "/opendata/" + period + "/" + name + "/datapackage.json"}
	b, err := os.ReadFile(filepath.Join(dir, name, "datapackage.json"))
	if err != nil {
		return ds, err
	}
	var p odPackage
	if err := json.Unmarshal(b, &p); err != nil {
		return ds, fmt.Errorf("datapackage.json: %w", err)
	}
	ds.Title, ds.Description = p.TitleVI, p.DescriptionVI
	if lang == "en" {
		ds.Title, ds.Description = p.TitleEN, p.DescriptionEN
	}
	// A package written before the per-language fields has them empty: its bilingual title
	// and description are shown whole.
	if ds.Title == "" {
		ds.Title = p.Title
	}
	if ds.Description == "" {
		ds.Description = p.Description
	}
	ds.Note = p.NoteVI
	if lang == "en" {
		ds.Note = p.NoteEN
	}
	if len(p.Licenses) > 0 {
		ds.LicenceName, ds.LicenceTitle, ds.LicenceURL = p.Licenses[0].Name, p.Licenses[0].Title, p.Licenses[0].Path
	}
	hasCSV := false
	for _, res := range p.Resources {
		if !safeName.MatchString(res.Path) {
			continue
		}
		title := res.Title
		if vi, en, ok := strings.Cut(title, " / "); ok {
			title = vi
			if lang == "en" {
				title = en
			}
		}
		ds.Files = append(ds.Files, odFile{Name: res.Path, URL: "/opendata/" + period + "/" + name + "/" + res.Path,
			Format: res.Format, Bytes: res.Bytes, Size: humanSize(res.Bytes, lang), Title: title})
		if res.Path == "data.csv" {
			hasCSV = true
			if res.Schema != nil {
				for _, f := range res.Schema.Fields {
					c := odColumn{Name: f.Name, Title: f.Title, Meaning: f.DescriptionVI}
					if lang == "en" {
						c.Title, c.Meaning = "", f.DescriptionEN
					}
					ds.Columns = append(ds.Columns, c)
				}
			}
		}
	}
	if hasCSV {
		rows, err := preview(filepath.Join(dir, name, "data.csv"))
		if err != nil {
			return ds, err
		}
		ds.Preview = rows
		// A package without a schema still gets a header: the CSV's own.
		if ds.Columns == nil && len(rows) > 0 {
			for _, h := range rows[0] {
				ds.Columns = append(ds.Columns, odColumn{Name: h})
			}
		}
		if len(ds.Preview) > 0 {
			ds.Preview = ds.Preview[1:]
		}
	}
	return ds, nil
}

// preview reads the header and the first previewRows rows of a CSV file.
func preview(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(io.LimitReader(f, previewBytes))
	cr.FieldsPerRecord = -1
	var out [][]string
	for len(out) <= previewRows {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("preview %s: %w", filepath.Base(path), err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// humanSize writes a byte count as people read it, in decimal units (kB = 1000 bytes), with a
// decimal comma in Vietnamese.
func humanSize(n int64, lang string) string {
	var s string
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		s = fmt.Sprintf("%.1f kB", float64(n)/1000)
	default:
		s = fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
	}
	if lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
