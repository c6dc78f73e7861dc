// Package batch turns decoded events and rejected input into Arrow record batches in the
// warehouse tables' schemas, ready for Parquet.
package batch

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// Origin is where a record came from in Kafka.
type Origin struct {
	Topic     string
	Partition int32
	Offset    int64
}

// ArrowSchema is the Arrow schema of a warehouse table, with the field IDs of the table's own
// schema that the Parquet files must carry.
func ArrowSchema(t *table.Table) (*arrow.Schema, error) {
	return table.SchemaToArrowSchema(t.Schema(), nil, true, false)
}

// Events builds the rows of one event type: the envelope, the type's payload columns and the
// ingest columns of the events_log schema (warehouse.TypeColumns), with the table's field IDs.
// The other payload columns are left out of the file; Iceberg readers read them as null.
type Events struct {
	typ     events.Type
	schema  *arrow.Schema
	b       *array.RecordBuilder
	ingest  int // index of ingested_at, filled at Build
	rows    int
	bytes   int64
	env     envelope
	payload func(p events.Payload)
}

type envelope struct {
	id, typ, source, srcUnit, srcSystem, srcToken, unit, corrects, payload, topic *array.StringBuilder
	version, partition                                                            *array.Int32Builder
	occurred, recorded                                                            *array.TimestampBuilder
	date                                                                          *array.Date32Builder
	hash, offset                                                                  *array.Int64Builder
}

// NewEvents makes a builder for one event type; table is the Arrow schema of the whole table.
// The files it builds have the type's columns that the table has: a payload column that the
// table lacks is left out, as an older version of ntm would have written them (ingest refuses to
// start on such a table: see MissingColumns; opening the warehouse adds the column).
func NewEvents(mem memory.Allocator, table *arrow.Schema, typ events.Type) *Events {
	var fields []arrow.Field
	payload := map[string]bool{}
	for _, c := range payloadColumns(typ) {
		payload[c.name] = true
	}
	for _, c := range warehouse.TypeColumns(typ.String()) {
		idx := table.FieldIndices(c.Name)
		if len(idx) != 1 {
			if payload[c.Name] {
				continue
			}
			panic(fmt.Sprintf("batch: events_log schema has no column %q", c.Name))
		}
		fields = append(fields, table.Field(idx[0]))
	}
	schema := arrow.NewSchema(fields, nil)
	e := &Events{typ: typ, schema: schema, b: array.NewRecordBuilder(mem, schema)}
	str := func(name string) *array.StringBuilder { return e.field(name).(*array.StringBuilder) }
	e.env = envelope{
		id: str("event_id"), typ: str("event_type"), source: str("source_level"), srcUnit: str("source_unit_code"),
		srcSystem: str("source_system"), srcToken: str("source_token"), unit: str("unit_code"), corrects: str("corrects"), payload: str("payload"),
		topic:     str("kafka_topic"),
		version:   e.field("schema_version").(*array.Int32Builder),
		partition: e.field("kafka_partition").(*array.Int32Builder),
		occurred:  e.field("occurred_at").(*array.TimestampBuilder),
		recorded:  e.field("recorded_at").(*array.TimestampBuilder),
		date:      e.field("business_date").(*array.Date32Builder),
		hash:      e.field("content_hash").(*array.Int64Builder),
		offset:    e.field("kafka_offset").(*array.Int64Builder),
	}
	e.ingest = e.index("ingested_at")
	e.payload = payloadAppender(e, typ)
	return e
}

// MissingColumns names the columns of events_log (warehouse.EventColumns) that the table's
// Arrow schema lacks; a writer must not start while there are any, or it would leave values out.
func MissingColumns(table *arrow.Schema) []string {
	var out []string
	for _, c := range warehouse.EventColumns() {
		if len(table.FieldIndices(c.Name)) != 1 {
			out = append(out, c.Name)
		}
	}
	return out
}

func (e *Events) index(name string) int {
	idx := e.schema.FieldIndices(name)
	if len(idx) != 1 {
		panic(fmt.Sprintf("batch: events_log schema has no column %q", name))
	}
	return idx[0]
}

// field returns the builder of a column.
func (e *Events) field(name string) array.Builder { return e.b.Field(e.index(name)) }

// Len is the number of rows appended since the last Build.
func (e *Events) Len() int { return e.rows }

// Bytes estimates the memory the appended rows hold: the raw size of their events.
func (e *Events) Bytes() int64 { return e.bytes }

