// Package schema is the contract's field table: every event type, its payload fields, the rule
// each field's value obeys, and the warehouse column it fills. It is the one place a payload
// field is declared. `go generate ./events/` turns it into the payload structs, the payload
// decoder and encoder of package events and the Arrow batch builders of warehouse/batch; the
// warehouse derives the events_log columns from it when it opens, and adds the columns a new
// field brings to an existing table.
//
// Adding an optional field to a type is a line in Types (with Doc when the column is new) and
// `go generate ./events/`. A required field, or a changed rule, is a new schema version of the
// type with an upcaster (see events/upcast.go), since events already sent must stay valid.
package schema

// Rule is how a field's JSON value is read and judged. It also fixes the field's Go type and
// the type of its warehouse column.
type Rule uint8

// The rules. Each names the judge in events/fields.go that applies it.
const (
	Text         Rule = iota + 1 // a non-empty string of at most 512 characters
	OptText                      // Text, or absent or null (kept as "")
	Ident                        // an identifier: letters, digits, '-', '_', '.', ':', '/'
	UnitCode                     // an administrative unit code of the official list's shape
	OptUnitCode                  // UnitCode, or absent or null (kept as "", written as null)
	EventID                      // an event_id of the envelope's shape
	Enum                         // one of the values of the list Values names
	EnumList                     // a list of distinct values of the list Values names
	UnitCodeList                 // a non-empty list of distinct unit codes
	Bool                         // true or false
	Int                          // an integer in [Min, Max]
	Positive                     // a finite number greater than zero
	Coordinate                   // a finite number in [Min, Max]
	Date                         // a local date, YYYY-MM-DD
	Timestamp                    // an RFC 3339 timestamp with an offset
	Fraction                     // a finite number greater than zero and at most one
	// ObjectList is a list of at least MinItems objects, each with the members Items declares.
	// It has no column of its own: each item field fills a list column (its Column), holding
	// that member of every object in the list's order, so the lists of one row are parallel.
	ObjectList
)

// Storage is the type a field has in Go and in the warehouse.
type Storage uint8

// The storage types: a Go string, []string, bool, int64, float64, events.Date, time.Time or
// []float64, and the Iceberg string, list<string>, boolean, long, double, date, timestamptz or
// list<double>.
const (
	String Storage = iota + 1
	StringList
	Boolean
	Int64
	Float64
	LocalDate
	Instant
	Float64List
)

// Storage is the storage type of the rule's values. An ObjectList has none: its item fields
// are stored (see Field.Columns).
func (r Rule) Storage() Storage {
	switch r {
	case EnumList, UnitCodeList:
		return StringList
	case Bool:
		return Boolean
	case Int:
		return Int64
	case Positive, Coordinate, Fraction:
		return Float64
	case Date:
		return LocalDate
	case Timestamp:
		return Instant
	case ObjectList:
		return 0
	}
	return String
}

// List is the storage of a list of values of storage s: the column of an item field of an
// ObjectList. It is zero for the storages that have no list form.
func (s Storage) List() Storage {
	switch s {
	case String:
		return StringList
	case Float64:
		return Float64List
	}
	return 0
}

// Nullable reports whether an absent value of the rule is stored as null rather than a value.
func (r Rule) Nullable() bool { return r == OptText || r == OptUnitCode }

// Field is one payload field of a type.
type Field struct {
	Name   string // the JSON member
	Go     string // the Go struct field
	Column string // the events_log column; Name when empty
	Rule   Rule
	Values string  // Enum, EnumList: the key in Lists of the allowed values
	Min    float64 // Int, Coordinate: the least value allowed
	Max    float64 // Int, Coordinate, Positive: the greatest value allowed
	// Optional marks an EnumList that may be absent or empty (OptText and OptUnitCode are
	// optional by their rule; every other field is required).
	Optional bool
	// Doc describes the column, in English with the Vietnamese term. A column filled by several
	// types is described once, on one of its fields; the others leave Doc empty.
	Doc string
	// Comment is the Go field's comment, when the name alone does not say enough.
	Comment string
	// Entity names the kind of entity the field identifies (a cooperative, a survey, ...), for
	// the gateway's ownership check: an entity belongs to the unit that registered it.
	Entity string
	// Item is an ObjectList's Go struct of one object, Items the object's members, each with the
	// list column it fills, and MinItems the fewest objects the list may hold.
	Item     string
	Items    []Field
	MinItems int
}

