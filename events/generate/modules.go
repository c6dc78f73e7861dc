package generate

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
)

var (
	technologies = []string{"ecommerce", "traceability", "digital_payment", "management_software", "iot_production", "online_marketing"}
	domains      = []string{"health", "education", "community_monitoring", "security_order", "environment", "culture", "electricity", "water"}
	fundSources  = []string{"central_budget", "province_budget", "district_budget", "commune_budget", "socialized", "integrated_programs", "other"}
	fundTasks    = []string{"communication_training", "digital_government", "digital_economy", "digital_society", "digital_infrastructure_data", "policy", "pilot_models", "management"}
	sectors      = []string{"nông nghiệp", "dịch vụ nông nghiệp", "thủy sản", "lâm nghiệp", "tiểu thủ công nghiệp"}
	products     = []string{"lúa", "mía", "sắn", "keo", "luồng", "dứa", "chè", "rau an toàn", "bưởi", "ngô", "cói"}
	ocopCats     = []string{"thực phẩm", "đồ uống", "thảo dược", "thủ công mỹ nghệ", "dịch vụ du lịch"}
	ocopNames    = []string{"Nem chua", "Mật ong", "Chè lam", "Nước mắm", "Gạo", "Chiếu cói", "Bánh gai", "Rượu", "Mắm tép", "Trà thảo dược"}
	modelFields  = []string{"security_order", "economy", "rural_tourism", "environment", "culture", "education", "health", "other"}
	siteKinds    = []string{"community_tourism", "eco", "cultural_heritage", "craft_village", "agritourism"}
	roles        = []string{"Trưởng ban", "Phó trưởng ban", "Cán bộ chuyên trách NTM", "Công chức địa chính - nông nghiệp", "Văn phòng điều phối"}
)

// The source systems that send each kind of event.
const (
	sysDossier  = "dvc-thanhhoa" // the province's public-service portal
	sysCriteria = "ntm-danhgia"  // NTM criteria assessment
	sysHR       = "qlcb-ntm"     // programme staff and training
	sysEconomy  = "ktnn-so"      // cooperatives, linkage models, OCOP
	sysSociety  = "xa-hoi-so"    // services, surveys, smart models, tourism
	sysInfra    = "ha-tang-so"   // households, connectivity, hotspots
	sysFunding  = "tabmis-ntm"   // treasury: allocation and disbursement
	sysSurvey   = "khao-sat-ntm" // the online survey application
	sysRegistry = refdata.System // administrative units
)

func (g *gen) run(ctx context.Context) error {
	g.rejected = map[events.Reason]int64{}
	g.zone = events.Local()
	if err := g.setup(); err != nil {
		return err
	}
	for g.month = 0; g.month < months; g.month++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if g.err != nil {
			return g.err
		}
		g.monthStart = time.Date(firstYear+g.month/12, time.Month(1+g.month%12), 1, 0, 0, 0, 0, g.zone)
		g.monthDays = int(g.monthStart.AddDate(0, 1, 0).Sub(g.monthStart) / (24 * time.Hour))
		if g.month == 0 {
			g.registerUnits()
		} else {
			g.applyChanges()
		}
		g.lateRegistrations()
		g.renames()
		g.funding()
		g.managersAndTraining()
		g.economy()
		g.society()
		g.infrastructure()
		g.criteria()
		g.dossiers()
	}
	return g.err
}

// when returns a random local instant in the current month: mostly office hours, and one time in
// ten between midnight and 07:00, which is the previous day in UTC.
func (g *gen) when() time.Time {
	d := g.intn(g.monthDays)
	var secs int
	if g.chance(0.1) {
		secs = g.intn(7 * 3600)
	} else {
		secs = 7*3600 + g.intn(10*3600)
	}
	// The local zone has no daylight saving, so a day is always 24 hours.
	return g.monthStart.Add(time.Duration(d*86400+secs) * time.Second)
}

// recorded returns when a source system records a fact that happened at t: minutes to days
// later, and now and then months later (a late event).
func (g *gen) recorded(t time.Time) time.Time {
	if g.chance(0.005) {
		return t.Add(time.Duration(60+g.intn(120)) * 24 * time.Hour)
	}
	return t.Add(time.Duration(1+g.intn(72*60)) * time.Minute)
}

func levelOf(code string) string {
	switch len(code) {
	case 2:
		return "province"
	case 3:
		return "district"
	case 5:
		return "commune"
	}
	return "village"
}