// Append adds one accepted event. hash is its content hash.
func (e *Events) Append(ev *events.Event, hash uint64, o Origin) {
	v := &e.env
	v.id.Append(ev.ID)
	v.typ.Append(ev.Type.String())
	v.version.Append(int32(ev.SchemaVersion))
	v.occurred.Append(arrow.Timestamp(ev.OccurredAt.UnixMicro()))
	v.recorded.Append(arrow.Timestamp(ev.RecordedAt.UnixMicro()))
	v.date.Append(arrow.Date32(ev.BusinessDate))
	v.source.Append(ev.Source.Level)
	v.srcUnit.Append(ev.Source.UnitCode)
	v.srcSystem.Append(ev.Source.System)
	appendOptional(v.srcToken, ev.Source.Token)
	v.unit.Append(ev.UnitCode)
	if ev.Corrects != "" {
		v.corrects.Append(ev.Corrects)
	} else {
		v.corrects.AppendNull()
	}
	v.payload.BinaryBuilder.Append(ev.RawPayload)
	v.hash.Append(int64(hash))
	v.topic.Append(o.Topic)
	v.partition.Append(o.Partition)
	v.offset.Append(o.Offset)
	e.payload(ev.Payload)
	e.rows++
	e.bytes += int64(len(ev.Raw)) + 64
}

// Build returns the appended rows as a record (nil when there are none) and resets the builder.
// ingestedAt stamps every row.
func (e *Events) Build(ingestedAt time.Time) arrow.RecordBatch {
	if e.rows == 0 {
		return nil
	}
	ts := e.b.Field(e.ingest).(*array.TimestampBuilder)
	at := arrow.Timestamp(ingestedAt.UnixMicro())
	for range e.rows {
		ts.Append(at)
	}
	rec := e.b.NewRecordBatch()
	e.rows, e.bytes = 0, 0
	return rec
}

// Release frees the builder.
func (e *Events) Release() { e.b.Release() }

// column is one payload column of an event type: its name in events_log and the function that,
// given the column's builder, returns the appender of a payload's value.
type column struct {
	name string
	bind func(array.Builder) func(events.Payload)
}

// The column kinds of zz_schema.go, one per storage type of the field table.

func stringColumn(get func(events.Payload) string) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		sb := b.(*array.StringBuilder)
		return func(p events.Payload) { sb.Append(get(p)) }
	}
}

// optionalStringColumn stores an absent value ("") as null.
func optionalStringColumn(get func(events.Payload) string) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		sb := b.(*array.StringBuilder)
		return func(p events.Payload) {
			if s := get(p); s != "" {
				sb.Append(s)
			} else {
				sb.AppendNull()
			}
		}
	}
}

// listColumn stores a list, an absent one as the empty list.
func listColumn(get func(events.Payload) []string) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		lb := b.(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.StringBuilder)
		return func(p events.Payload) {
			lb.Append(true)
			for _, v := range get(p) {
				vb.Append(v)
			}
		}
	}
}

// stringItemsColumn stores one member of each object of a list, in the list's order: the
// column of an item field of the field table, parallel to the other members' columns.
func stringItemsColumn[T any](items func(events.Payload) []T, member func(T) string) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		lb := b.(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.StringBuilder)
		return func(p events.Payload) {
			lb.Append(true)
			for _, it := range items(p) {
				vb.Append(member(it))
			}
		}
	}
}

// float64ItemsColumn is stringItemsColumn for a numeric member.
func float64ItemsColumn[T any](items func(events.Payload) []T, member func(T) float64) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		lb := b.(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.Float64Builder)
		return func(p events.Payload) {
			lb.Append(true)
			for _, it := range items(p) {
				vb.Append(member(it))
			}
		}
	}
}

func boolColumn(get func(events.Payload) bool) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		bb := b.(*array.BooleanBuilder)
		return func(p events.Payload) { bb.Append(get(p)) }
	}
}

func int64Column(get func(events.Payload) int64) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		ib := b.(*array.Int64Builder)
		return func(p events.Payload) { ib.Append(get(p)) }
	}
}

func float64Column(get func(events.Payload) float64) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		fb := b.(*array.Float64Builder)
		return func(p events.Payload) { fb.Append(get(p)) }
	}
}

func dateColumn(get func(events.Payload) events.Date) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		db := b.(*array.Date32Builder)
		return func(p events.Payload) { db.Append(arrow.Date32(get(p))) }
	}
}

func timeColumn(get func(events.Payload) time.Time) func(array.Builder) func(events.Payload) {
	return func(b array.Builder) func(events.Payload) {
		tb := b.(*array.TimestampBuilder)
		return func(p events.Payload) { tb.Append(arrow.Timestamp(get(p).UnixMicro())) }
	}
}

// payloadAppender returns the function that appends a payload of typ to its typed columns, the
// ones of the file's schema: a column the table lacks (a table not yet evolved to a new field;
// see MissingColumns) is not written.
func payloadAppender(e *Events, typ events.Type) func(events.Payload) {
	var appenders []func(events.Payload)
	for _, c := range payloadColumns(typ) {
		if idx := e.schema.FieldIndices(c.name); len(idx) == 1 {
			appenders = append(appenders, c.bind(e.b.Field(idx[0])))
		}
	}
	return func(p events.Payload) {
		for _, a := range appenders {
			a(p)
		}
	}
}

func appendOptional(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}
