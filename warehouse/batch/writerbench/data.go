// Package writerbench compares Parquet writers on the warehouse's typed tables, for the writer
// decision of issue 8. It builds the same Arrow records as ingest (warehouse/batch on the events_log
// schema of a real warehouse, with its Iceberg field IDs) and writes them with each candidate.
// The candidates that need DuckDB's Arrow interface are built with the duckdb_arrow tag.
package writerbench

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

// Topic is the Kafka topic the rows say they came from.
const Topic = "ntm.events"

// Options says which events to load.
type Options struct {
	Scale generate.Scale
	Seed  uint64
	// Skip drops this many accepted events first, so that a flush can be taken from the middle
	// of the stream, where the flow events (dossiers, survey responses) dominate as they do in
	// steady operation.
	Skip int
	// FlushBytes stops after the events whose batch.Events.Bytes reach it, as one ingest
	// flush does (0 for the whole stream).
	FlushBytes int64
}

// Table is the rows of one event type, as one ingest flush writes them to one file: the
// decoded events and the Arrow record batch.Events built from them.
type Table struct {
	Type        events.Type
	Record      arrow.RecordBatch
	Events      []Event
	NDJSONBytes int64 // the events' lines, newline included
	// LogSchema is the events_log Arrow schema the record was built on.
	LogSchema *arrow.Schema
	// IngestedAt stamps every row.
	IngestedAt time.Time
}

// Event is one decoded event as ingest appends it: with its content hash and origin.
type Event struct {
	Event  events.Event
	Hash   uint64
	Origin batch.Origin
}

// Rows is the number of rows.
func (t *Table) Rows() int64 { return t.Record.NumRows() }

// Data is one flush's worth of typed tables, sorted by event type name.
type Data struct {
	Tables []*Table
	// Schema is the events_log Arrow schema with the table's Iceberg field IDs.
	Schema *arrow.Schema
}

// Table returns the table of typ, or nil.
func (d *Data) Table(typ events.Type) *Table {
	for _, t := range d.Tables {
		if t.Type == typ {
			return t
		}
	}
	return nil
}

// Rows and NDJSONBytes are the totals over the tables.
func (d *Data) Rows() (n int64) {
	for _, t := range d.Tables {
		n += t.Rows()
	}
	return n
}

// NDJSONBytes is the size of all the tables' events as NDJSON.
func (d *Data) NDJSONBytes() (n int64) {
	for _, t := range d.Tables {
		n += t.NDJSONBytes
	}
	return n
}

// Release frees the records.
func (d *Data) Release() {
	for _, t := range d.Tables {
		t.Record.Release()
	}
}

// Load generates the stream, decodes and dedupes it as ingest does (invalid lines and repeated
// event IDs are dropped), and builds one record per event type with batch.Events. dir is an
// empty directory for the warehouse whose events_log schema (and field IDs) the records take;
// the caller may remove it once Load returns.
func Load(ctx context.Context, dir string, mem memory.Allocator, opts Options) (*Data, error) {
	wh, err := warehouse.Open(ctx, dir, true)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	t, err := wh.Load(ctx, warehouse.EventsLog)
	if err != nil {
		return nil, err
	}
	schema, err := batch.ArrowSchema(t)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := generate.Generate(ctx, &buf, generate.Options{Seed: opts.Seed, Scale: opts.Scale}); err != nil {
		return nil, fmt.Errorf("writerbench: generate: %w", err)
	}

	var (
		judge    events.Judge
		seen     = map[string]bool{}
		builders = map[events.Type]*batch.Events{}
		ndjson   = map[events.Type]int64{}
		decoded  = map[events.Type][]Event{}
		skipped  int
		held     int64 // what batch.Events.Bytes counts, as ingest's flush threshold does
	)
	defer func() {
		for _, b := range builders {
			b.Release()
		}
	}()
	data := buf.Bytes()
	for offset := int64(0); len(data) > 0; offset++ {
		line := data
		if i := slices.Index(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		ev, err := judge.Line(line)
		if err != nil || seen[ev.ID] {
			continue
		}
		seen[ev.ID] = true
		if skipped < opts.Skip {
			skipped++
			continue
		}
		if opts.FlushBytes > 0 && held >= opts.FlushBytes {
			break
		}
		b := builders[ev.Type]
		if b == nil {
			b = batch.NewEvents(mem, schema, ev.Type)
			builders[ev.Type] = b
		}
		before := b.Bytes()
		e := Event{Event: ev, Hash: judge.Hash(&ev), Origin: batch.Origin{Topic: Topic, Partition: 0, Offset: offset}}
		b.Append(&e.Event, e.Hash, e.Origin)
		decoded[ev.Type] = append(decoded[ev.Type], e)
		held += b.Bytes() - before
		ndjson[ev.Type] += int64(len(line)) + 1
	}
	out := &Data{Schema: schema}
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for typ, b := range builders {
		out.Tables = append(out.Tables, &Table{Type: typ, Record: b.Build(at), Events: decoded[typ],
			NDJSONBytes: ndjson[typ], LogSchema: schema, IngestedAt: at})
	}
	slices.SortFunc(out.Tables, func(a, b *Table) int {
		return strings.Compare(a.Type.String(), b.Type.String())
	})
	return out, nil
}
