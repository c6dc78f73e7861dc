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
}

// district is a district-level unit with its pace toward the targets.
type district struct {
	code string
	// pace scales progress: leaders near 1.2 reach the targets by 2025, laggards near 0.4 do not.
	pace     float64
	lat, lon float64
}

// world is the generator's view of the province: units, their hierarchy as it changes, and
// every entity that later events refer to.
type world struct {
	units     map[string]*unit
	orders    map[string][]string // active unit codes by level, in code order
	districts map[string]*district
	mergedTo  map[string]string // district codes merged away → the unit that took them over
	changes   []refdata.Change
	nextCh    int

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
	id, unit     string
	raw, adopted bool
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
	if g.changes, err = refdata.Changes(); err != nil {
		return err
	}
	g.units = map[string]*unit{}
	g.districts = map[string]*district{}
	g.mergedTo = map[string]string{}
	g.hotspotAt = map[string]bool{}
	g.serviceN = map[string]int{}
	for _, u := range units {
		x := &unit{code: u.Code, name: u.Name, level: u.Level, kind: u.Kind, parent: u.ParentCode}
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

// districtOf returns the district-level unit a commune or village belongs to now.
func (g *gen) districtOf(code string) *district {
	u := g.units[code]
	for u != nil && u.level != "district" {
		u = g.units[u.parent]
	}
	if u == nil {
		return nil
	}
	c := u.code
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

// applyChanges emits the hierarchy changes dated in the current month and applies them.
func (g *gen) applyChanges() {
	end := events.DateOf(g.monthStart.AddDate(0, 1, 0)) - 1
	for g.nextCh < len(g.changes) && g.changes[g.nextCh].Date <= end {
		c := g.changes[g.nextCh]
		g.nextCh++
		level := ""
		var villages []*unit
		for _, from := range c.FromCodes {
			u := g.units[from]
			if u == nil {
				continue
			}
			level = u.level
			villages = append(villages, u.villages...)
			u.kind = "" // ended
			u.villages = nil
			if u.level == "district" && from != c.IntoCode {
				g.mergedTo[from] = c.IntoCode
			}
		}
		into := &unit{code: c.IntoCode, name: c.IntoName, level: level, kind: c.IntoKind, parent: c.ParentCode, villages: villages}
		g.units[c.IntoCode] = into
		g.orders = nil
		g.emit(refdata.Merge(c))
	}
}
