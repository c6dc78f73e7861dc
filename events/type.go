package events

// Type is an event type of contract v1. The zero value is not a type.
type Type uint8

// The 28 event types of contract v1, in the order of EVENTS.md.
const (
	AdminUnitRegistered Type = iota + 1
	AdminUnitRenamed
	AdminUnitMerged
	DossierCompleted
	CriterionAssessed
	ManagerRegistered
	ManagerDeparted
	TrainingCompleted
	CooperativeRegistered
	CooperativeDissolved
	CooperativeDigitalAdopted
	LinkageModelRegistered
	LinkageModelDigitalAdopted
	OCOPProductRated
	RawMaterialAreaRegistered
	OnlineServiceLaunched
	OnlineServiceWithdrawn
	SurveyConducted
	SurveyResponse
	SmartModelRegistered
	SmartModelApproved
	TourismSiteRegistered
	HouseholdSurveyRecorded
	ConnectivityReported
	WifiHotspotInstalled
	FundingAllocated
	FundingDisbursed
	EventRetracted

	numTypes = int(EventRetracted)
)

var typeNames = [...]string{
	AdminUnitRegistered:        "admin_unit.registered",
	AdminUnitRenamed:           "admin_unit.renamed",
	AdminUnitMerged:            "admin_unit.merged",
	DossierCompleted:           "dossier.completed",
	CriterionAssessed:          "criterion.assessed",
	ManagerRegistered:          "manager.registered",
	ManagerDeparted:            "manager.departed",
	TrainingCompleted:          "training.completed",
	CooperativeRegistered:      "cooperative.registered",
	CooperativeDissolved:       "cooperative.dissolved",
	CooperativeDigitalAdopted:  "cooperative.digital_adopted",
	LinkageModelRegistered:     "linkage_model.registered",
	LinkageModelDigitalAdopted: "linkage_model.digital_adopted",
	OCOPProductRated:           "ocop.product_rated",
	RawMaterialAreaRegistered:  "raw_material_area.registered",
	OnlineServiceLaunched:      "online_service.launched",
	OnlineServiceWithdrawn:     "online_service.withdrawn",
	SurveyConducted:            "survey.conducted",
	SurveyResponse:             "survey.response",
	SmartModelRegistered:       "smart_model.registered",
	SmartModelApproved:         "smart_model.approved",
	TourismSiteRegistered:      "tourism_site.registered",
	HouseholdSurveyRecorded:    "household_survey.recorded",
	ConnectivityReported:       "connectivity.reported",
	WifiHotspotInstalled:       "wifi_hotspot.installed",
	FundingAllocated:           "funding.allocated",
	FundingDisbursed:           "funding.disbursed",
	EventRetracted:             "event.retracted",
}

// String returns the contract's name of the type, e.g. "dossier.completed".
func (t Type) String() string {
	if t == 0 || int(t) > numTypes {
		return "unknown"
	}
	return typeNames[t]
}

// ViewName is the type's name with '.' replaced by '_', as the warehouse's views are named.
func (t Type) ViewName() string {
	b := []byte(t.String())
	for i, c := range b {
		if c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}

// Valid reports whether t is one of the contract's types.
func (t Type) Valid() bool { return t >= AdminUnitRegistered && int(t) <= numTypes }

// Types returns every type of the contract in order.
func Types() []Type {
	ts := make([]Type, 0, numTypes)
	for t := AdminUnitRegistered; int(t) <= numTypes; t++ {
		ts = append(ts, t)
	}
	return ts
}

// ParseType returns the type named s.
func ParseType(s string) (Type, bool) {
	return typeOf([]byte(s))
}

func typeOf(b []byte) (Type, bool) {
	for t := AdminUnitRegistered; int(t) <= numTypes; t++ {
		if typeNames[t] == string(b) {
			return t, true
		}
	}
	return 0, false
}
