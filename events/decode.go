package events

import (
	"errors"
	"time"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// MaxEventSize is the largest event the contract accepts, in bytes; larger input is too_large.
const MaxEventSize = 1 << 20

// Source says who sent an event.
type Source struct {
	Level    string // province, district, commune or village
	UnitCode string
	System   string
}

// Event is one decoded, valid event of the contract. Its byte slices alias the input given to
// Decode: a caller that reuses that buffer must copy them first.
type Event struct {
	ID            string
	Type          Type
	SchemaVersion int
	OccurredAt    time.Time // in UTC; the original offset stays in Raw
	RecordedAt    time.Time // in UTC
	Source        Source
	UnitCode      string
	Corrects      string // empty when the event corrects nothing
	BusinessDate  Date   // the local date the event belongs to (see EVENTS.md)
	Payload       Payload
	// RawPayload is the payload object exactly as received, unknown members included.
	RawPayload []byte
	// Unknown names the payload members the contract does not define. They are kept in
	// RawPayload, never dropped.
	Unknown []string
	// Raw is the whole event as received, without surrounding white space.
	Raw []byte
}

var (
	levels       = []string{"province", "district", "commune", "village"}
	govLevels    = []string{"province", "district", "commune"}
	unitKinds    = []string{"tỉnh", "thành phố", "thị xã", "huyện", "phường", "xã", "thị trấn", "thôn", "bản", "tổ dân phố", "khu phố"}
	unitFlags    = []string{"mountainous", "ethnic_minority_extremely_difficult", "coastal_extremely_difficult", "poor_district"}
	criteriaSets = []string{"commune_ntm", "commune_ntm_advanced", "district_ntm", "district_ntm_advanced"}
	criteria     = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19"}
	trainTopics  = []string{"digital_transformation", "other"}
	technologies = []string{"ecommerce", "traceability", "digital_payment", "management_software", "iot_production", "online_marketing"}
	domains      = []string{"health", "education", "community_monitoring", "security_order", "environment", "culture", "electricity", "water"}
	surveyTopics = []string{"ntm_satisfaction", "other"}
	channels     = []string{"online", "offline"}
	modelFields  = []string{"security_order", "economy", "rural_tourism", "environment", "culture", "education", "health", "other"}
	modelScopes  = []string{"commune", "village"}
	siteKinds    = []string{"community_tourism", "eco", "cultural_heritage", "craft_village", "agritourism"}
	hotspotSites = []string{"one_stop_shop", "cultural_house", "tourism_site"}
	fundSources  = []string{"central_budget", "province_budget", "district_budget", "commune_budget", "socialized", "integrated_programs", "other"}
	fundTasks    = []string{"communication_training", "digital_government", "digital_economy", "digital_society", "digital_infrastructure_data", "policy", "pilot_models", "management"}
)

// Vietnam's bounding box for every latitude and longitude.
const (
	minLat, maxLat = 8.0, 24.0
	minLon, maxLon = 102.0, 110.0
)

// Decode decodes and validates one event. On invalid input it returns a *Rejection with exactly
// one reason code of the contract; it never returns ConflictingDuplicate, which needs the events
// seen before. The returned Event aliases data.
func Decode(data []byte) (Event, error) {
	var d decoder
	return d.decode(data)
}

// decoder holds scratch space that repeated decoding reuses.
type decoder struct {
	env, src, pay fields
}

// Decoder decodes many events, reusing its scratch space between calls. It is not safe for
// concurrent use; give each goroutine its own.
type Decoder struct{ d decoder }

// Decode is the package-level Decode with reused scratch space.
func (d *Decoder) Decode(data []byte) (Event, error) { return d.d.decode(data) }

func (d *decoder) decode(data []byte) (Event, error) {
	var e Event
	if len(data) > MaxEventSize {
		return e, reject(TooLarge, "", "the event is %d bytes, over the limit of %d bytes (1 MiB)", len(data), MaxEventSize)
	}
	f := &d.env
	f.path, f.err = "", nil
	doc, err := f.loadDocument(data)
	if err != nil {
		var deep *jsonx.DepthError
		if errors.As(err, &deep) {
			return e, reject(BadValue, clip(deep.Path), "%s is nested deeper than %d levels", clip(deep.Path), jsonx.MaxDepth)
		}
		// Not an object, or not JSON at all: the full parse tells which.
		if v, derr := jsonx.Document(data); derr == nil {
			return e, reject(NotObject, "", "the event must be a JSON object, got %s", jsonx.KindOf(v).Name())
		} else if errors.As(derr, &deep) {
			return e, reject(BadValue, clip(deep.Path), "%s is nested deeper than %d levels", clip(deep.Path), jsonx.MaxDepth)
		} else {
			err = derr
		}
		return e, reject(NotJSON, "", "the input is not valid JSON: %s", err)
	}
	if f.err != nil {
		return e, f.err
	}
	e.Raw = doc

	e.ID = f.eventID("event_id", true)
	typeRaw, _ := f.rawString("event_type", true)
	if f.err != nil {
		return e, f.err
	}
	t, ok := typeOf([]byte(typeRaw))
	if !ok {
		return e, reject(UnknownEventType, "event_type", "event_type %q is not a type of contract v1", clip(typeRaw))
	}
	e.Type = t
	version := f.get("schema_version", true)
	if f.err != nil {
		return e, f.err
	}
	if !f.typed("schema_version", version, "an integer", jsonx.KindOf(version).IsNumber()) {
		return e, f.err
	}
	v, integral, inRange := jsonx.Int(version)
	if !integral {
		return e, reject(BadType, "schema_version", "schema_version must be an integer, got %s", clip(string(version)))
	}
	if !inRange || v < 1 || v > int64(currentVersion(t)) || (v < int64(currentVersion(t)) && upcasterFor(t, int(v)) == nil) {
		return e, reject(UnsupportedSchemaVersion, "schema_version", "schema_version %s is not supported for %s (supported: %d)", clip(string(version)), t, currentVersion(t))
	}
	e.SchemaVersion = int(v)
	e.OccurredAt = f.timestamp("occurred_at")
	e.RecordedAt = f.timestamp("recorded_at")
	srcRaw := f.object("source")
	e.UnitCode = f.unitCode("unit_code", true)
	payload := f.object("payload")
	e.Corrects = f.eventID("corrects", false)
	if f.err != nil {
		return e, f.err
	}

	s := &d.src
	s.path, s.err = "source.", nil
	s.load(srcRaw)
	e.Source.Level = s.enum("level", levels)
	e.Source.UnitCode = s.unitCode("unit_code", true)
	e.Source.System = s.ident("system")
	if s.err != nil {
		return e, s.err
	}

	payload, rej := upcast(t, e.SchemaVersion, payload)
	if rej != nil {
		return e, rej
	}
	e.RawPayload = payload
	p := &d.pay
	p.path, p.err = "payload.", nil
	p.load(payload)
	e.Payload = decodePayload(t, p)
	if p.err != nil {
		return e, p.err
	}
	e.Unknown = p.unknown()
	if bd, ok := e.Payload.(businessDater); ok {
		e.BusinessDate = bd.businessDate()
	} else {
		e.BusinessDate = DateOf(e.OccurredAt)
	}
	return e, nil
}

// decodePayload reads the payload of type t from p. Cross-field rules come after the fields they
// compare, so a missing field is reported as missing rather than as a broken comparison.
func decodePayload(t Type, p *fields) Payload {
	switch t {
	case AdminUnitRegistered:
		var x AdminUnitRegisteredPayload
		x.Code = p.unitCode("code", true)
		x.Name = p.text("name")
		x.Level = p.enum("level", levels)
		x.Kind = p.enum("kind", unitKinds)
		parent, present := p.rawString("parent_code", false)
		x.Flags = p.enumList("flags", unitFlags, false, false)
		if p.err == nil {
			switch {
			case x.Level == "province" && present:
				p.fail(BadValue, "parent_code", "must be null for the province")
			case x.Level != "province" && !present:
				p.fail(MissingField, "parent_code", "is required for a %s (null only for the province)", x.Level)
			case present:
				p.checkUnitCode("parent_code", parent)
			}
		}
		x.ParentCode = parent
		return x
	case AdminUnitRenamed:
		return AdminUnitRenamedPayload{Code: p.unitCode("code", true), NewName: p.text("new_name")}
	case AdminUnitMerged:
		var x AdminUnitMergedPayload
		x.FromCodes = p.stringList("from_codes", true, true, p.checkUnitCode)
		x.IntoCode = p.unitCode("into_code", true)
		x.IntoName = p.text("into_name")
		x.IntoKind = p.enum("into_kind", unitKinds)
		x.ParentCode = p.unitCode("parent_code", true)
		return x
	case DossierCompleted:
		var x DossierCompletedPayload
		x.DossierID = p.ident("dossier_id")
		x.Level = p.enum("level", govLevels)
		x.ProcessedOnline = p.boolean("processed_online")
		x.ReceivedAt = p.timestamp("received_at")
		x.CompletedAt = p.timestamp("completed_at")
		if p.err == nil && x.CompletedAt.Before(x.ReceivedAt) {
			p.fail(BadValue, "completed_at", "must not be before payload.received_at")
		}
		return x
	case CriterionAssessed:
		var x CriterionAssessedPayload
		x.CriteriaSet = p.enum("criteria_set", criteriaSets)
		x.Criterion = p.enum("criterion", criteria)
		x.Indicator = p.text("indicator")
		x.Met = p.boolean("met")
		x.AssessedOn = p.date("assessed_on")
		x.DecisionRef = p.optText("decision_ref")
		if p.err == nil && !validIndicator(x.Criterion, x.Indicator) {
			p.fail(BadValue, "indicator", "must start with the criterion %q and a dot, like \"%s.1\", got %q", x.Criterion, x.Criterion, clip(x.Indicator))
		}
		return x
	case ManagerRegistered:
		return ManagerRegisteredPayload{PersonRef: p.ident("person_ref"), Role: p.text("role"), Level: p.enum("level", govLevels)}
	case ManagerDeparted:
		return ManagerDepartedPayload{PersonRef: p.ident("person_ref")}
	case TrainingCompleted:
		var x TrainingCompletedPayload
		x.PersonRef = p.ident("person_ref")
		x.CourseCode = p.text("course_code")
		x.Topic = p.enum("topic", trainTopics)
		x.Hours = p.positive("hours")
		x.CompletedOn = p.date("completed_on")
		return x
	case CooperativeRegistered:
		return CooperativeRegisteredPayload{CoopID: p.ident("coop_id"), Name: p.text("name"), Sector: p.text("sector")}
	case CooperativeDissolved:
		return CooperativeDissolvedPayload{CoopID: p.ident("coop_id")}
	case CooperativeDigitalAdopted:
		return CooperativeDigitalAdoptedPayload{CoopID: p.ident("coop_id"), Technologies: p.enumList("technologies", technologies, true, true)}
	case LinkageModelRegistered:
		var x LinkageModelRegisteredPayload
		x.ModelID = p.ident("model_id")
		x.Name = p.text("name")
		x.KeyProduct = p.text("key_product")
		x.RawMaterialArea = p.boolean("raw_material_area")
		return x
	case LinkageModelDigitalAdopted:
		return LinkageModelDigitalAdoptedPayload{ModelID: p.ident("model_id"), Technologies: p.enumList("technologies", technologies, true, true)}
	case OCOPProductRated:
		var x OCOPProductRatedPayload
		x.ProductID = p.ident("product_id")
		x.Name = p.text("name")
		x.Category = p.text("category")
		x.Stars = p.integer("stars", 3, 5)
		return x
	case RawMaterialAreaRegistered:
		var x RawMaterialAreaRegisteredPayload
		x.AreaCode = p.ident("area_code")
		x.Product = p.text("product")
		x.Hectares = p.positive("hectares")
		x.Latitude = p.coordinate("latitude", minLat, maxLat)
		x.Longitude = p.coordinate("longitude", minLon, maxLon)
		return x
	case OnlineServiceLaunched:
		return OnlineServiceLaunchedPayload{ServiceID: p.ident("service_id"), Domain: p.enum("domain", domains), Name: p.text("name")}
	case OnlineServiceWithdrawn:
		return OnlineServiceWithdrawnPayload{ServiceID: p.ident("service_id")}
	case SurveyConducted:
		var x SurveyConductedPayload
		x.SurveyID = p.ident("survey_id")
		x.Topic = p.enum("topic", surveyTopics)
		x.Channel = p.enum("channel", channels)
		x.OpenedOn = p.date("opened_on")
		x.ClosedOn = p.date("closed_on")
		if p.err == nil && x.ClosedOn < x.OpenedOn {
			p.fail(BadValue, "closed_on", "must not be before payload.opened_on")
		}
		return x
	case SurveyResponse:
		return SurveyResponsePayload{SurveyID: p.ident("survey_id"), Satisfaction: p.integer("satisfaction", 1, 5)}
	case SmartModelRegistered:
		var x SmartModelRegisteredPayload
		x.ModelID = p.ident("model_id")
		x.Name = p.text("name")
		x.Field = p.enum("field", modelFields)
		x.Scope = p.enum("scope", modelScopes)
		return x
	case SmartModelApproved:
		return SmartModelApprovedPayload{ModelID: p.ident("model_id"), DecisionRef: p.text("decision_ref")}
	case TourismSiteRegistered:
		var x TourismSiteRegisteredPayload
		x.SiteID = p.ident("site_id")
		x.Name = p.text("name")
		x.Kind = p.enum("kind", siteKinds)
		x.Latitude = p.coordinate("latitude", minLat, maxLat)
		x.Longitude = p.coordinate("longitude", minLon, maxLon)
		return x
	case HouseholdSurveyRecorded:
		var x HouseholdSurveyRecordedPayload
		x.Households = p.integer("households", 0, maxInt)
		x.WithSmartphone = p.integer("with_smartphone", 0, maxInt)
		x.WithFixedBroadband = p.integer("with_fixed_broadband", 0, maxInt)
		if p.err == nil && x.WithSmartphone > x.Households {
			p.fail(BadValue, "with_smartphone", "must not exceed payload.households (%d), got %d", x.Households, x.WithSmartphone)
		}
		if p.err == nil && x.WithFixedBroadband > x.Households {
			p.fail(BadValue, "with_fixed_broadband", "must not exceed payload.households (%d), got %d", x.Households, x.WithFixedBroadband)
		}
		return x
	case ConnectivityReported:
		return ConnectivityReportedPayload{FixedBroadband: p.boolean("fixed_broadband"), Mobile4G: p.boolean("mobile_4g"), Mobile5G: p.boolean("mobile_5g")}
	case WifiHotspotInstalled:
		return WifiHotspotInstalledPayload{HotspotID: p.ident("hotspot_id"), Site: p.enum("site", hotspotSites), Free: p.boolean("free")}
	case FundingAllocated:
		return FundingAllocatedPayload{decodeFunding(p)}
	case FundingDisbursed:
		return FundingDisbursedPayload{decodeFunding(p)}
	case EventRetracted:
		return EventRetractedPayload{EventID: p.eventID("event_id", true), Reason: p.text("reason")}
	}
	panic("BUG: no payload decoder for " + t.String())
}

func decodeFunding(p *fields) FundingPayload {
	var x FundingPayload
	x.FiscalYear = p.integer("fiscal_year", 2021, 2030)
	x.Source = p.enum("source", fundSources)
	x.Task = p.enum("task", fundTasks)
	x.AmountVND = p.integer("amount_vnd", 0, maxInt)
	return x
}

// validIndicator reports whether indicator is the criterion, a dot, and at least one more
// character ("8.4" for criterion "8").
func validIndicator(criterion, indicator string) bool {
	return len(indicator) > len(criterion)+1 && len(indicator) <= 64 &&
		indicator[:len(criterion)] == criterion && indicator[len(criterion)] == '.'
}