// ColumnName is the events_log column the field fills; an ObjectList fills its items' columns.
func (f Field) ColumnName() string {
	if f.Column != "" {
		return f.Column
	}
	return f.Name
}

// Columns are the events_log columns the field fills, with their storage and description (Types
// left empty): the field's own column, or, for an ObjectList, one list column per item field.
func (f Field) Columns() []Column {
	if f.Rule != ObjectList {
		return []Column{{Name: f.ColumnName(), Storage: f.Rule.Storage(), Doc: f.Doc}}
	}
	cols := make([]Column, len(f.Items))
	for i, it := range f.Items {
		cols[i] = Column{Name: it.ColumnName(), Storage: it.Rule.Storage().List(), Doc: it.Doc}
	}
	return cols
}

// Required reports whether the field must be present and not null.
func (f Field) Required() bool {
	return !f.Rule.Nullable() && !f.Optional
}

// Type is one event type of the contract.
type Type struct {
	Name    string // the contract's name, e.g. "dossier.completed"
	Go      string // the Go name: the Type constant, and the payload struct with "Payload" after it
	Doc     string // the payload struct's comment, after its name
	Version int    // the current schema version
	// BusinessDate names the Date or Timestamp field that gives the event's business date; empty
	// when the business date is the local date of occurred_at.
	BusinessDate string
	// Check marks a type with rules across its fields, written by hand as the method check of
	// its payload struct in events/check.go; the decoder calls it after the fields.
	Check bool
	// Registers names the entity kind an event of the type registers (its Entity field says
	// which id): the unit_code of the first registration owns the id.
	Registers string
	Fields    []Field
}

// MaxInt is the greatest int64.
const MaxInt = float64(1<<63 - 1)

// Plausibility bounds (EVENTS.md, "Bounds"): a value past one is a typing or unit error, or an
// attack, never a fact of one commune. They also keep every sum of the warehouse far from
// overflow: 10^15 VND per event leaves room for 9,000 events at the bound in an INT64 sum, and
// the indicators sum in HUGEINT anyway.
const (
	MaxVND = 1e15 // VND in one allocation or disbursement (a million billion đồng)
	// MaxHouseholds bounds the households counted in one report: Thanh Hóa has about a million, so
	// five million is never a fact (a test fixture counts two million to check the rounding).
	MaxHouseholds = 5000000
)

// Vietnam's bounding box bounds every latitude and longitude.
const (
	MinLat, MaxLat = 8.0, 24.0
	MinLon, MaxLon = 102.0, 110.0
)

