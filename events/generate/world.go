package generate

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
)

// The stream covers the plan's period, 2022-01 to 2025-12: 48 months.
const (
	firstYear = 2022
	months    = 48
)

// unit is an administrative unit as the generator tracks it.
type unit struct {
	code, name, level, kind, parent string
	villages                        []*unit // for communes: the synthesized villages
	// late is set on villages whose registration arrives after their first facts.
	late int
	// district is, for a commune, the district-level unit whose pace it follows: its parent
	// until 2025-07-01; after that, when the commune hangs under the province, the district of
	// the old commune whose code it reuses. It is the generator's own and is never sent.
	district string
	// weight is, for a commune, how many communes of 2025-06-30 it serves (whole or in part):
	// 1 until the reorganization. A new commune handles the dossiers of all of them.
	weight int
}

// district is a district-level unit with its pace toward the targets.
type district struct {
	code string
	// pace scales progress: leaders near 1.2 reach the targets by 2025, laggards near 0.4 do not.
	pace     float64
	lat, lon float64
}

// inside moves a point drawn around the district's centre toward the centre until it lies inside
// the province's outline, so that no demo site or area falls in the sea or in a neighbouring
// province (every centre lies inside). It draws no random number: the stream only changes in
// the coordinates of the points that were outside.
func (d *district) inside(lat, lon float64) (float64, float64) {
	for range 8 {
		if refdata.InProvince(refdata.Point{Lon: lon, Lat: lat}) {
			return lat, lon
		}
		lat, lon = d.lat+(lat-d.lat)/2, d.lon+(lon-d.lon)/2
	}
	return d.lat, d.lon
}

// world is the generator's view of the province: units, their hierarchy as it changes, and
// every entity that later events refer to.
type world struct {
	units     map[string]*unit
	orders    map[string][]string // active unit codes by level, in code order
	districts map[string]*district
	mergedTo  map[string]string // district codes merged away → the unit that took them over
	// changes are the reference data's changes of the hierarchy after its first day, in order.
	changes []events.Event
	nextCh  int
	// successor maps each code that the reference data ends to the unit that reports for it from
	// the reorganization of 2025-07-01 on (see standFor): for a commune, the unit it was merged
	// into or the part of its split that takes its entities; for a district-level unit, the unit
	// it was merged into or, once dissolved, the province.
	successor map[string]string

	month      int // 0..47
	monthStart time.Time
	monthDays  int
	zone       *time.Location

	managers  []*manager
	coops     []*coop
	linkages  []*linkage
	services  []*service
	serviceN  map[string]int // active services per unit
	models    []*smartModel
	allocs    []*allocation
	hotspotAt map[string]bool // communes with a one-stop-shop hotspot
	products  []*product
}

type manager struct {
	ref, unit, level string
	trained, gone    bool
}

type coop struct {
	id, unit          string
	adopted, dissolve bool
}

type linkage struct {
	id, unit string
	// name and keyProduct are kept for the model's registration again at a commune when its
	// district is dissolved (handOver).
	name, keyProduct string
	raw, adopted     bool
}

type service struct {
	id, unit string
	gone     bool
}

type smartModel struct {
	id, unit string
	approved bool
}

type product struct {
	id, unit, name, category string
}

type allocation struct {
	unit, source, task string
	year               int
	amount, left       int64
	id                 string
}

// Approximate centres of the district-level units (WGS84), for map coordinates.
var centres = map[string][2]float64{
	"380": {19.80, 105.78}, "381": {20.08, 105.86}, "382": {19.74, 105.90}, "384": {20.52, 104.60},
	"385": {20.37, 105.10}, "386": {20.35, 105.23}, "387": {20.25, 104.90}, "388": {20.15, 105.13},
	"389": {20.07, 105.37}, "390": {20.20, 105.47}, "391": {20.22, 105.65}, "392": {20.03, 105.83},
	"393": {20.05, 105.65}, "394": {19.98, 105.62}, "395": {19.93, 105.50}, "396": {19.90, 105.25},
	"397": {19.82, 105.58}, "398": {19.90, 105.68}, "399": {19.85, 105.87}, "400": {19.93, 105.90},
	"401": {20.00, 105.97}, "402": {19.63, 105.38}, "403": {19.60, 105.55}, "404": {19.62, 105.68},
	"405": {19.80, 105.70}, "406": {19.70, 105.80}, "407": {19.42, 105.78},
}

var villageNames = []string{"Trung", "Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Tân", "Phú", "Yên",
	"An", "Hòa", "Thành", "Lộc", "Phúc", "Xuân", "Quang", "Minh", "Hưng", "Thịnh", "Na", "Chiềng", "Mường", "Pù"}