// event builds an event about unit, sent by the unit itself (villages report through their
// commune). From the reorganization of 2025-07-01 on, a unit it ended is reported for by the
// unit that stands for it on the event's date (see gen.standFor): this holds for the facts the
// generator writes in June that fall after it, such as survey responses coming in over a week.
func (g *gen) event(prefix string, t events.Type, unitCode, system string, at time.Time, p events.Payload) events.Event {
	return events.Event{
		ID: g.id(prefix), Type: t, OccurredAt: at, RecordedAt: g.recorded(at),
		Source: g.source(unitCode, system, at), UnitCode: g.standFor(unitCode, events.DateOf(at)),
		Payload: p,
	}
}

// source is who reports at the instant at about the unit code through system: the unit that
// stands for it then, and for a village the unit that stands then for the commune it was
// registered in.
func (g *gen) source(code, system string, at time.Time) events.Source {
	d := events.DateOf(at)
	sender := g.standFor(code, d)
	if levelOf(sender) == "village" {
		parent := sender[:5]
		if v := g.units[sender]; v != nil {
			parent = v.parent
		}
		sender = g.standFor(parent, d)
	}
	return events.Source{Level: levelOf(sender), UnitCode: sender, System: system}
}

func (g *gen) registerUnits() {
	units, _ := refdata.Units2022()
	for _, u := range units {
		g.emit(refdata.Registration(u, refdata.Start, "ref.unit."+u.Code))
	}
	for _, code := range g.order("commune") {
		for _, v := range g.units[code].villages {
			if v.late == 0 {
				g.emit(g.villageRegistration(v, refdata.Start))
			}
		}
	}
}

func (g *gen) villageRegistration(v *unit, from events.Date) events.Event {
	e := refdata.Registration(refdata.Unit{Code: v.code, Name: v.name, Level: "village", Kind: v.kind, ParentCode: v.parent}, from, "ref.unit."+v.code)
	e.Source = events.Source{Level: "commune", UnitCode: v.parent, System: sysRegistry}
	return e
}

// lateRegistrations registers the villages whose registration reaches the warehouse only after
// their first facts: most are effective from 2022-01-01 all the same, one in three only from the
// month they arrive.
func (g *gen) lateRegistrations() {
	for _, code := range g.order("village") {
		v := g.units[code]
		if v.late != g.month || v.late == 0 {
			continue
		}
		from := refdata.Start
		if g.chance(0.33) {
			from = events.DateOf(g.monthStart)
		}
		g.hard["late_registrations"]++
		g.emit(g.villageRegistration(v, from))
	}
}

func (g *gen) renames() {
	if g.month%6 != 3 {
		return
	}
	villages := g.order("village")
	for range 3 {
		v := g.units[villages[g.intn(len(villages))]]
		v.name = villageNames[g.intn(len(villageNames))] + " " + strconv.Itoa(1+g.intn(20))
		at := g.when()
		e := g.event("dmhc", events.AdminUnitRenamed, v.code, sysRegistry, at, events.AdminUnitRenamedPayload{Code: v.code, NewName: v.name})
		g.emit(e)
	}
}

func (g *gen) dossiers() {
	levelUnits := []struct {
		level string
		units []string
		per   int
		base  float64
		gain  float64
	}{
		{"province", []string{refdata.ProvinceCode}, 40, 0.82, 0.2},
		{"district", g.order("district"), 12, 0.55, 0.42},
		{"commune", g.order("commune"), 3, 0.3, 0.5},
	}
	for _, lu := range levelUnits {
		for _, code := range lu.units {
			p := lu.base + lu.gain*g.progress(code)
			n := lu.per * g.k * g.units[code].weight
			for i := 0; i < n; i++ {
				done := g.when()
				recv := done.Add(-time.Duration(1+g.intn(15*24)) * time.Hour)
				online := g.chance(p)
				id := code + "-" + strconv.Itoa(g.month) + "-" + strconv.Itoa(i)
				g.emit(g.event("hs", events.DossierCompleted, code, sysDossier, done, events.DossierCompletedPayload{
					DossierID: id, Level: lu.level, ProcessedOnline: online, ReceivedAt: recv, CompletedAt: done}))
				if g.chance(0.01) {
					// The dossier is reopened and completed again: the latest completion stands.
					later := done.Add(time.Duration(1+g.intn(5*24)) * time.Hour)
					g.hard["dossiers_completed_twice"]++
					g.emit(g.event("hs", events.DossierCompleted, code, sysDossier, later, events.DossierCompletedPayload{
						DossierID: id, Level: lu.level, ProcessedOnline: g.chance(p), ReceivedAt: recv, CompletedAt: later}))
				}
			}
		}
	}
}

