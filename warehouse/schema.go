package warehouse

import (
	"fmt"

	"github.com/apache/iceberg-go"
)

// The warehouse's Iceberg tables, in the namespace Namespace of the catalog.
const (
	Namespace   = "ntm"
	EventsLog   = "events_log"
	DeadLetters = "dead_letters"
)

// Column is one column of a warehouse table. Doc is English with the Vietnamese term, and
// becomes both the Iceberg field's doc and the DuckDB column comment.
type Column struct {
	Name     string
	Type     iceberg.Type
	Required bool
	Doc      string
}

// listOf is a list of strings; Schema numbers its element. The element is optional because
// iceberg-go rejects a data file that lacks an optional list whose element is required.
func listOf() iceberg.Type {
	return &iceberg.ListType{Element: iceberg.PrimitiveTypes.String, ElementRequired: false}
}

var (
	tString = iceberg.PrimitiveTypes.String
	tLong   = iceberg.PrimitiveTypes.Int64
	tInt    = iceberg.PrimitiveTypes.Int32
	tBool   = iceberg.PrimitiveTypes.Bool
	tDouble = iceberg.PrimitiveTypes.Float64
	tDate   = iceberg.PrimitiveTypes.Date
	tTSTZ   = iceberg.PrimitiveTypes.TimestampTz
	tBinary = iceberg.PrimitiveTypes.Binary
)

// Field IDs are assigned by the catalog when it creates a table (it renumbers whatever a new
// schema proposes), so writers take them from the table's schema, never from this file: new
// columns are added at the end and get new IDs, and a column keeps its ID forever.

