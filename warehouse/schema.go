package warehouse

import (
	"fmt"

	"github.com/apache/iceberg-go"

	"github.com/thanhhoa-ntm/ntm/events/schema"
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

// listOf is a list of elem; Schema numbers its element. The element is optional because
// iceberg-go rejects a data file that lacks an optional list whose element is required.
func listOf(elem iceberg.Type) func() iceberg.Type {
	return func() iceberg.Type { return &iceberg.ListType{Element: elem, ElementRequired: false} }
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
	cols := envelope()
	for _, c := range schema.Columns(schema.Types) {
		cols = append(cols, Column{c.Name, storageTypes[c.Storage](), false, c.Doc})
	}
	return append(cols, ingestColumns()...)
}

// storageTypes are the Iceberg types of the field table's storage types.
var storageTypes = map[schema.Storage]func() iceberg.Type{
	schema.String:      func() iceberg.Type { return tString },
	schema.StringList:  listOf(tString),
	schema.Boolean:     func() iceberg.Type { return tBool },
	schema.Int64:       func() iceberg.Type { return tLong },
	schema.Float64:     func() iceberg.Type { return tDouble },
	schema.LocalDate:   func() iceberg.Type { return tDate },
	schema.Instant:     func() iceberg.Type { return tTSTZ },
	schema.Float64List: listOf(tDouble),
}

// envelope are the envelope's columns, first in every file of the event log.
func envelope() []Column {
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
		{"source_token", tString, false, "The gateway token the event was sent with; null for events produced to Kafka directly (mã truy cập gửi)"},
		{"unit_code", tString, true, "The unit the fact is about (mã đơn vị hành chính)"},
		{"corrects", tString, false, "event_id this event corrects (sự kiện được đính chính)"},
	}
}

// ingestColumns are the columns the ingest adds, last in every file of the event log.
func ingestColumns() []Column {
	return []Column{
		{"payload", tString, true, "The payload JSON exactly as received, unknown members included (nội dung gốc)"},
		{"content_hash", tLong, true, "64-bit hash of the event's canonical JSON, for duplicate detection (mã băm nội dung)"},
		{"ingested_at", tTSTZ, true, "When the warehouse stored the event (thời điểm nạp vào kho)"},
		{"kafka_topic", tString, true, "Kafka topic the event came from (chủ đề Kafka)"},
		{"kafka_partition", tInt, true, "Kafka partition (phân vùng Kafka)"},
		{"kafka_offset", tLong, true, "Kafka offset (vị trí Kafka)"},
	}
}

// TypeColumns lists, in table order, the columns of the event log that rows of the event type
// fill: the envelope, the type's payload (from the field table), and the ingest columns. A data
// file of the event log holds one type (the table is partitioned by event_type) and only these
// columns: Iceberg reads a column a file lacks as null.
func TypeColumns(eventType string) []Column {
	want := map[string]bool{}
	for _, t := range schema.Types {
		if t.Name == eventType {
			for _, f := range t.Fields {
				for _, c := range f.Columns() {
					want[c.Name] = true
				}
			}
		}
	}
	out := envelope()
	for _, c := range EventColumns()[len(out):] {
		if want[c.Name] {
			out = append(out, c)
		}
	}
	return append(out, ingestColumns()...)
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