// criteria assesses every commune and district-level unit once a year, in November or
// December, against the criteria the plan follows (and a few others).
func (g *gen) criteria() {
	mo := g.month % 12
	if mo != 10 && mo != 11 {
		return
	}
	assess := func(code, set, indicator string, p float64) {
		crit, _, _ := strings.Cut(indicator, ".")
		at := g.when()
		g.emit(g.event("tc", events.CriterionAssessed, code, sysCriteria, at, events.CriterionAssessedPayload{
			CriteriaSet: set, Criterion: crit, Indicator: indicator, Met: g.chance(p),
			AssessedOn: events.DateOf(at), DecisionRef: "QĐ-" + strconv.Itoa(100+g.intn(9000)) + "/UBND"}))
	}
	for _, code := range g.order("commune") {
		if (code[len(code)-1]%2 == 0) != (mo == 10) || g.units[code].kind == "phường" {
			continue
		}
		p := g.progress(code)
		assess(code, "commune_ntm", "8.4", 0.5+0.5*p)
		if g.chance(0.6) {
			assess(code, "commune_ntm_advanced", "8.4", 0.2+0.65*p)
			assess(code, "commune_ntm_advanced", "15.2", 0.2+0.65*p)
		}
		assess(code, "commune_ntm", []string{"2.1", "17.7", "13.2"}[g.intn(3)], 0.8)
	}
	if mo != 11 {
		return
	}
	for _, code := range g.order("district") {
		p := g.progress(code)
		assess(code, "district_ntm", "9.5", 0.25+0.55*p)
		assess(code, "district_ntm_advanced", "6.5", 0.1+0.45*p)
		assess(code, "district_ntm_advanced", "9.2", 0.05+0.35*p)
	}
}

func (g *gen) managersAndTraining() {
	if g.month == 0 {
		add := func(code, level string, n int) {
			for range n {
				g.seq++
				m := &manager{ref: "cb" + strconv.FormatUint((g.seq*0x9e3779b97f4a7c15)>>24, 36), unit: code, level: level}
				g.managers = append(g.managers, m)
			}
		}
		add(refdata.ProvinceCode, "province", 20)
		for _, code := range g.order("district") {
			add(code, "district", 6)
		}
		for _, code := range g.order("commune") {
			add(code, "commune", 3)
		}
		for _, m := range g.managers {
			g.emit(g.event("cb", events.ManagerRegistered, m.unit, sysHR, g.when(), events.ManagerRegisteredPayload{
				PersonRef: m.ref, Role: roles[g.intn(len(roles))], Level: m.level}))
		}
	}
	n := len(g.managers)
	for i := 0; i < n; i++ {
		m := g.managers[i]
		if m.gone {
			continue
		}
		p := g.progress(m.unit)
		switch {
		case g.chance(0.004):
			m.gone = true
			g.emit(g.event("cb", events.ManagerDeparted, m.unit, sysHR, g.when(), events.ManagerDepartedPayload{PersonRef: m.ref}))
			if u := g.units[m.unit]; u != nil && !u.ended() {
				g.seq++
				r := &manager{ref: "cb" + strconv.FormatUint((g.seq*0x9e3779b97f4a7c15)>>24, 36), unit: m.unit, level: m.level}
				g.managers = append(g.managers, r)
				g.emit(g.event("cb", events.ManagerRegistered, r.unit, sysHR, g.when(), events.ManagerRegisteredPayload{
					PersonRef: r.ref, Role: roles[g.intn(len(roles))], Level: r.level}))
			}
		case !m.trained && g.chance(0.01+0.07*p):
			m.trained = true
			g.training(m, "digital_transformation")
		case g.chance(0.01):
			g.training(m, "other")
		}
	}
}

func (g *gen) training(m *manager, topic string) {
	at := g.when()
	g.emit(g.event("dt", events.TrainingCompleted, m.unit, sysHR, at, events.TrainingCompletedPayload{
		PersonRef: m.ref, CourseCode: "CDS-" + strconv.Itoa(firstYear+g.month/12) + "-" + strconv.Itoa(1+g.intn(12)),
		Topic: topic, Hours: float64(4 + 4*g.intn(10)), CompletedOn: events.DateOf(at)}))
}