// Lists are the allowed values of the contract's enumerations, by name.
var Lists = map[string][]string{
	"levels":        {"province", "district", "commune", "village"},
	"gov_levels":    {"province", "district", "commune"},
	"unit_kinds":    {"tỉnh", "thành phố", "thị xã", "huyện", "phường", "xã", "thị trấn", "thôn", "bản", "tổ dân phố", "khu phố"},
	"unit_flags":    {"mountainous", "ethnic_minority_extremely_difficult", "coastal_extremely_difficult", "poor_district"},
	"criteria_sets": {"commune_ntm", "commune_ntm_advanced", "district_ntm", "district_ntm_advanced"},
	"criteria":      {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19"},
	"train_topics":  {"digital_transformation", "other"},
	"technologies":  {"ecommerce", "traceability", "digital_payment", "management_software", "iot_production", "online_marketing"},
	"domains":       {"health", "education", "community_monitoring", "security_order", "environment", "culture", "electricity", "water"},
	"survey_topics": {"ntm_satisfaction", "other"},
	"channels":      {"online", "offline"},
	"model_fields":  {"security_order", "economy", "rural_tourism", "environment", "culture", "education", "health", "other"},
	"model_scopes":  {"commune", "village"},
	"site_kinds":    {"community_tourism", "eco", "cultural_heritage", "craft_village", "agritourism"},
	"hotspot_sites": {"one_stop_shop", "cultural_house", "tourism_site"},
	"fund_sources":  {"central_budget", "province_budget", "district_budget", "commune_budget", "socialized", "integrated_programs", "other"},
	"fund_tasks":    {"communication_training", "digital_government", "digital_economy", "digital_society", "digital_infrastructure_data", "policy", "pilot_models", "management"},
}

// funding is the payload of funding.allocated and funding.disbursed.
var funding = []Field{
	{Name: "fiscal_year", Go: "FiscalYear", Rule: Int, Min: 2021, Max: 2030, Doc: "Fiscal year (năm ngân sách)"},
	{Name: "source", Go: "Source", Rule: Enum, Values: "fund_sources", Doc: "Funding source (nguồn vốn)"},
	{Name: "task", Go: "Task", Rule: Enum, Values: "fund_tasks", Doc: "Funded task (nhiệm vụ)"},
	{Name: "amount_vnd", Go: "AmountVND", Rule: Int, Min: 0, Max: MaxVND, Doc: "Amount in VND (số tiền, đồng)"},
}

// Types are the 30 types of the contract, in the order of EVENTS.md: the 28 of contract v1, and
// admin_unit.dissolved and admin_unit.split of contract v2, which the 2025 reorganization needs
// and which exist at version 2 only. The order numbers the events.Type constants.
var Types = []Type{
	{Name: "admin_unit.registered", Go: "AdminUnitRegistered", Version: 1, Check: true,
		Doc: "registers a unit; it is effective from the event's business date.",
		Fields: []Field{
			{Name: "code", Go: "Code", Rule: UnitCode, Doc: "Unit code (mã đơn vị)", Comment: "the unit's code"},
			{Name: "name", Go: "Name", Rule: Text, Doc: "Name (tên)", Comment: "its name without the kind prefix"},
			{Name: "level", Go: "Level", Rule: Enum, Values: "levels", Doc: "Level (cấp)"},
			{Name: "kind", Go: "Kind", Rule: Enum, Values: "unit_kinds", Doc: "Kind (loại hình)"},
			{Name: "parent_code", Go: "ParentCode", Rule: OptUnitCode, Doc: "Parent unit code (mã đơn vị cấp trên)", Comment: "empty only for the province"},
			{Name: "flags", Go: "Flags", Rule: EnumList, Values: "unit_flags", Optional: true, Doc: "Unit flags (đặc điểm đơn vị)"},
		}},
	{Name: "admin_unit.renamed", Go: "AdminUnitRenamed", Version: 1,
		Doc: "renames a unit.",
		Fields: []Field{
			{Name: "code", Go: "Code", Rule: UnitCode},
			{Name: "new_name", Go: "NewName", Rule: Text, Doc: "New unit name (tên mới)"},
		}},
	{Name: "admin_unit.merged", Go: "AdminUnitMerged", Version: 1,
		Doc: "ends FromCodes the day before the business date and starts IntoCode on it; IntoCode may be one of FromCodes, which then continues under its new name, kind and parent.",
		Fields: []Field{
			{Name: "from_codes", Go: "FromCodes", Rule: UnitCodeList, Doc: "Merged unit codes (mã các đơn vị sáp nhập)"},
			{Name: "into_code", Go: "IntoCode", Rule: UnitCode, Doc: "Resulting unit code (mã đơn vị sau sáp nhập)"},
			{Name: "into_name", Go: "IntoName", Rule: Text, Doc: "Resulting unit name (tên đơn vị sau sáp nhập)"},
			{Name: "into_kind", Go: "IntoKind", Rule: Enum, Values: "unit_kinds", Doc: "Resulting unit kind (loại hình đơn vị sau sáp nhập)"},
			{Name: "parent_code", Go: "ParentCode", Rule: UnitCode},
		}},
	{Name: "admin_unit.dissolved", Go: "AdminUnitDissolved", Version: 2,
		Doc: "ends a unit the day before the business date; the units below it that still exist hang directly under the province from that date, so a level of government can be abolished as data.",
		Fields: []Field{
			{Name: "code", Go: "Code", Rule: UnitCode},
		}},
	{Name: "admin_unit.split", Go: "AdminUnitSplit", Version: 2, Check: true,
		Doc: "ends FromCode the day before the business date and divides it between the units of Into, each of which starts on it (or continues, when it exists already). The shares are recorded for area and population reporting; facts are never divided.",
		Fields: []Field{
			{Name: "from_code", Go: "FromCode", Rule: UnitCode, Doc: "Split unit code (mã đơn vị bị chia tách)"},
			{Name: "into", Go: "Into", Rule: ObjectList, Item: "SplitPart", MinItems: 2, Comment: "at least two parts, whose shares sum to 1",
				Items: []Field{
					{Name: "code", Go: "Code", Column: "into_codes", Rule: UnitCode, Doc: "Codes of the units a split unit went to, in the order of the event (mã các đơn vị nhận phần chia tách)"},
					{Name: "name", Go: "Name", Column: "into_names", Rule: Text, Doc: "Names of the receiving units, parallel to into_codes (tên các đơn vị nhận)"},
					{Name: "kind", Go: "Kind", Column: "into_kinds", Rule: Enum, Values: "unit_kinds", Doc: "Kinds of the receiving units, parallel to into_codes (loại hình các đơn vị nhận)"},
					{Name: "parent_code", Go: "ParentCode", Column: "into_parent_codes", Rule: UnitCode, Doc: "Parent codes of the receiving units, parallel to into_codes (mã đơn vị cấp trên của các đơn vị nhận)"},
					{Name: "share", Go: "Share", Column: "into_shares", Rule: Fraction, Doc: "Share of the split unit each receiving unit took, in (0, 1], parallel to into_codes (tỷ lệ phần chia tách)", Comment: "in (0, 1]"},
				}},
		}},
	{Name: "dossier.completed", Go: "DossierCompleted", Version: 1, Registers: "dossier", BusinessDate: "completed_at", Check: true,
		Doc: "is a completed work dossier; its business date is CompletedAt's.",
		Fields: []Field{
			{Name: "dossier_id", Go: "DossierID", Rule: Ident, Doc: "Dossier identifier (mã hồ sơ)", Entity: "dossier"},
			{Name: "level", Go: "Level", Rule: Enum, Values: "gov_levels"},
			{Name: "processed_online", Go: "ProcessedOnline", Rule: Bool, Doc: "Processed online (xử lý trực tuyến)"},
			{Name: "received_at", Go: "ReceivedAt", Rule: Timestamp, Doc: "Dossier received (thời điểm tiếp nhận)"},
			{Name: "completed_at", Go: "CompletedAt", Rule: Timestamp, Doc: "Dossier completed (thời điểm hoàn thành)"},
		}},
	{Name: "criterion.assessed", Go: "CriterionAssessed", Version: 1, BusinessDate: "assessed_on", Check: true,
		Doc: "is the assessment of one indicator of an NTM criteria set; its business date is AssessedOn.",
		Fields: []Field{
			{Name: "criteria_set", Go: "CriteriaSet", Rule: Enum, Values: "criteria_sets", Doc: "Criteria set (bộ tiêu chí)"},
			{Name: "criterion", Go: "Criterion", Rule: Enum, Values: "criteria", Doc: "Criterion number (tiêu chí)", Comment: `"1".."19"`},
			{Name: "indicator", Go: "Indicator", Rule: Text, Doc: "Indicator of the criterion (chỉ tiêu)", Comment: `e.g. "8.4"`},
			{Name: "met", Go: "Met", Rule: Bool, Doc: "Met (đạt)"},
			{Name: "assessed_on", Go: "AssessedOn", Rule: Date, Doc: "Assessment date (ngày đánh giá)"},
			{Name: "decision_ref", Go: "DecisionRef", Rule: OptText, Doc: "Decision reference (số quyết định)"},
		}},
	{Name: "manager.registered", Go: "ManagerRegistered", Version: 1, Registers: "manager",
		Doc: "registers a manager working on the programme.",
		Fields: []Field{
			{Name: "person_ref", Go: "PersonRef", Rule: Ident, Doc: "Pseudonymous person reference (mã cán bộ ẩn danh)", Comment: "pseudonymous", Entity: "manager"},
			{Name: "role", Go: "Role", Rule: Text, Doc: "Role (chức vụ)"},
			{Name: "level", Go: "Level", Rule: Enum, Values: "gov_levels"},
		}},
	{Name: "manager.departed", Go: "ManagerDeparted", Version: 1,
		Doc: "ends a manager's work on the programme.",
		Fields: []Field{
			{Name: "person_ref", Go: "PersonRef", Rule: Ident, Entity: "manager"},
		}},
	{Name: "training.completed", Go: "TrainingCompleted", Version: 1, BusinessDate: "completed_on",
		Doc: "is a course a manager completed; its business date is CompletedOn.",
		Fields: []Field{
			{Name: "person_ref", Go: "PersonRef", Rule: Ident, Entity: "manager"},
			{Name: "course_code", Go: "CourseCode", Rule: Text, Doc: "Course code (mã khóa học)"},
			{Name: "topic", Go: "Topic", Rule: Enum, Values: "train_topics", Doc: "Topic (chủ đề)"},
			{Name: "hours", Go: "Hours", Rule: Positive, Max: 1000, Doc: "Training hours (số giờ)"},
			{Name: "completed_on", Go: "CompletedOn", Rule: Date, Doc: "Completion date (ngày hoàn thành)"},
		}},
	{Name: "cooperative.registered", Go: "CooperativeRegistered", Version: 1, Registers: "cooperative",
		Doc: "registers a cooperative.",
		Fields: []Field{
			{Name: "coop_id", Go: "CoopID", Rule: Ident, Doc: "Cooperative identifier (mã hợp tác xã)", Entity: "cooperative"},
			{Name: "name", Go: "Name", Rule: Text},
			{Name: "sector", Go: "Sector", Rule: Text, Doc: "Sector (lĩnh vực)"},
		}},
	{Name: "cooperative.dissolved", Go: "CooperativeDissolved", Version: 1,
		Doc: "dissolves a cooperative.",
		Fields: []Field{
			{Name: "coop_id", Go: "CoopID", Rule: Ident, Entity: "cooperative"},
		}},
	{Name: "cooperative.digital_adopted", Go: "CooperativeDigitalAdopted", Version: 1,
		Doc: "records digital technologies a cooperative applies.",
		Fields: []Field{
			{Name: "coop_id", Go: "CoopID", Rule: Ident, Entity: "cooperative"},
			{Name: "technologies", Go: "Technologies", Rule: EnumList, Values: "technologies", Doc: "Digital technologies adopted (công nghệ số áp dụng)"},
		}},
	{Name: "linkage_model.registered", Go: "LinkageModelRegistered", Version: 1, Registers: "linkage_model",
		Doc: "registers a production-linkage model.",
		Fields: []Field{
			{Name: "model_id", Go: "ModelID", Rule: Ident, Doc: "Model identifier (mã mô hình)", Entity: "linkage_model"},
			{Name: "name", Go: "Name", Rule: Text},
			{Name: "key_product", Go: "KeyProduct", Rule: Text, Doc: "Key product (sản phẩm chủ lực)"},
			{Name: "raw_material_area", Go: "RawMaterialArea", Rule: Bool, Doc: "Linked to a raw-material area (gắn vùng nguyên liệu)"},
		}},
	{Name: "linkage_model.digital_adopted", Go: "LinkageModelDigitalAdopted", Version: 1,
		Doc: "records digital technologies a linkage model applies.",
		Fields: []Field{
			{Name: "model_id", Go: "ModelID", Rule: Ident, Entity: "linkage_model"},
			{Name: "technologies", Go: "Technologies", Rule: EnumList, Values: "technologies"},
		}},
	{Name: "ocop.product_rated", Go: "OCOPProductRated", Version: 1, Registers: "ocop_product",
		Doc: "is an OCOP star rating; the latest rating per product stands.",
		Fields: []Field{
			{Name: "product_id", Go: "ProductID", Rule: Ident, Doc: "OCOP product identifier (mã sản phẩm OCOP)", Entity: "ocop_product"},
			{Name: "name", Go: "Name", Rule: Text},
			{Name: "category", Go: "Category", Rule: Text, Doc: "Product category (nhóm sản phẩm)"},
			{Name: "stars", Go: "Stars", Rule: Int, Min: 3, Max: 5, Doc: "OCOP stars (số sao OCOP)"},
		}},
	{Name: "raw_material_area.registered", Go: "RawMaterialAreaRegistered", Version: 1, Registers: "raw_material_area",
		Doc: "registers a raw-material area for the agriculture map.",
		Fields: []Field{
			{Name: "area_code", Go: "AreaCode", Rule: Ident, Doc: "Raw-material area code (mã vùng nguyên liệu)", Entity: "raw_material_area"},
			{Name: "product", Go: "Product", Rule: Text, Doc: "Product (sản phẩm)"},
			{Name: "hectares", Go: "Hectares", Rule: Positive, Max: 100000, Doc: "Area in hectares (diện tích, ha)"},
			{Name: "latitude", Go: "Latitude", Rule: Coordinate, Min: MinLat, Max: MaxLat, Doc: "WGS84 latitude (vĩ độ)"},
			{Name: "longitude", Go: "Longitude", Rule: Coordinate, Min: MinLon, Max: MaxLon, Doc: "WGS84 longitude (kinh độ)"},
		}},
	{Name: "online_service.launched", Go: "OnlineServiceLaunched", Version: 1, Registers: "online_service",
		Doc: "launches an essential online service.",
		Fields: []Field{
			{Name: "service_id", Go: "ServiceID", Rule: Ident, Doc: "Online service identifier (mã dịch vụ trực tuyến)", Entity: "online_service"},
			{Name: "domain", Go: "Domain", Rule: Enum, Values: "domains", Doc: "Service domain (lĩnh vực dịch vụ)"},
			{Name: "name", Go: "Name", Rule: Text},
		}},
	{Name: "online_service.withdrawn", Go: "OnlineServiceWithdrawn", Version: 1,
		Doc: "withdraws an online service.",
		Fields: []Field{
			{Name: "service_id", Go: "ServiceID", Rule: Ident, Entity: "online_service"},
		}},
	{Name: "survey.conducted", Go: "SurveyConducted", Version: 1, Registers: "survey", BusinessDate: "opened_on", Check: true,
		Doc: "is a survey; its business date is OpenedOn.",
		Fields: []Field{
			{Name: "survey_id", Go: "SurveyID", Rule: Ident, Doc: "Survey identifier (mã khảo sát)", Entity: "survey"},
			{Name: "topic", Go: "Topic", Rule: Enum, Values: "survey_topics"},
			{Name: "channel", Go: "Channel", Rule: Enum, Values: "channels", Doc: "Survey channel (hình thức khảo sát)"},
			{Name: "opened_on", Go: "OpenedOn", Rule: Date, Doc: "Survey opened (ngày mở khảo sát)"},
			{Name: "closed_on", Go: "ClosedOn", Rule: Date, Doc: "Survey closed (ngày đóng khảo sát)"},
		}},
	{Name: "survey.response", Go: "SurveyResponse", Version: 1,
		Doc: "is one anonymous response.",
		Fields: []Field{
			{Name: "survey_id", Go: "SurveyID", Rule: Ident, Entity: "survey"},
			{Name: "satisfaction", Go: "Satisfaction", Rule: Int, Min: 1, Max: 5, Doc: "Satisfaction 1..5 (mức độ hài lòng)"},
		}},
	{Name: "smart_model.registered", Go: "SmartModelRegistered", Version: 1, Registers: "smart_model",
		Doc: "registers a smart-NTM pilot model.",
		Fields: []Field{
			{Name: "model_id", Go: "ModelID", Rule: Ident, Entity: "smart_model"},
			{Name: "name", Go: "Name", Rule: Text},
			{Name: "field", Go: "Field", Rule: Enum, Values: "model_fields", Doc: "Smart-model field (lĩnh vực mô hình)"},
			{Name: "scope", Go: "Scope", Rule: Enum, Values: "model_scopes", Doc: "Smart-model scope (phạm vi mô hình)"},
		}},
	{Name: "smart_model.approved", Go: "SmartModelApproved", Version: 1,
		Doc: "approves a smart-NTM pilot model.",
		Fields: []Field{
			{Name: "model_id", Go: "ModelID", Rule: Ident, Entity: "smart_model"},
			{Name: "decision_ref", Go: "DecisionRef", Rule: Text},
		}},
	{Name: "tourism_site.registered", Go: "TourismSiteRegistered", Version: 1, Registers: "tourism_site",
		Doc: "registers a rural-tourism site for the tourism map.",
		Fields: []Field{
			{Name: "site_id", Go: "SiteID", Rule: Ident, Doc: "Tourism site identifier (mã điểm du lịch)", Entity: "tourism_site"},
			{Name: "name", Go: "Name", Rule: Text},
			{Name: "kind", Go: "Kind", Rule: Enum, Values: "site_kinds"},
			{Name: "latitude", Go: "Latitude", Rule: Coordinate, Min: MinLat, Max: MaxLat},
			{Name: "longitude", Go: "Longitude", Rule: Coordinate, Min: MinLon, Max: MaxLon},
		}},
	{Name: "household_survey.recorded", Go: "HouseholdSurveyRecorded", Version: 1, Check: true,
		Doc: "counts a village's households; the latest per village stands.",
		Fields: []Field{
			{Name: "households", Go: "Households", Rule: Int, Min: 0, Max: MaxHouseholds, Doc: "Households (số hộ)"},
			{Name: "with_smartphone", Go: "WithSmartphone", Rule: Int, Min: 0, Max: MaxHouseholds, Doc: "Households with a smartphone (số hộ có điện thoại thông minh)"},
			{Name: "with_fixed_broadband", Go: "WithFixedBroadband", Rule: Int, Min: 0, Max: MaxHouseholds, Doc: "Households with fixed broadband (số hộ có băng rộng cố định)"},
		}},
	{Name: "connectivity.reported", Go: "ConnectivityReported", Version: 1,
		Doc: "reports a village's connectivity.",
		Fields: []Field{
			{Name: "fixed_broadband", Go: "FixedBroadband", Rule: Bool, Doc: "Fixed broadband available (có băng rộng cố định)"},
			{Name: "mobile_4g", Go: "Mobile4G", Rule: Bool, Doc: "4G coverage (phủ sóng 4G)"},
			{Name: "mobile_5g", Go: "Mobile5G", Rule: Bool, Doc: "5G coverage (phủ sóng 5G)"},
		}},
	{Name: "wifi_hotspot.installed", Go: "WifiHotspotInstalled", Version: 1, Registers: "wifi_hotspot",
		Doc: "is an installed Wi-Fi hotspot.",
		Fields: []Field{
			{Name: "hotspot_id", Go: "HotspotID", Rule: Ident, Doc: "Wi-Fi hotspot identifier (mã điểm Wi-Fi)", Entity: "wifi_hotspot"},
			{Name: "site", Go: "Site", Rule: Enum, Values: "hotspot_sites", Doc: "Hotspot site (vị trí điểm Wi-Fi)"},
			{Name: "free", Go: "Free", Rule: Bool, Doc: "Free of charge (miễn phí)"},
		}},
	{Name: "funding.allocated", Go: "FundingAllocated", Version: 1,
		Doc: "allocates funds to the event's unit.", Fields: funding},
	{Name: "funding.disbursed", Go: "FundingDisbursed", Version: 1,
		Doc: "disburses funds at the event's unit.", Fields: funding},
	{Name: "event.retracted", Go: "EventRetracted", Version: 1,
		Doc: "retracts an event and its whole correction chain.",
		Fields: []Field{
			{Name: "event_id", Go: "EventID", Column: "retracted_event_id", Rule: EventID, Doc: "The retracted event (sự kiện bị thu hồi)"},
			{Name: "reason", Go: "Reason", Rule: Text, Doc: "Retraction reason (lý do thu hồi)"},
		}},
}

// Column is one payload column of the event log: the union of the types' fields by column name.
type Column struct {
	Name    string
	Storage Storage
	Doc     string
	Types   []string // the types whose rows fill it, in the order of Types
}

// Columns are the payload columns of the event log, in the order their first field appears in
// Types.
func Columns(types []Type) []Column {
	var out []Column
	at := map[string]int{}
	for _, t := range types {
		for _, f := range t.Fields {
			for _, c := range f.Columns() {
				i, ok := at[c.Name]
				if !ok {
					i = len(out)
					at[c.Name] = i
					out = append(out, Column{Name: c.Name, Storage: c.Storage})
				}
				if out[i].Doc == "" {
					out[i].Doc = c.Doc
				}
				out[i].Types = append(out[i].Types, t.Name)
			}
		}
	}
	return out
}