// EventColumns are the columns of the event log: the envelope, the payload as typed columns
// (one column per payload field across all types, null where a type has no such field; the
// table is partitioned by event_type, so a file holds one type and its unused columns cost
// almost nothing), the original payload JSON, and where and when the event was ingested.
func EventColumns() []Column {
	return []Column{
		{"event_id", tString, true, "Event identifier, the idempotency key (mã sự kiện)"},
		{"event_type", tString, true, "Event type (loại sự kiện)"},
		{"schema_version", tInt, true, "Contract schema version (phiên bản lược đồ)"},
		{"occurred_at", tTSTZ, true, "When the fact happened, valid time (thời điểm phát sinh)"},
		{"recorded_at", tTSTZ, true, "When the source system recorded it (thời điểm ghi nhận)"},
		{"business_date", tDate, true, "The local (UTC+07:00) date the event belongs to (ngày nghiệp vụ)"},
		{"source_level", tString, true, "Level of the sending unit (cấp đơn vị gửi)"},
		{"source_unit_code", tString, true, "Code of the sending unit (mã đơn vị gửi)"},
		{"source_system", tString, true, "Sending system (hệ thống gửi)"},
		{"unit_code", tString, true, "The unit the fact is about (mã đơn vị hành chính)"},
		{"corrects", tString, false, "event_id this event corrects (sự kiện được đính chính)"},

		{"code", tString, false, "Unit code (mã đơn vị)"},
		{"name", tString, false, "Name (tên)"},
		{"new_name", tString, false, "New unit name (tên mới)"},
		{"level", tString, false, "Level (cấp)"},
		{"kind", tString, false, "Kind (loại hình)"},
		{"parent_code", tString, false, "Parent unit code (mã đơn vị cấp trên)"},
		{"flags", listOf(), false, "Unit flags (đặc điểm đơn vị)"},
		{"from_codes", listOf(), false, "Merged unit codes (mã các đơn vị sáp nhập)"},
		{"into_code", tString, false, "Resulting unit code (mã đơn vị sau sáp nhập)"},
		{"into_name", tString, false, "Resulting unit name (tên đơn vị sau sáp nhập)"},
		{"into_kind", tString, false, "Resulting unit kind (loại hình đơn vị sau sáp nhập)"},
		{"dossier_id", tString, false, "Dossier identifier (mã hồ sơ)"},
		{"processed_online", tBool, false, "Processed online (xử lý trực tuyến)"},
		{"received_at", tTSTZ, false, "Dossier received (thời điểm tiếp nhận)"},
		{"completed_at", tTSTZ, false, "Dossier completed (thời điểm hoàn thành)"},
		{"criteria_set", tString, false, "Criteria set (bộ tiêu chí)"},
		{"criterion", tString, false, "Criterion number (tiêu chí)"},
		{"indicator", tString, false, "Indicator of the criterion (chỉ tiêu)"},
		{"met", tBool, false, "Met (đạt)"},
		{"assessed_on", tDate, false, "Assessment date (ngày đánh giá)"},
		{"decision_ref", tString, false, "Decision reference (số quyết định)"},
		{"person_ref", tString, false, "Pseudonymous person reference (mã cán bộ ẩn danh)"},
		{"role", tString, false, "Role (chức vụ)"},
		{"course_code", tString, false, "Course code (mã khóa học)"},
		{"topic", tString, false, "Topic (chủ đề)"},
		{"hours", tDouble, false, "Training hours (số giờ)"},
		{"completed_on", tDate, false, "Completion date (ngày hoàn thành)"},
		{"coop_id", tString, false, "Cooperative identifier (mã hợp tác xã)"},
		{"sector", tString, false, "Sector (lĩnh vực)"},
		{"technologies", listOf(), false, "Digital technologies adopted (công nghệ số áp dụng)"},
		{"model_id", tString, false, "Model identifier (mã mô hình)"},
		{"key_product", tString, false, "Key product (sản phẩm chủ lực)"},
		{"raw_material_area", tBool, false, "Linked to a raw-material area (gắn vùng nguyên liệu)"},
		{"product_id", tString, false, "OCOP product identifier (mã sản phẩm OCOP)"},
		{"category", tString, false, "Product category (nhóm sản phẩm)"},
		{"stars", tLong, false, "OCOP stars (số sao OCOP)"},
		{"area_code", tString, false, "Raw-material area code (mã vùng nguyên liệu)"},
		{"product", tString, false, "Product (sản phẩm)"},
		{"hectares", tDouble, false, "Area in hectares (diện tích, ha)"},
		{"latitude", tDouble, false, "WGS84 latitude (vĩ độ)"},
		{"longitude", tDouble, false, "WGS84 longitude (kinh độ)"},
		{"service_id", tString, false, "Online service identifier (mã dịch vụ trực tuyến)"},
		{"domain", tString, false, "Service domain (lĩnh vực dịch vụ)"},
		{"survey_id", tString, false, "Survey identifier (mã khảo sát)"},
		{"channel", tString, false, "Survey channel (hình thức khảo sát)"},
		{"opened_on", tDate, false, "Survey opened (ngày mở khảo sát)"},
		{"closed_on", tDate, false, "Survey closed (ngày đóng khảo sát)"},
		{"satisfaction", tLong, false, "Satisfaction 1..5 (mức độ hài lòng)"},
		{"field", tString, false, "Smart-model field (lĩnh vực mô hình)"},
		{"scope", tString, false, "Smart-model scope (phạm vi mô hình)"},
		{"site_id", tString, false, "Tourism site identifier (mã điểm du lịch)"},
		{"households", tLong, false, "Households (số hộ)"},
		{"with_smartphone", tLong, false, "Households with a smartphone (số hộ có điện thoại thông minh)"},
		{"with_fixed_broadband", tLong, false, "Households with fixed broadband (số hộ có băng rộng cố định)"},
		{"fixed_broadband", tBool, false, "Fixed broadband available (có băng rộng cố định)"},
		{"mobile_4g", tBool, false, "4G coverage (phủ sóng 4G)"},
		{"mobile_5g", tBool, false, "5G coverage (phủ sóng 5G)"},
		{"hotspot_id", tString, false, "Wi-Fi hotspot identifier (mã điểm Wi-Fi)"},
		{"site", tString, false, "Hotspot site (vị trí điểm Wi-Fi)"},
		{"free", tBool, false, "Free of charge (miễn phí)"},
		{"fiscal_year", tLong, false, "Fiscal year (năm ngân sách)"},
		{"source", tString, false, "Funding source (nguồn vốn)"},
		{"task", tString, false, "Funded task (nhiệm vụ)"},
		{"amount_vnd", tLong, false, "Amount in VND (số tiền, đồng)"},
		{"retracted_event_id", tString, false, "The retracted event (sự kiện bị thu hồi)"},
		{"reason", tString, false, "Retraction reason (lý do thu hồi)"},

		{"payload", tString, true, "The payload JSON exactly as received, unknown members included (nội dung gốc)"},
		{"content_hash", tLong, true, "64-bit hash of the event's canonical JSON, for duplicate detection (mã băm nội dung)"},
		{"ingested_at", tTSTZ, true, "When the warehouse stored the event (thời điểm nạp vào kho)"},
		{"kafka_topic", tString, true, "Kafka topic the event came from (chủ đề Kafka)"},
		{"kafka_partition", tInt, true, "Kafka partition (phân vùng Kafka)"},
		{"kafka_offset", tLong, true, "Kafka offset (vị trí Kafka)"},
	}
}