func (g *gen) economy() {
	if g.month < 36 && g.month%12 == 2 {
		for _, code := range g.order("commune") {
			for range g.intn(3) {
				c := &coop{id: "htx-" + code + "-" + strconv.Itoa(len(g.coops)), unit: code}
				g.coops = append(g.coops, c)
				g.emit(g.event("htx", events.CooperativeRegistered, code, sysEconomy, g.when(), events.CooperativeRegisteredPayload{
					CoopID: c.id, Name: "HTX " + sectors[g.intn(len(sectors))] + " " + g.units[code].name, Sector: sectors[g.intn(len(sectors))]}))
			}
			if g.chance(0.5) {
				pr := &product{id: "ocop-" + code + "-" + strconv.Itoa(len(g.products)), unit: code,
					name: ocopNames[g.intn(len(ocopNames))] + " " + g.units[code].name, category: ocopCats[g.intn(len(ocopCats))]}
				g.products = append(g.products, pr)
				g.rate(pr)
			}
		}
		for _, code := range g.order("district") {
			for range 1 + g.intn(3) {
				l := &linkage{id: "lk-" + code + "-" + strconv.Itoa(len(g.linkages)), unit: code, raw: g.chance(0.5)}
				g.linkages = append(g.linkages, l)
				at := g.when()
				l.name = "Liên kết sản xuất " + products[g.intn(len(products))]
				l.keyProduct = products[g.intn(len(products))]
				g.emit(g.event("lk", events.LinkageModelRegistered, code, sysEconomy, at, events.LinkageModelRegisteredPayload{
					ModelID: l.id, Name: l.name, KeyProduct: l.keyProduct, RawMaterialArea: l.raw}))
				if l.raw {
					d := g.districts[code]
					at := g.when() // drawn first, as the stream has always drawn it
					p := events.RawMaterialAreaRegisteredPayload{
						AreaCode: "VNL-" + l.id, Product: products[g.intn(len(products))], Hectares: float64(20+g.intn(800)) + 0.5,
						Latitude: d.lat + (g.rng.Float64()-0.5)*0.1, Longitude: d.lon + (g.rng.Float64()-0.5)*0.1}
					p.Latitude, p.Longitude = d.inside(p.Latitude, p.Longitude)
					g.emit(g.event("vnl", events.RawMaterialAreaRegistered, code, sysEconomy, at, p))
				}
			}
		}
	}
	for _, c := range g.coops {
		if c.dissolve {
			continue
		}
		p := g.progress(c.unit)
		switch {
		case g.chance(0.002):
			c.dissolve = true
			g.emit(g.event("htx", events.CooperativeDissolved, c.unit, sysEconomy, g.when(), events.CooperativeDissolvedPayload{CoopID: c.id}))
		case !c.adopted && g.chance(0.005+0.04*p):
			c.adopted = true
			g.emit(g.event("htx", events.CooperativeDigitalAdopted, c.unit, sysEconomy, g.when(), events.CooperativeDigitalAdoptedPayload{
				CoopID: c.id, Technologies: g.techs()}))
		}
	}
	for _, l := range g.linkages {
		if !l.adopted && g.chance(0.01+0.06*g.progress(l.unit)) {
			l.adopted = true
			g.emit(g.event("lk", events.LinkageModelDigitalAdopted, l.unit, sysEconomy, g.when(), events.LinkageModelDigitalAdoptedPayload{
				ModelID: l.id, Technologies: g.techs()}))
		}
	}
	for _, pr := range g.products {
		if g.chance(0.004) {
			g.rate(pr)
		}
	}
}

func (g *gen) rate(pr *product) {
	g.emit(g.event("ocop", events.OCOPProductRated, pr.unit, sysEconomy, g.when(), events.OCOPProductRatedPayload{
		ProductID: pr.id, Name: pr.name, Category: pr.category, Stars: int64(3 + g.intn(3))}))
}

func (g *gen) techs() []string {
	n := 1 + g.intn(3)
	start := g.intn(len(technologies))
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, technologies[(start+i)%len(technologies)])
	}
	return out
}

