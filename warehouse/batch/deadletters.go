package batch

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DeadLetter is one rejected input.
type DeadLetter struct {
	Reason, Message, Field string
	Raw                    []byte
	EventID, EventType     string // when they could be read
	Origin                 Origin
	// SourceFile and Line say where the input came from before Kafka, when it did: for a
	// line the event gateway rejected, events.GatewayOrigin and the line of the request.
	SourceFile string
	Line       int64
}

// DeadLetters builds rows in the dead_letters schema.
type DeadLetters struct {
	b        *array.RecordBuilder
	reason   *array.StringBuilder
	message  *array.StringBuilder
	field    *array.StringBuilder
	raw      *array.BinaryBuilder
	id, typ  *array.StringBuilder
	topic    *array.StringBuilder
	part     *array.Int32Builder
	offset   *array.Int64Builder
	file     *array.StringBuilder
	line     *array.Int64Builder
	received *array.TimestampBuilder
	rows     int
	bytes    int64
}

// NewDeadLetters makes a dead-letter builder for the dead_letters Arrow schema.
func NewDeadLetters(mem memory.Allocator, schema *arrow.Schema) *DeadLetters {
	b := array.NewRecordBuilder(mem, schema)
	f := func(name string) array.Builder { return b.Field(schema.FieldIndices(name)[0]) }
	return &DeadLetters{
		b:        b,
		reason:   f("reason").(*array.StringBuilder),
		message:  f("message").(*array.StringBuilder),
		field:    f("field").(*array.StringBuilder),
		raw:      f("raw").(*array.BinaryBuilder),
		id:       f("event_id").(*array.StringBuilder),
		typ:      f("event_type").(*array.StringBuilder),
		topic:    f("topic").(*array.StringBuilder),
		part:     f("partition").(*array.Int32Builder),
		offset:   f("offset").(*array.Int64Builder),
		file:     f("source_file").(*array.StringBuilder),
		line:     f("line").(*array.Int64Builder),
		received: f("received_at").(*array.TimestampBuilder),
	}
}

// Len is the number of rows appended since the last Build.
func (d *DeadLetters) Len() int { return d.rows }

// Bytes estimates the memory the appended rows hold.
func (d *DeadLetters) Bytes() int64 { return d.bytes }

// Append adds one rejected Kafka record.
func (d *DeadLetters) Append(dl *DeadLetter) {
	d.reason.Append(dl.Reason)
	d.message.Append(dl.Message)
	appendOptional(d.field, dl.Field)
	d.raw.Append(dl.Raw)
	appendOptional(d.id, dl.EventID)
	appendOptional(d.typ, dl.EventType)
	d.topic.Append(dl.Origin.Topic)
	d.part.Append(dl.Origin.Partition)
	d.offset.Append(dl.Origin.Offset)
	if dl.SourceFile != "" {
		d.file.Append(dl.SourceFile)
		d.line.Append(dl.Line)
	} else {
		d.file.AppendNull()
		d.line.AppendNull()
	}
	d.rows++
	d.bytes += int64(len(dl.Raw)+len(dl.Message)) + 64
}

// Build returns the appended rows (nil when none) stamped with receivedAt, and resets.
func (d *DeadLetters) Build(receivedAt time.Time) arrow.RecordBatch {
	if d.rows == 0 {
		return nil
	}
	at := arrow.Timestamp(receivedAt.UnixMicro())
	for range d.rows {
		d.received.Append(at)
	}
	rec := d.b.NewRecordBatch()
	d.rows, d.bytes = 0, 0
	return rec
}

// Release frees the builder.
func (d *DeadLetters) Release() { d.b.Release() }
