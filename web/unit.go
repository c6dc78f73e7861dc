package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
)

// unitCode is the shape of a unit code in a path: GSO codes, and <commune>-<ddd> for villages. A
// path that does not have it is answered 404 without a query.
var unitCode = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{0,31}$`)

// unitView is the page of one unit.
type unitView struct {
	Head         headView
	T            map[string]string
	Period       string
	Unit         queries.Unit
	Parent       *unitLink // the unit above it at the period's end, nil for the province
	Top          *unitLink // where its figures count, when it is not a scope itself
	Years        []string  // the columns of the history
	History      []histRow // one row per indicator, when the unit is a scope in some year
	Charts       []chartView
	Children     []unitLink
	End          string // the period's last day, the date of Children
	DashboardURL string
}

// unitLink is a unit named and linked to its page.
type unitLink struct{ Code, Name, Kind, Href string }

// histRow is an indicator's values for the unit, one cell per year.
type histRow struct {
	Label string
	Cells []cellView
}

var unitPage = template.Must(template.New("unit").Parse(head + cell + `{{template "head" .Head}}
<main class="unit">
<nav aria-label="{{.T.breadcrumb}}"><a href="{{.DashboardURL}}">{{.T.dashboard}}</a>{{if .Parent}} › <a href="{{.Parent.Href}}">{{.Parent.Name}}</a>{{end}}</nav>
<h2 id="unit-name" data-code="{{.Unit.Code}}">{{.Unit.Name}} <small>{{.T.code}} {{.Unit.Code}}</small></h2>
<p class="kind">{{.Unit.Kind}}{{if .Parent}} · {{.T.parent}}: <a href="{{.Parent.Href}}">{{.Parent.Name}}</a>{{end}}</p>
{{if not .Unit.Active}}<p class="note" id="inactive-note">{{.T.inactive}} {{.Period}} ({{.T.status}}: {{.Unit.Status}}).</p>
{{end}}<h3 id="history-heading">{{.T.history}}</h3>
{{if .History}}<div class="scroll" tabindex="0" role="region" aria-label="{{.T.history_label}}">
<table id="history" class="history">
<thead><tr><th scope="col">{{.T.indicator}}</th>{{range .Years}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .History}}<tr><th scope="row">{{.Label}}</th>{{range .Cells}}{{template "cell" .}}{{end}}</tr>
{{end}}</tbody></table></div>
{{else}}<p class="note" id="within-note">{{.T.below}}{{if .Top}} <a href="{{.Top.Href}}">{{.Top.Name}}</a>{{end}}.</p>
{{end}}<h3 id="children-heading">{{.T.children}} ({{.T.children_at}} {{.End}})</h3>
{{if .Children}}<ul id="children" class="children">{{range .Children}}<li data-code="{{.Code}}"><a href="{{.Href}}">{{if .Name}}{{.Name}}{{else}}{{.Code}}{{end}}</a> <small>{{.Kind}} · {{$.T.code}} {{.Code}}</small></li>
{{end}}</ul>
{{else}}<p>{{.T.nochildren}}</p>
{{end}}{{if .Charts}}<h3>{{.T.charts}}</h3>
<div class="charts">{{range .Charts}}<figure class="chart">{{.SVG}}<figcaption>{{.Title}}</figcaption></figure>{{end}}</div>
{{end}}</main>
</body></html>
`))

// notFoundPage answers a unit code the warehouse never registered, in both languages whatever
// the page's language, since whoever typed the address may read either.
var notFoundPage = template.Must(template.New("notfound").Parse(head + `{{template "head" .Head}}
<main>
<h2>404</h2>
<p lang="vi">Không có đơn vị hành chính nào có mã <code>{{.Code}}</code>.</p>
<p lang="en">No administrative unit has the code <code>{{.Code}}</code>.</p>
<p><a href="{{.DashboardURL}}">{{.T.dashboard}}</a></p>
</main>
</body></html>
`))

// unitHref is the address of a unit's page in a language and period.
func unitHref(code, lang, period string) string {
	return "/units/" + url.PathEscape(code) + "?" + url.Values{"lang": {lang}, "period": {period}}.Encode()
}

// unit serves GET /units/{code}: the unit's indicators in every year (where it is a scope of the
// indicators: the province, and the units directly below it), and the units below it at the
// period's end, each linked to its own page.
func (s *Server) unit(w http.ResponseWriter, r *http.Request) {
	lang, other, li := pageLang(r)
	t := text[lang]
	p, err := requestPeriod(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	code := r.PathValue("code")
	hv := headView{Lang: lang, Other: other, Title: t["title"], Action: "/units/" + url.PathEscape(code), Period: p.Label,
		SwitchURL: unitHref(code, other, p.Label), T: t, Periods: periods()}
	dash := "/?" + url.Values{"lang": {lang}, "period": {p.Label}}.Encode()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	notFound := func() {
		w.WriteHeader(http.StatusNotFound)
		hv.Title = "404 — " + t["notfound"] + " / " + t["notfound_en"]
		if err := notFoundPage.Execute(w, map[string]any{"Head": hv, "T": t, "Code": code, "DashboardURL": dash}); err != nil {
			s.cfg.Log.Error("unit template", "err", err)
		}
	}
	if !unitCode.MatchString(code) {
		notFound()
		return
	}
	fail := func(err error) {
		s.cfg.Log.Error("unit page", "code", code, "err", err)
		http.Error(w, "the unit could not be read; see the server log", http.StatusInternalServerError)
	}
	ua, at, err := s.unitAt(r.Context(), code, p)
	if err != nil {
		fail(err)
		return
	}
	s.setSnapshotHeaders(w, at)
	if !ua.found {
		notFound()
		return
	}
	u, kids := ua.unit, ua.children
	// The history first: computing it also loads the unit names that the links below use.
	hist, err := s.history(r.Context(), years())
	if err != nil {
		fail(err)
		return
	}
	v := unitView{Head: hv, T: t, Period: p.Label, Unit: u, Years: years(), End: p.End.Format("2006-01-02"), DashboardURL: dash}
	hv.Title = u.Name + " — " + t["title"]
	v.Head = hv
	if u.ParentCode != "" {
		v.Parent = &unitLink{Code: u.ParentCode, Name: s.nameOr(u.ParentCode), Href: unitHref(u.ParentCode, lang, p.Label)}
	}
	if u.TopCode != "" && u.TopCode != u.Code {
		v.Top = &unitLink{Code: u.TopCode, Name: s.nameOr(u.TopCode), Href: unitHref(u.TopCode, lang, p.Label)}
	}
	for _, k := range kids {
		v.Children = append(v.Children, unitLink{Code: k.Code, Name: k.Name, Kind: k.Kind, Href: unitHref(k.Code, lang, p.Label)})
	}
	// The indicators in the dashboard's order (queries.Indicators sorts them by id).
	var ids []string
	for id := range hist {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		points, ok := hist[id][code]
		if !ok {
			continue
		}
		row := histRow{Label: s.label(id, li)}
		for i, y := range years() {
			c := s.newCell(points[i].Row, points[i].OK, code, y, t)
			row.Cells = append(row.Cells, c)
		}
		v.History = append(v.History, row)
		v.Charts = append(v.Charts, chartView{Title: s.label(id, li) + " — " + u.Name, SVG: chart(s.label(id, li)+" — "+u.Name, years(), points, t)})
	}
	if err := unitPage.Execute(w, v); err != nil {
		s.cfg.Log.Error("unit template", "err", err)
	}
}

// unitAnswer is a unit at a period's end and the units below it then; found is false for a
// code the warehouse never registered, which is an answer too (a 404), kept like the others.
type unitAnswer struct {
	found    bool
	unit     queries.Unit
	children []queries.Unit
}

// unitAt is the unit of code at p's end and its children, over the newest state the server
// has them of, served stale while they revalidate as Server.indicators is (cache.go).
func (s *Server) unitAt(ctx context.Context, code string, p queries.Period) (unitAnswer, stamp, error) {
	cur, err := s.current(ctx)
	if err != nil {
		return unitAnswer{}, stamp{}, err
	}
	return s.units.get(ctx, code+"@"+p.Label, cur, func(ctx context.Context) (unitAnswer, stamp, error) {
		return s.computeUnit(ctx, code, p)
	})
}

func (s *Server) computeUnit(ctx context.Context, code string, p queries.Period) (unitAnswer, stamp, error) {
	if s.computeHook != nil {
		if err := s.computeHook(ctx, "units", code+"@"+p.Label); err != nil {
			return unitAnswer{}, stamp{}, err
		}
	}
	db, snap, err := session.Open(ctx, s.cfg.Warehouse)
	if err != nil {
		return unitAnswer{}, stamp{}, err
	}
	defer db.Close()
	if err := s.loadCatalog(ctx, db); err != nil {
		return unitAnswer{}, stamp{}, err
	}
	u, err := queries.UnitAt(ctx, db, code, p.End, nil)
	if errors.Is(err, queries.ErrUnknownUnit) {
		return unitAnswer{}, stampOf(snap), nil
	}
	if err != nil {
		return unitAnswer{}, stamp{}, err
	}
	kids, err := queries.UnitChildren(ctx, db, code, p.End, nil)
	if err != nil {
		return unitAnswer{}, stamp{}, err
	}
	return unitAnswer{found: true, unit: u, children: kids}, stampOf(snap), nil
}

// nameOr is the unit's name, or its code when the server has no name for it.
func (s *Server) nameOr(code string) string {
	if n := s.unitName(code); n != "" {
		return n
	}
	return code
}