// setup loads the reference data and synthesizes villages and district paces.
func (g *gen) setup() error {
	units, err := refdata.Units2022()
	if err != nil {
		return err
	}
	ref, err := refdata.Events()
	if err != nil {
		return err
	}
	g.successor = map[string]string{}
	for _, e := range ref {
		if e.Type == events.AdminUnitRegistered {
			continue
		}
		g.changes = append(g.changes, e)
		// A code, once ended, is never used again for another unit (every new unit reuses the
		// code of one it continues), so one map holds the successions of every date.
		switch p := e.Payload.(type) {
		case events.AdminUnitMergedPayload:
			for _, from := range p.FromCodes {
				if from != p.IntoCode {
					g.successor[from] = p.IntoCode
				}
			}
		case events.AdminUnitSplitPayload:
			if heir := splitHeir(p); heir != p.FromCode {
				g.successor[p.FromCode] = heir
			}
		case events.AdminUnitDissolvedPayload:
			g.successor[p.Code] = refdata.ProvinceCode
		}
	}
	g.units = map[string]*unit{}
	g.districts = map[string]*district{}
	g.mergedTo = map[string]string{}
	g.hotspotAt = map[string]bool{}
	g.serviceN = map[string]int{}
	for _, u := range units {
		x := &unit{code: u.Code, name: u.Name, level: u.Level, kind: u.Kind, parent: u.ParentCode, weight: 1}
		g.units[u.Code] = x
		switch u.Level {
		case "district":
			d := &district{code: u.Code, pace: 0.45 + 0.8*g.rng.Float64()}
			if refdata.Mountainous(u.Code) {
				d.pace *= 0.75
			}
			if u.Kind != "huyện" {
				d.pace = math.Max(d.pace, 1.0)
			}
			c := centres[u.Code]
			d.lat, d.lon = c[0], c[1]
			g.districts[u.Code] = d
		case "commune":
			x.district = u.ParentCode
			n := 4 + g.intn(10)
			for i := 1; i <= n; i++ {
				kind := "thôn"
				switch {
				case u.Kind == "phường":
					kind = "tổ dân phố"
				case u.Kind == "thị trấn":
					kind = "khu phố"
				case refdata.Mountainous(u.ParentCode) && g.chance(0.6):
					kind = "bản"
				}
				v := &unit{code: u.Code + "-" + pad3(i), level: "village", kind: kind, parent: u.Code,
					name: villageNames[g.intn(len(villageNames))] + " " + strconv.Itoa(i)}
				if g.chance(0.01) {
					v.late = 2 + g.intn(10)
				}
				x.villages = append(x.villages, v)
				g.units[v.code] = v
			}
		}
	}
	return nil
}

