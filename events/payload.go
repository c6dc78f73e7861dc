package events

import "time"

// Payload is the typed payload of one event type. Its concrete type is one of the structs below,
// named after the event type; Type reports which.
type Payload interface {
	Type() Type
}

// businessDater is implemented by the payloads that name their own business date.
type businessDater interface {
	businessDate() Date
}

// AdminUnitRegisteredPayload registers a unit; it is effective from the event's business date.
type AdminUnitRegisteredPayload struct {
	Code       string   // the unit's code
	Name       string   // its name without the kind prefix
	Level      string   // province, district, commune or village
	Kind       string   // tỉnh, thành phố, thị xã, huyện, phường, xã, thị trấn, thôn, bản, tổ dân phố, khu phố
	ParentCode string   // empty only for the province
	Flags      []string // mountainous, ethnic_minority_extremely_difficult, coastal_extremely_difficult, poor_district
}

// AdminUnitRenamedPayload renames a unit.
type AdminUnitRenamedPayload struct {
	Code    string
	NewName string
}

// AdminUnitMergedPayload ends FromCodes the day before the business date and starts IntoCode on
// it; IntoCode may be one of FromCodes, which then continues under its new name, kind and parent.
type AdminUnitMergedPayload struct {
	FromCodes  []string
	IntoCode   string
	IntoName   string
	IntoKind   string
	ParentCode string
}

// DossierCompletedPayload is a completed work dossier; its business date is CompletedAt's.
type DossierCompletedPayload struct {
	DossierID       string
	Level           string // province, district or commune
	ProcessedOnline bool
	ReceivedAt      time.Time
	CompletedAt     time.Time
}

// CriterionAssessedPayload is the assessment of one indicator of an NTM criteria set; its business
// date is AssessedOn.
type CriterionAssessedPayload struct {
	CriteriaSet string // commune_ntm, commune_ntm_advanced, district_ntm, district_ntm_advanced
	Criterion   string // "1".."19"
	Indicator   string // e.g. "8.4"
	Met         bool
	AssessedOn  Date
	DecisionRef string // optional
}

// ManagerRegisteredPayload registers a manager working on the programme.
type ManagerRegisteredPayload struct {
	PersonRef string // pseudonymous
	Role      string
	Level     string // province, district or commune
}

// ManagerDepartedPayload ends a manager's work on the programme.
type ManagerDepartedPayload struct {
	PersonRef string
}

// TrainingCompletedPayload is a course a manager completed; its business date is CompletedOn.
type TrainingCompletedPayload struct {
	PersonRef   string
	CourseCode  string
	Topic       string // digital_transformation or other
	Hours       float64
	CompletedOn Date
}

// CooperativeRegisteredPayload registers a cooperative.
type CooperativeRegisteredPayload struct {
	CoopID string
	Name   string
	Sector string
}

// CooperativeDissolvedPayload dissolves a cooperative.
type CooperativeDissolvedPayload struct {
	CoopID string
}

// CooperativeDigitalAdoptedPayload records digital technologies a cooperative applies.
type CooperativeDigitalAdoptedPayload struct {
	CoopID       string
	Technologies []string
}

// LinkageModelRegisteredPayload registers a production-linkage model.
type LinkageModelRegisteredPayload struct {
	ModelID         string
	Name            string
	KeyProduct      string
	RawMaterialArea bool
}

// LinkageModelDigitalAdoptedPayload records digital technologies a linkage model applies.
type LinkageModelDigitalAdoptedPayload struct {
	ModelID      string
	Technologies []string
}

// OCOPProductRatedPayload is an OCOP star rating; the latest rating per product stands.
type OCOPProductRatedPayload struct {
	ProductID string
	Name      string
	Category  string
	Stars     int64 // 3..5
}

// RawMaterialAreaRegisteredPayload registers a raw-material area for the agriculture map.
type RawMaterialAreaRegisteredPayload struct {
	AreaCode  string
	Product   string
	Hectares  float64
	Latitude  float64
	Longitude float64
}

// OnlineServiceLaunchedPayload launches an essential online service.
type OnlineServiceLaunchedPayload struct {
	ServiceID string
	Domain    string
	Name      string
}

// OnlineServiceWithdrawnPayload withdraws an online service.
type OnlineServiceWithdrawnPayload struct {
	ServiceID string
}

// SurveyConductedPayload is a survey; its business date is OpenedOn.
type SurveyConductedPayload struct {
	SurveyID string
	Topic    string // ntm_satisfaction or other
	Channel  string // online or offline
	OpenedOn Date
	ClosedOn Date
}

// SurveyResponsePayload is one anonymous response.
type SurveyResponsePayload struct {
	SurveyID     string
	Satisfaction int64 // 1..5
}

