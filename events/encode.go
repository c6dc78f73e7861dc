package events

import (
	"strconv"
	"time"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// AppendJSON appends e as one contract-v1 JSON object (no trailing newline) to dst. Timestamps
// are written in their own location's offset ("Z" for UTC); the payload's unknown members named
// in e.Unknown are copied from e.RawPayload, so decoding and encoding keep them.
func AppendJSON(dst []byte, e *Event) []byte {
	w := objWriter{b: append(dst, '{')}
	w.str("event_id", e.ID)
	w.str("event_type", e.Type.String())
	version := e.SchemaVersion
	if version == 0 {
		version = currentVersion(e.Type)
	}
	w.int("schema_version", int64(version))
	w.time("occurred_at", e.OccurredAt)
	w.time("recorded_at", e.RecordedAt)
	w.key("source")
	src := objWriter{b: append(w.b, '{')}
	src.str("level", e.Source.Level)
	src.str("unit_code", e.Source.UnitCode)
	src.str("system", e.Source.System)
	w.b = append(src.b, '}')
	w.str("unit_code", e.UnitCode)
	if e.Corrects != "" {
		w.str("corrects", e.Corrects)
	}
	w.key("payload")
	p := objWriter{b: append(w.b, '{')}
	appendPayload(&p, e.Payload)
	if len(e.Unknown) > 0 && len(e.RawPayload) > 0 {
		var f fields
		f.load(e.RawPayload)
		for _, name := range e.Unknown {
			for _, m := range f.members {
				if string(m.key) == name {
					p.key(name)
					p.b = append(p.b, m.val...)
				}
			}
		}
	}
	w.b = append(p.b, '}')
	return append(w.b, '}')
}

func appendPayload(w *objWriter, p Payload) {
	switch x := p.(type) {
	case AdminUnitRegisteredPayload:
		w.str("code", x.Code)
		w.str("name", x.Name)
		w.str("level", x.Level)
		w.str("kind", x.Kind)
		if x.ParentCode == "" {
			w.key("parent_code")
			w.b = append(w.b, "null"...)
		} else {
			w.str("parent_code", x.ParentCode)
		}
		if len(x.Flags) > 0 {
			w.strs("flags", x.Flags)
		}
	case AdminUnitRenamedPayload:
		w.str("code", x.Code)
		w.str("new_name", x.NewName)
	case AdminUnitMergedPayload:
		w.strs("from_codes", x.FromCodes)
		w.str("into_code", x.IntoCode)
		w.str("into_name", x.IntoName)
		w.str("into_kind", x.IntoKind)
		w.str("parent_code", x.ParentCode)
	case DossierCompletedPayload:
		w.str("dossier_id", x.DossierID)
		w.str("level", x.Level)
		w.bool("processed_online", x.ProcessedOnline)
		w.time("received_at", x.ReceivedAt)
		w.time("completed_at", x.CompletedAt)
	case CriterionAssessedPayload:
		w.str("criteria_set", x.CriteriaSet)
		w.str("criterion", x.Criterion)
		w.str("indicator", x.Indicator)
		w.bool("met", x.Met)
		w.date("assessed_on", x.AssessedOn)
		if x.DecisionRef != "" {
			w.str("decision_ref", x.DecisionRef)
		}
	case ManagerRegisteredPayload:
		w.str("person_ref", x.PersonRef)
		w.str("role", x.Role)
		w.str("level", x.Level)
	case ManagerDepartedPayload:
		w.str("person_ref", x.PersonRef)
	case TrainingCompletedPayload:
		w.str("person_ref", x.PersonRef)
		w.str("course_code", x.CourseCode)
		w.str("topic", x.Topic)
		w.float("hours", x.Hours)
		w.date("completed_on", x.CompletedOn)
	case CooperativeRegisteredPayload:
		w.str("coop_id", x.CoopID)
		w.str("name", x.Name)
		w.str("sector", x.Sector)
	case CooperativeDissolvedPayload:
		w.str("coop_id", x.CoopID)
	case CooperativeDigitalAdoptedPayload:
		w.str("coop_id", x.CoopID)
		w.strs("technologies", x.Technologies)
	case LinkageModelRegisteredPayload:
		w.str("model_id", x.ModelID)
		w.str("name", x.Name)
		w.str("key_product", x.KeyProduct)
		w.bool("raw_material_area", x.RawMaterialArea)
	case LinkageModelDigitalAdoptedPayload:
		w.str("model_id", x.ModelID)
		w.strs("technologies", x.Technologies)
	case OCOPProductRatedPayload:
		w.str("product_id", x.ProductID)
		w.str("name", x.Name)
		w.str("category", x.Category)
		w.int("stars", x.Stars)
	case RawMaterialAreaRegisteredPayload:
		w.str("area_code", x.AreaCode)
		w.str("product", x.Product)
		w.float("hectares", x.Hectares)
		w.float("latitude", x.Latitude)
		w.float("longitude", x.Longitude)
	case OnlineServiceLaunchedPayload:
		w.str("service_id", x.ServiceID)
		w.str("domain", x.Domain)
		w.str("name", x.Name)
	case OnlineServiceWithdrawnPayload:
		w.str("service_id", x.ServiceID)
	case SurveyConductedPayload:
		w.str("survey_id", x.SurveyID)
		w.str("topic", x.Topic)
		w.str("channel", x.Channel)
		w.date("opened_on", x.OpenedOn)
		w.date("closed_on", x.ClosedOn)
	case SurveyResponsePayload:
		w.str("survey_id", x.SurveyID)
		w.int("satisfaction", x.Satisfaction)
	case SmartModelRegisteredPayload:
		w.str("model_id", x.ModelID)
		w.str("name", x.Name)
		w.str("field", x.Field)
		w.str("scope", x.Scope)
	case SmartModelApprovedPayload:
		w.str("model_id", x.ModelID)
		w.str("decision_ref", x.DecisionRef)
	case TourismSiteRegisteredPayload:
		w.str("site_id", x.SiteID)
		w.str("name", x.Name)
		w.str("kind", x.Kind)
		w.float("latitude", x.Latitude)
		w.float("longitude", x.Longitude)
	case HouseholdSurveyRecordedPayload:
		w.int("households", x.Households)
		w.int("with_smartphone", x.WithSmartphone)
		w.int("with_fixed_broadband", x.WithFixedBroadband)
	case ConnectivityReportedPayload:
		w.bool("fixed_broadband", x.FixedBroadband)
		w.bool("mobile_4g", x.Mobile4G)
		w.bool("mobile_5g", x.Mobile5G)
	case WifiHotspotInstalledPayload:
		w.str("hotspot_id", x.HotspotID)
		w.str("site", x.Site)
		w.bool("free", x.Free)
	case FundingAllocatedPayload:
		appendFunding(w, x.FundingPayload)
	case FundingDisbursedPayload:
		appendFunding(w, x.FundingPayload)
	case EventRetractedPayload:
		w.str("event_id", x.EventID)
		w.str("reason", x.Reason)
	default:
		panic("BUG: no payload encoder for " + p.Type().String())
	}
}

func appendFunding(w *objWriter, x FundingPayload) {
	w.int("fiscal_year", x.FiscalYear)
	w.str("source", x.Source)
	w.str("task", x.Task)
	w.int("amount_vnd", x.AmountVND)
}

// objWriter appends the members of one JSON object; the caller writes the braces.
type objWriter struct {
	b []byte
	n int
}

func (w *objWriter) key(k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *objWriter) str(k, v string) {
	w.key(k)
	w.b = jsonx.AppendQuotedString(w.b, v)
}

func (w *objWriter) strs(k string, vs []string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = jsonx.AppendQuotedString(w.b, v)
	}
	w.b = append(w.b, ']')
}

func (w *objWriter) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *objWriter) float(k string, v float64) {
	w.key(k)
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
}

func (w *objWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *objWriter) date(k string, d Date) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = d.AppendFormat(w.b)
	w.b = append(w.b, '"')
}

func (w *objWriter) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendTimestamp(w.b, t)
	w.b = append(w.b, '"')
}