func pad3(i int) string {
	s := strconv.Itoa(i)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// districtOf returns the district-level unit whose pace a unit follows: a district-level unit's
// own (or the one it was merged into), a commune's district, hidden after the reorganization
// (see unit.district), and a village's commune's.
func (g *gen) districtOf(code string) *district {
	u := g.units[code]
	if u != nil && u.level == "village" {
		u = g.units[u.parent]
	}
	if u == nil {
		return nil
	}
	var c string
	switch u.level {
	case "district":
		c = u.code
	case "commune":
		c = u.district
	default:
		return nil
	}
	for g.mergedTo[c] != "" {
		c = g.mergedTo[c]
	}
	return g.districts[c]
}

// progress is how far the unit's district has come toward the targets, in 0..1, this month.
func (g *gen) progress(code string) float64 {
	d := g.districtOf(code)
	pace := 1.0
	if d != nil {
		pace = d.pace
	}
	p := 0.1 + pace*(0.15+0.85*float64(g.month)/float64(months-1))
	return math.Max(0, math.Min(1, p))
}

// order lists the codes of the active units of a level in code order. The lists are cached
// until the hierarchy changes; callers must not modify them.
func (g *gen) order(level string) []string {
	if codes, ok := g.orders[level]; ok {
		return codes
	}
	var codes []string
	for code, u := range g.units {
		if u.level == level && !u.ended() {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	if g.orders == nil {
		g.orders = map[string][]string{}
	}
	g.orders[level] = codes
	return codes
}

func (u *unit) ended() bool { return u.kind == "" }

// applyChanges emits the reference data's changes of the hierarchy dated in the current month
// and applies them to the generator's view. Every change is sent as the reference data says it
// (refdata.Events): before 2025 merges only, and on 2025-07-01 the reorganization of contract v2
// (the district-level units dissolved, the merges that start the new communes under the
// province, the splits). Each change of the reorganization's day then hands the ended units'
// entities over to the units that exist (handOver).
//
// The events keep the reference data's ids, so that a warehouse that loads the reference data
// too sees duplicates, not conflicts. Streams written before contract v2 gave the same ids
// (ref.merge.2025-07-01.<code>) to the v1 projection of these merges, with other content: a
// warehouse that holds such a stream rejects the new merges as conflicting duplicates, as it
// does the generated events after 2025-06-30 whose ids the old stream gave to other facts, so
// such a warehouse is rebuilt from the new stream rather than topped up with it.
func (g *gen) applyChanges() {
	end := events.DateOf(g.monthStart.AddDate(0, 1, 0)) - 1
	var reorganized []events.Event
	for g.nextCh < len(g.changes) && events.DateOf(g.changes[g.nextCh].OccurredAt) <= end {
		e := g.changes[g.nextCh]
		g.nextCh++
		g.emit(e)
		switch p := e.Payload.(type) {
		case events.AdminUnitMergedPayload:
			g.merge(p)
		case events.AdminUnitDissolvedPayload:
			g.dissolve(p.Code)
		case events.AdminUnitSplitPayload:
			g.split(p)
		}
		g.orders = nil
		if events.DateOf(e.OccurredAt) >= refdata.Reorganization2025 {
			reorganized = append(reorganized, e)
		}
	}
	if len(reorganized) > 0 {
		g.handOver(reorganized)
	}
}

// merge ends the units a merge absorbs and starts the unit it forms, with their villages.
func (g *gen) merge(p events.AdminUnitMergedPayload) {
	level, district := "", ""
	var villages []*unit
	if prev := g.units[p.IntoCode]; prev != nil && !prev.ended() && !slices.Contains(p.FromCodes, p.IntoCode) {
		// The unit goes on under its code through a split of the same date that names it a part
		// (contract v2): it keeps its villages, and its district is its own.
		level, district = prev.level, prev.district
		villages = prev.villages
	} else if prev != nil {
		district = prev.district
	}
	for _, from := range p.FromCodes {
		u := g.units[from]
		if u == nil {
			continue
		}
		level = u.level
		if district == "" {
			district = u.district
		}
		villages = append(villages, u.villages...)
		u.kind = "" // ended
		u.villages = nil
		if u.level == "district" && from != p.IntoCode {
			g.mergedTo[from] = p.IntoCode
		}
	}
	if levelOf(p.ParentCode) == "district" {
		district = p.ParentCode
	}
	g.units[p.IntoCode] = &unit{code: p.IntoCode, name: p.IntoName, level: level, kind: p.IntoKind, parent: p.ParentCode,
		villages: villages, district: district, weight: 1}
}

// dissolve ends a unit with no successor; its children that go on hang under its parent.
func (g *gen) dissolve(code string) {
	u := g.units[code]
	if u == nil {
		return
	}
	u.kind = "" // ended
	for _, c := range g.units {
		if c.parent == code && !c.ended() {
			c.parent = u.parent
		}
	}
}

// split ends a unit divided between several (unless a part keeps its code) and starts the parts
// no merge of the date started. Its villages go where the warehouse puts its entities: to the
// part that keeps its code, else to the part with the largest share (ties: the smallest code),
// as DOMAIN.md "Contract v2" says.
func (g *gen) split(p events.AdminUnitSplitPayload) {
	from := g.units[p.FromCode]
	if from == nil {
		return
	}
	for _, part := range p.Into {
		u := g.units[part.Code]
		switch {
		case u == nil || u.ended():
			g.units[part.Code] = &unit{code: part.Code, name: part.Name, level: from.level, kind: part.Kind,
				parent: part.ParentCode, district: from.district, weight: 1}
		case part.Code == p.FromCode:
			u.name, u.kind, u.parent = part.Name, part.Kind, part.ParentCode
		}
	}
	heir := splitHeir(p)
	if heir == p.FromCode {
		return
	}
	h := g.units[heir]
	h.villages = append(h.villages, from.villages...)
	from.kind = "" // ended
	from.villages = nil
}

// splitHeir is the part of a split that takes the split unit's entities (DOMAIN.md "Contract
// v2"): the part that keeps its code, else the one with the largest share, ties the smallest
// code. queries/views.sql (unit_changes) resolves a split code the same way.
func splitHeir(p events.AdminUnitSplitPayload) string {
	heir := p.Into[0]
	for _, part := range p.Into {
		if part.Code == p.FromCode {
			return part.Code
		}
		if part.Share > heir.Share || (part.Share == heir.Share && part.Code < heir.Code) {
			heir = part
		}
	}
	return heir.Code
}

// standFor returns the unit that reports on day d for code: code itself before the
// reorganization of 2025-07-01, which streams of contract v1 ended nothing for (a merge's old
// codes stay valid units of facts, which the warehouse resolves to the unit that took them in);
// from that day, the unit that stands for it after every change since (world.successor), so that
// nothing is reported by or about a unit that no longer exists. The stream up to 2025-06-30 is
// thus what it was before contract v2.
func (g *gen) standFor(code string, d events.Date) string {
	if d < refdata.Reorganization2025 {
		return code
	}
	for range 8 { // Chains are at most three long: a commune merged in 2025-01, then in 2025-07.
		s, ok := g.successor[code]
		if !ok {
			break
		}
		code = s
	}
	return code
}

// current returns the unit that stands for code from the reorganization on.
func (g *gen) current(code string) string { return g.standFor(code, refdata.Reorganization2025) }

// handOver moves the generator's entities, after the changes of the reorganization evs, to the
// units that exist, so that from that day on every event is reported by and about one
// (DOMAIN.md "Contract v2"):
//   - a new commune serves as many communes as it was formed from, whole or in part;
//   - entities of old communes (managers, cooperatives, OCOP products, services, smart models,
//     allocations) are reported by the new commune the warehouse resolves them to, without a new
//     registration; villages keep their registered commune, which resolves the same way;
//   - the district-level units' managers and linkage models are registered again at a new
//     commune of their former district (the district offices' staff and programmes went to the
//     communes), their allocations are disbursed by the province, and their online services
//     end with them: nobody reports for a dissolved unit, and a service of one counts in no
//     scope after it;
//   - the district-level dossiers and criteria assessments stop with their units.
func (g *gen) handOver(evs []events.Event) {
	weights := map[string]int{}
	for _, e := range evs {
		switch p := e.Payload.(type) {
		case events.AdminUnitMergedPayload:
			weights[p.IntoCode] += len(p.FromCodes)
		case events.AdminUnitSplitPayload:
			for _, part := range p.Into {
				weights[part.Code]++
			}
		}
	}
	for code, w := range weights {
		g.units[code].weight = w
	}

	at := func() time.Time { return g.monthStart.Add(time.Duration(7*3600+g.intn(10*3600)) * time.Second) }
	for _, m := range g.managers {
		if m.gone {
			continue
		}
		if m.level != "district" {
			m.unit = g.current(m.unit)
			continue
		}
		m.unit = g.communeOfDistrict(m.unit)
		m.level = levelOf(m.unit)
		g.emit(g.event("cb", events.ManagerRegistered, m.unit, sysHR, at(), events.ManagerRegisteredPayload{
			PersonRef: m.ref, Role: roles[g.intn(len(roles))], Level: m.level}))
	}
	for _, l := range g.linkages {
		if levelOf(l.unit) != "district" {
			l.unit = g.current(l.unit)
			continue
		}
		l.unit = g.communeOfDistrict(l.unit)
		g.emit(g.event("lk", events.LinkageModelRegistered, l.unit, sysEconomy, at(), events.LinkageModelRegisteredPayload{
			ModelID: l.id, Name: l.name, KeyProduct: l.keyProduct, RawMaterialArea: l.raw}))
	}
	for _, c := range g.coops {
		c.unit = g.current(c.unit)
	}
	for _, pr := range g.products {
		pr.unit = g.current(pr.unit)
	}
	for _, m := range g.models {
		m.unit = g.current(m.unit)
	}
	for _, a := range g.allocs {
		a.unit = g.current(a.unit)
	}
	g.serviceN = map[string]int{}
	for _, s := range g.services {
		if levelOf(s.unit) == "district" {
			s.gone = true
		}
		if s.gone {
			continue
		}
		s.unit = g.current(s.unit)
		g.serviceN[s.unit]++
	}
	hotspots := map[string]bool{}
	for code := range g.hotspotAt {
		hotspots[g.current(code)] = true
	}
	g.hotspotAt = hotspots
}

// communeOfDistrict picks a commune that now lies in the former district-level unit code (by
// the hidden district of unit.district), or the province when none does.
func (g *gen) communeOfDistrict(code string) string {
	var in []string
	d := g.districtOf(code)
	for _, c := range g.order("commune") {
		if d != nil && g.districtOf(c) == d {
			in = append(in, c)
		}
	}
	if len(in) == 0 {
		return refdata.ProvinceCode
	}
	return in[g.intn(len(in))]
}