func (g *gen) society() {
	units := append(g.order("district"), g.order("commune")...)
	year := firstYear + g.month/12
	for _, code := range units {
		p := g.progress(code)
		if g.serviceN[code] < 3 && g.chance(0.004+0.03*p) {
			s := &service{id: "dv-" + code + "-" + strconv.Itoa(len(g.services)), unit: code}
			g.services = append(g.services, s)
			g.serviceN[code]++
			d := domains[g.intn(len(domains))]
			g.emit(g.event("dv", events.OnlineServiceLaunched, code, sysSociety, g.when(), events.OnlineServiceLaunchedPayload{
				ServiceID: s.id, Domain: d, Name: "Dịch vụ trực tuyến " + d}))
		}
		// One satisfaction survey a year at most, in a month of the unit's own.
		if g.month%12 == int(hash(code)%12) && g.chance(0.3+0.6*p) {
			g.survey(code, year, "ntm_satisfaction", g.chance(0.3+0.6*p))
		}
		if g.month%12 == int(hash(code)%7) && g.chance(0.2) {
			g.survey(code, year, "other", g.chance(0.5))
		}
	}
	for _, s := range g.services {
		if !s.gone && g.chance(0.002) {
			s.gone = true
			g.serviceN[s.unit]--
			g.emit(g.event("dv", events.OnlineServiceWithdrawn, s.unit, sysSociety, g.when(), events.OnlineServiceWithdrawnPayload{ServiceID: s.id}))
		}
	}
	if g.month%12 == 4 {
		for _, code := range g.order("district") {
			communes := g.childCommunes(code)
			if len(communes) == 0 {
				continue
			}
			for range g.intn(3) {
				c := communes[g.intn(len(communes))]
				target, scope := c.code, "commune"
				if len(c.villages) > 0 && g.chance(0.4) {
					target, scope = c.villages[g.intn(len(c.villages))].code, "village"
				}
				m := &smartModel{id: "mh-" + target + "-" + strconv.Itoa(len(g.models)), unit: target}
				g.models = append(g.models, m)
				g.emit(g.event("mh", events.SmartModelRegistered, target, sysSociety, g.when(), events.SmartModelRegisteredPayload{
					ModelID: m.id, Name: "Mô hình NTM thông minh " + g.units[c.code].name, Field: modelFields[g.intn(len(modelFields))], Scope: scope}))
			}
			if refdata.Coastal(code) || refdata.Mountainous(code) || g.chance(0.3) {
				d := g.districts[code]
				c := communes[g.intn(len(communes))]
				at := g.when() // drawn first, as the stream has always drawn it
				p := events.TourismSiteRegisteredPayload{
					SiteID: "dl-" + c.code + "-" + strconv.Itoa(g.month), Name: "Điểm du lịch " + c.name, Kind: siteKinds[g.intn(len(siteKinds))],
					Latitude: d.lat + (g.rng.Float64()-0.5)*0.1, Longitude: d.lon + (g.rng.Float64()-0.5)*0.1}
				p.Latitude, p.Longitude = d.inside(p.Latitude, p.Longitude)
				g.emit(g.event("dl", events.TourismSiteRegistered, c.code, sysSociety, at, p))
			}
		}
	}
	for _, m := range g.models {
		if !m.approved && g.chance(0.01+0.08*g.progress(m.unit)) {
			m.approved = true
			g.emit(g.event("mh", events.SmartModelApproved, m.unit, sysSociety, g.when(), events.SmartModelApprovedPayload{
				ModelID: m.id, DecisionRef: "QĐ-" + strconv.Itoa(100+g.intn(9000)) + "/UBND"}))
		}
	}
}

// childCommunes lists the active communes whose district is code.
func (g *gen) childCommunes(code string) []*unit {
	var out []*unit
	for _, c := range g.order("commune") {
		if d := g.districtOf(c); d != nil && d.code == code {
			out = append(out, g.units[c])
		}
	}
	return out
}

func (g *gen) survey(code string, year int, topic string, online bool) {
	channel := "offline"
	if online {
		channel = "online"
	}
	at := g.when()
	opened := events.DateOf(at)
	id := "ks-" + code + "-" + strconv.Itoa(year) + "-" + topic[:3]
	g.emit(g.event("ks", events.SurveyConducted, code, sysSurvey, at, events.SurveyConductedPayload{
		SurveyID: id, Topic: topic, Channel: channel, OpenedOn: opened, ClosedOn: opened + events.Date(7+g.intn(21))}))
	if topic != "ntm_satisfaction" {
		return
	}
	// Some surveys get fewer than 10 responses, which open data must suppress.
	n := (3 + g.intn(30)) * g.k
	p := g.progress(code)
	var villages []*unit
	if u := g.units[code]; u != nil {
		villages = u.villages
	}
	for range n {
		sat := int64(1 + g.intn(3))
		if g.chance(0.35 + 0.5*p) {
			sat = int64(4 + g.intn(2))
		}
		unitCode := code
		if len(villages) > 0 && g.chance(0.3) {
			unitCode = villages[g.intn(len(villages))].code
		}
		g.emit(g.event("ph", events.SurveyResponse, unitCode, sysSurvey, at.Add(time.Duration(g.intn(7*24*60))*time.Minute),
			events.SurveyResponsePayload{SurveyID: id, Satisfaction: sat}))
	}
}