// payloadColumns names, per event type, the payload columns its rows fill. A data file of the
// event log holds one type (the table is partitioned by event_type) and only these columns
// besides the envelope and the ingest columns: Iceberg reads a column a file lacks as null.
var payloadColumns = map[string][]string{
	"admin_unit.registered":         {"code", "name", "level", "kind", "parent_code", "flags"},
	"admin_unit.renamed":            {"code", "new_name"},
	"admin_unit.merged":             {"parent_code", "from_codes", "into_code", "into_name", "into_kind"},
	"dossier.completed":             {"level", "dossier_id", "processed_online", "received_at", "completed_at"},
	"criterion.assessed":            {"criteria_set", "criterion", "indicator", "met", "assessed_on", "decision_ref"},
	"manager.registered":            {"level", "person_ref", "role"},
	"manager.departed":              {"person_ref"},
	"training.completed":            {"person_ref", "course_code", "topic", "hours", "completed_on"},
	"cooperative.registered":        {"name", "coop_id", "sector"},
	"cooperative.dissolved":         {"coop_id"},
	"cooperative.digital_adopted":   {"coop_id", "technologies"},
	"linkage_model.registered":      {"name", "model_id", "key_product", "raw_material_area"},
	"linkage_model.digital_adopted": {"technologies", "model_id"},
	"ocop.product_rated":            {"name", "product_id", "category", "stars"},
	"raw_material_area.registered":  {"area_code", "product", "hectares", "latitude", "longitude"},
	"online_service.launched":       {"name", "service_id", "domain"},
	"online_service.withdrawn":      {"service_id"},
	"survey.conducted":              {"topic", "survey_id", "channel", "opened_on", "closed_on"},
	"survey.response":               {"survey_id", "satisfaction"},
	"smart_model.registered":        {"name", "model_id", "field", "scope"},
	"smart_model.approved":          {"decision_ref", "model_id"},
	"tourism_site.registered":       {"name", "kind", "latitude", "longitude", "site_id"},
	"household_survey.recorded":     {"households", "with_smartphone", "with_fixed_broadband"},
	"connectivity.reported":         {"fixed_broadband", "mobile_4g", "mobile_5g"},
	"wifi_hotspot.installed":        {"hotspot_id", "site", "free"},
	"funding.allocated":             {"fiscal_year", "source", "task", "amount_vnd"},
	"funding.disbursed":             {"fiscal_year", "source", "task", "amount_vnd"},
	"event.retracted":               {"retracted_event_id", "reason"},
}

// envelopeColumns and ingestColumns are in every event log file.
var envelopeColumns, ingestColumns = 11, 6

// TypeColumns lists, in table order, the columns of the event log that rows of the event type
// fill: the envelope, the type's payload, and the ingest columns.
func TypeColumns(eventType string) []Column {
	all := EventColumns()
	want := map[string]bool{}
	for _, c := range payloadColumns[eventType] {
		want[c] = true
	}
	var out []Column
	for i, c := range all {
		if i < envelopeColumns || i >= len(all)-ingestColumns || want[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

// DeadLetterColumns are the columns of the dead-letter table: every rejected input with its
// reason, its bytes and its origin.
func DeadLetterColumns() []Column {
	return []Column{
		{"reason", tString, true, "Rejection reason code of the contract (mã lý do từ chối)"},
		{"message", tString, true, "What is wrong, naming the field and the rule (mô tả lỗi)"},
		{"field", tString, false, "The field at fault, when one is (trường lỗi)"},
		{"raw", tBinary, true, "The original bytes (dữ liệu gốc)"},
		{"event_id", tString, false, "The event_id, when it could be read (mã sự kiện)"},
		{"event_type", tString, false, "The event_type, when it could be read (loại sự kiện)"},
		{"topic", tString, false, "Kafka topic (chủ đề Kafka)"},
		{"partition", tInt, false, "Kafka partition (phân vùng Kafka)"},
		{"offset", tLong, false, "Kafka offset (vị trí Kafka)"},
		{"source_file", tString, false, "Source file, for input not from Kafka (tệp nguồn)"},
		{"line", tLong, false, "Line in the source file (dòng)"},
		{"received_at", tTSTZ, true, "When the warehouse received and rejected it (thời điểm nhận)"},
	}
}

// Schema is the Iceberg schema of columns.
func Schema(cols []Column) *iceberg.Schema {
	fields := make([]iceberg.NestedField, len(cols))
	next := len(cols) + 1
	for i, c := range cols {
		typ := c.Type
		if l, ok := typ.(*iceberg.ListType); ok {
			typ = &iceberg.ListType{ElementID: next, Element: l.Element, ElementRequired: l.ElementRequired}
			next++
		}
		fields[i] = iceberg.NestedField{ID: i + 1, Name: c.Name, Type: typ, Required: c.Required, Doc: c.Doc}
	}
	return iceberg.NewSchema(0, fields...)
}

// Columns returns the columns of a warehouse table by name.
func Columns(table string) ([]Column, error) {
	switch table {
	case EventsLog:
		return EventColumns(), nil
	case DeadLetters:
		return DeadLetterColumns(), nil
	}
	return nil, fmt.Errorf("warehouse: no table %q", table)
}