// SmartModelRegisteredPayload registers a smart-NTM pilot model.
type SmartModelRegisteredPayload struct {
	ModelID string
	Name    string
	Field   string
	Scope   string // commune or village
}

// SmartModelApprovedPayload approves a smart-NTM pilot model.
type SmartModelApprovedPayload struct {
	ModelID     string
	DecisionRef string
}

// TourismSiteRegisteredPayload registers a rural-tourism site for the tourism map.
type TourismSiteRegisteredPayload struct {
	SiteID    string
	Name      string
	Kind      string
	Latitude  float64
	Longitude float64
}

// HouseholdSurveyRecordedPayload counts a village's households; the latest per village stands.
type HouseholdSurveyRecordedPayload struct {
	Households         int64
	WithSmartphone     int64
	WithFixedBroadband int64
}

// ConnectivityReportedPayload reports a village's connectivity.
type ConnectivityReportedPayload struct {
	FixedBroadband bool
	Mobile4G       bool
	Mobile5G       bool
}

// WifiHotspotInstalledPayload is an installed Wi-Fi hotspot.
type WifiHotspotInstalledPayload struct {
	HotspotID string
	Site      string // one_stop_shop, cultural_house or tourism_site
	Free      bool
}

// FundingPayload is the payload of funding.allocated and funding.disbursed.
type FundingPayload struct {
	FiscalYear int64
	Source     string
	Task       string
	AmountVND  int64
}

// FundingAllocatedPayload allocates funds to the event's unit.
type FundingAllocatedPayload struct{ FundingPayload }

// FundingDisbursedPayload disburses funds at the event's unit.
type FundingDisbursedPayload struct{ FundingPayload }

// EventRetractedPayload retracts an event and its whole correction chain.
type EventRetractedPayload struct {
	EventID string
	Reason  string
}

func (AdminUnitRegisteredPayload) Type() Type        { return AdminUnitRegistered }
func (AdminUnitRenamedPayload) Type() Type           { return AdminUnitRenamed }
func (AdminUnitMergedPayload) Type() Type            { return AdminUnitMerged }
func (DossierCompletedPayload) Type() Type           { return DossierCompleted }
func (CriterionAssessedPayload) Type() Type          { return CriterionAssessed }
func (ManagerRegisteredPayload) Type() Type          { return ManagerRegistered }
func (ManagerDepartedPayload) Type() Type            { return ManagerDeparted }
func (TrainingCompletedPayload) Type() Type          { return TrainingCompleted }
func (CooperativeRegisteredPayload) Type() Type      { return CooperativeRegistered }
func (CooperativeDissolvedPayload) Type() Type       { return CooperativeDissolved }
func (CooperativeDigitalAdoptedPayload) Type() Type  { return CooperativeDigitalAdopted }
func (LinkageModelRegisteredPayload) Type() Type     { return LinkageModelRegistered }
func (LinkageModelDigitalAdoptedPayload) Type() Type { return LinkageModelDigitalAdopted }
func (OCOPProductRatedPayload) Type() Type           { return OCOPProductRated }
func (RawMaterialAreaRegisteredPayload) Type() Type  { return RawMaterialAreaRegistered }
func (OnlineServiceLaunchedPayload) Type() Type      { return OnlineServiceLaunched }
func (OnlineServiceWithdrawnPayload) Type() Type     { return OnlineServiceWithdrawn }
func (SurveyConductedPayload) Type() Type            { return SurveyConducted }
func (SurveyResponsePayload) Type() Type             { return SurveyResponse }
func (SmartModelRegisteredPayload) Type() Type       { return SmartModelRegistered }
func (SmartModelApprovedPayload) Type() Type         { return SmartModelApproved }
func (TourismSiteRegisteredPayload) Type() Type      { return TourismSiteRegistered }
func (HouseholdSurveyRecordedPayload) Type() Type    { return HouseholdSurveyRecorded }
func (ConnectivityReportedPayload) Type() Type       { return ConnectivityReported }
func (WifiHotspotInstalledPayload) Type() Type       { return WifiHotspotInstalled }
func (FundingAllocatedPayload) Type() Type           { return FundingAllocated }
func (FundingDisbursedPayload) Type() Type           { return FundingDisbursed }
func (EventRetractedPayload) Type() Type             { return EventRetracted }

func (p DossierCompletedPayload) businessDate() Date  { return DateOf(p.CompletedAt) }
func (p CriterionAssessedPayload) businessDate() Date { return p.AssessedOn }
func (p TrainingCompletedPayload) businessDate() Date { return p.CompletedOn }
func (p SurveyConductedPayload) businessDate() Date   { return p.OpenedOn }