func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

func (g *gen) infrastructure() {
	for _, code := range g.order("village") {
		if g.month%12 != int(hash(code)%12) {
			continue
		}
		v := g.units[code]
		p := g.progress(code)
		hh := int64(60 + g.intn(340))
		smart := min(hh, int64(float64(hh)*(0.5+0.5*p+0.05*g.rng.Float64())))
		fixed := min(hh, int64(float64(hh)*(0.25+0.6*p)))
		at := g.when()
		if v.late > g.month {
			g.hard["facts_before_registration"]++
		}
		g.emit(g.event("hgd", events.HouseholdSurveyRecorded, code, sysInfra, at, events.HouseholdSurveyRecordedPayload{
			Households: hh, WithSmartphone: smart, WithFixedBroadband: fixed}))
		g.emit(g.event("kn", events.ConnectivityReported, code, sysInfra, g.when(), events.ConnectivityReportedPayload{
			FixedBroadband: g.chance(0.35 + 0.65*p), Mobile4G: g.chance(0.93), Mobile5G: g.chance(0.05 + 0.1*float64(g.month/12))}))
	}
	for _, code := range g.order("commune") {
		p := g.progress(code)
		if !g.hotspotAt[code] && g.chance(0.01+0.05*p) {
			g.hotspotAt[code] = true
			g.hotspot(code, "one_stop_shop", g.chance(0.85))
		}
		if g.chance(0.006) {
			target := code
			if vs := g.units[code].villages; len(vs) > 0 {
				target = vs[g.intn(len(vs))].code
			}
			g.hotspot(target, []string{"cultural_house", "tourism_site"}[g.intn(2)], g.chance(0.9))
		}
	}
}

func (g *gen) hotspot(code, site string, free bool) {
	g.emit(g.event("wf", events.WifiHotspotInstalled, code, sysInfra, g.when(), events.WifiHotspotInstalledPayload{
		HotspotID: "wf-" + code + "-" + strconv.FormatUint(g.seq, 36), Site: site, Free: free}))
}

// funding allocates each January and disburses in tranches through the year and into the first
// quarter of the next.
func (g *gen) funding() {
	year := firstYear + g.month/12
	// Allocations of the previous fiscal year are still disbursed in the first quarter.
	if g.month%12 == 3 || g.month%12 == 0 {
		g.allocs = slices.DeleteFunc(g.allocs, func(a *allocation) bool {
			return a.year < year-1 || (a.year == year-1 && g.month%12 == 3)
		})
	}
	if g.month%12 == 0 {
		alloc := func(code, source, task string, amount int64) {
			a := &allocation{unit: code, source: source, task: task, year: year, amount: amount, left: amount}
			g.allocs = append(g.allocs, a)
			g.emit(g.event("ns", events.FundingAllocated, code, sysFunding, g.when(), events.FundingAllocatedPayload{
				FiscalYear: int64(year), Source: source, Task: task, AmountVND: amount}))
		}
		for _, code := range g.order("district") {
			for _, task := range fundTasks {
				if g.chance(0.6) {
					alloc(code, fundSources[g.intn(4)], task, int64(50+g.intn(950))*1_000_000)
				}
			}
		}
		for _, code := range g.order("commune") {
			alloc(code, "commune_budget", fundTasks[g.intn(len(fundTasks))], int64(10+g.intn(190))*1_000_000)
			if g.chance(0.3) {
				alloc(code, []string{"socialized", "integrated_programs", "other"}[g.intn(3)], fundTasks[g.intn(len(fundTasks))], int64(5+g.intn(95))*1_000_000)
			}
		}
	}
	for _, a := range g.allocs {
		if a.left <= 0 || !g.chance(0.25) {
			continue
		}
		p := g.progress(a.unit)
		amount := min(a.left, a.amount/int64(2+g.intn(4)))
		if g.month%12 == 11 && g.chance(0.3+0.6*p) {
			amount = a.left
		}
		a.left -= amount
		g.emit(g.event("ns", events.FundingDisbursed, a.unit, sysFunding, g.when(), events.FundingDisbursedPayload{
			FiscalYear: int64(a.year), Source: a.source, Task: a.task, AmountVND: amount}))
	}
}
