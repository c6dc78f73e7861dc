package writerbench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

// Writer is one candidate: it writes a table to a new Parquet file at path, with the Iceberg
// field IDs of the table's schema, and returns the file's size. Most start from the Arrow record
// warehouse/batch built (the field IDs are in its fields' PARQUET:field_id metadata); those whose
// Input says so start from the decoded events. A Writer is used by one goroutine at a time.
type Writer struct {
	Name string
	// Input says what the writer starts from, for the report.
	Input string
	Write func(ctx context.Context, path string, t *Table) (int64, error)
	// Types, when set, are the only event types the writer can write.
	Types []events.Type
	// NotIceberg, when set, says why warehouse.Commit (iceberg-go's AddFiles) rejects the
	// writer's files.
	NotIceberg string
	// Close frees what the writer holds (nil when nothing).
	Close func() error
}

// RowGroupRows is warehouse/batch's row-group bound, which every candidate uses.
const RowGroupRows = 256 * 1024

// lowCardinality is warehouse/batch's list of columns that get a dictionary (unexported there).
// This file copies warehouse/batch's writer properties so that its variants differ from them in one
// setting each; TestWritersAgree checks that the copy still writes what batch.WriteFile does.
var lowCardinality = []string{
	"event_type", "source_level", "source_unit_code", "source_system", "unit_code", "kafka_topic",
	"code", "level", "kind", "parent_code", "criteria_set", "criterion", "indicator", "role",
	"course_code", "topic", "sector", "category", "product", "key_product", "domain", "channel",
	"field", "scope", "site", "source", "task", "reason", "into_kind",
}

// deltaEncoded are the integer columns that rise slowly along a file, as the stream is in time
// order, for the pqarrow-delta variant: DELTA_BINARY_PACKED stores their small differences.
// (warehouse/batch does not use it: arrow-go v18.8.0's delta decoder does not give its buffers back
// to the allocator, which the compaction test's checked allocator reports as a leak.)
var deltaEncoded = []string{
	"occurred_at", "recorded_at", "business_date", "received_at", "completed_at", "kafka_offset",
}

func isLowCardinality(name string) bool {
	for _, c := range lowCardinality {
		if c == name {
			return true
		}
	}
	return false
}

// Writers are the candidates that need no build tag, the tuned production writer first.
func Writers() []Writer {
	return []Writer{
		{Name: "pqarrow-tuned", Input: "Arrow record: batch.WriteFile as ingest calls it",
			Write: func(_ context.Context, path string, t *Table) (int64, error) {
				return batch.WriteFile(path, t.Record)
			}},
		{Name: "pqarrow-delta", Input: "Arrow record: the tuned properties with DELTA_BINARY_PACKED on the time-ordered integer columns",
			Write: pqarrowWriter(true, false, true)},
		{Name: "pqarrow-nodict", Input: "Arrow record: the tuned properties without any dictionary",
			Write: pqarrowWriter(false, false, false)},
		{Name: "pqarrow-alldict", Input: "Arrow record: the tuned properties with arrow-go's default, a dictionary on every column",
			Write: pqarrowWriter(true, true, false)},
		{Name: "parquet-go", Input: "Arrow record: columns copied into parquet-go's ColumnWriters",
			Write: func(_ context.Context, path string, t *Table) (int64, error) {
				return parquetGoWrite(path, t.Record)
			}},
		{Name: "pqarrow-tuned+build", Input: "decoded events: batch.Events builds the record, then batch.WriteFile",
			Write: buildAndWrite},
		{Name: "parquet-go-generic", Input: "decoded events: a struct per row, then parquet-go's GenericWriter",
			Write: genericWrite, Types: []events.Type{events.DossierCompleted}},
	}
}

// Supports reports whether the writer can write rows of typ.
func (w Writer) Supports(typ events.Type) bool {
	return w.Types == nil || slices.Contains(w.Types, typ)
}

// buildAndWrite is what ingest does from decoded events on: append them to batch.Events, build
// the record, write it with batch.WriteFile.
func buildAndWrite(_ context.Context, path string, t *Table) (int64, error) {
	b := batch.NewEvents(memory.DefaultAllocator, t.LogSchema, t.Type)
	defer b.Release()
	for i := range t.Events {
		e := &t.Events[i]
		b.Append(&e.Event, e.Hash, e.Origin)
	}
	rec := b.Build(t.IngestedAt)
	defer rec.Release()
	return batch.WriteFile(path, rec)
}

// pqarrowWriter is warehouse/batch's writer with the dictionary on the low-cardinality columns
// (lowCard) and on every other column (others), and DELTA_BINARY_PACKED on the deltaEncoded
// columns (delta), as given.
func pqarrowWriter(lowCard, others, delta bool) func(context.Context, string, *Table) (int64, error) {
	return func(_ context.Context, path string, t *Table) (int64, error) {
		rec := t.Record
		opts := []pq.WriterProperty{
			pq.WithCompression(compress.Codecs.Zstd),
			pq.WithCompressionLevel(1),
			pq.WithDictionaryDefault(others),
			pq.WithMaxRowGroupLength(RowGroupRows),
			pq.WithStats(true),
		}
		for _, c := range lowCardinality {
			if len(rec.Schema().FieldIndices(c)) > 0 {
				opts = append(opts, pq.WithDictionaryFor(c, lowCard))
			}
		}
		for _, c := range deltaEncoded {
			if delta && len(rec.Schema().FieldIndices(c)) > 0 {
				opts = append(opts, pq.WithEncodingFor(c, pq.Encodings.DeltaBinaryPacked))
			}
		}
		return writeFile(path, func(w *bufio.Writer) error {
			fw, err := pqarrow.NewFileWriter(rec.Schema(), w, pq.NewWriterProperties(opts...), pqarrow.DefaultWriterProps())
			if err != nil {
				return err
			}
			werr := fw.Write(rec)
			if cerr := fw.Close(); werr == nil {
				werr = cerr
			}
			return werr
		})
	}
}

// writeFile creates path, lets write fill it through a buffer, and returns its size; on error
// the file is removed.
func writeFile(path string, write func(*bufio.Writer) error) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	werr := write(bw)
	if ferr := bw.Flush(); werr == nil {
		werr = ferr
	}
	st, serr := f.Stat()
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = serr
	}
	if werr != nil {
		os.Remove(path)
		return 0, fmt.Errorf("writerbench: write %s: %w", path, werr)
	}
	return st.Size(), nil
}

// FieldID is the Iceberg field ID an Arrow field carries (0 when none).
func FieldID(f arrow.Field) int {
	v, ok := f.Metadata.GetValue("PARQUET:field_id")
	if !ok {
		return 0
	}
	id, _ := strconv.Atoi(v)
	return id
}

// parquetGoSchema is the parquet-go schema of an Arrow schema: the same columns in the same
// order, the same physical and logical types, repetition and field IDs, the tuned dictionary
// choice, and zstd at its fastest level (as level 1 is for arrow-go; both use klauspost/compress).
func parquetGoSchema(s *arrow.Schema) (*parquet.Schema, error) {
	root := orderedGroup{Group: parquet.Group{}}
	for _, f := range s.Fields() {
		n, err := parquetGoNode(f)
		if err != nil {
			return nil, err
		}
		n = parquet.FieldID(n, FieldID(f))
		root.Group[f.Name] = n
		root.fields = append(root.fields, namedField{Node: n, name: f.Name})
	}
	return parquet.NewSchema("schema", root), nil
}

func parquetGoNode(f arrow.Field) (parquet.Node, error) {
	var n parquet.Node
	switch t := f.Type.(type) {
	case *arrow.StringType:
		n = parquet.String()
		if isLowCardinality(f.Name) {
			n = parquet.Encoded(n, &parquet.RLEDictionary)
		}
	case *arrow.Int32Type:
		n = parquet.Int(32)
	case *arrow.Int64Type:
		n = parquet.Int(64)
	case *arrow.Float64Type:
		n = parquet.Leaf(parquet.DoubleType)
	case *arrow.BooleanType:
		n = parquet.Leaf(parquet.BooleanType)
	case *arrow.Date32Type:
		n = parquet.Date()
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond {
			return nil, fmt.Errorf("writerbench: column %s: timestamp unit %s", f.Name, t.Unit)
		}
		n = parquet.TimestampAdjusted(parquet.Microsecond, t.TimeZone != "")
	case *arrow.ListType:
		if !f.Nullable || !t.ElemField().Nullable {
			// appendValues writes the levels of an optional list of optional elements.
			return nil, fmt.Errorf("writerbench: column %s: only optional lists of optional elements", f.Name)
		}
		elem, err := parquetGoNode(t.ElemField())
		if err != nil {
			return nil, err
		}
		n = parquet.List(parquet.FieldID(elem, FieldID(t.ElemField())))
	default:
		return nil, fmt.Errorf("writerbench: column %s: no parquet-go mapping for %s", f.Name, f.Type)
	}
	if f.Nullable {
		return parquet.Optional(n), nil
	}
	return parquet.Required(n), nil
}

// orderedGroup is a parquet-go group that keeps its fields in the order given (parquet.Group
// sorts them by name), so that the file's columns are in the table's order.
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string { return f.name }

func (f namedField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// chunkRows is how many rows parquetGoWrite hands a column writer at a time.
const chunkRows = 4096

// parquetGoWrite writes rec with parquet-go, column by column: each Arrow column's values
// (byte arrays aliasing the Arrow buffers) become parquet.Values with their levels and go to
// the column's writer, a row group at a time.
func parquetGoWrite(path string, rec arrow.RecordBatch) (int64, error) {
	schema, err := parquetGoSchema(rec.Schema())
	if err != nil {
		return 0, err
	}
	return writeFile(path, func(bw *bufio.Writer) error {
		w := parquet.NewWriter(bw, schema,
			parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
			parquet.MaxRowsPerRowGroup(RowGroupRows))
		cols := w.ColumnWriters()
		if len(cols) != int(rec.NumCols()) {
			return fmt.Errorf("BUG: %d parquet columns for %d arrow columns", len(cols), rec.NumCols())
		}
		vals := make([]parquet.Value, 0, chunkRows)
		n := int(rec.NumRows())
		for lo := 0; lo < n; lo += RowGroupRows {
			hi := min(n, lo+RowGroupRows)
			for c := range cols {
				arr := rec.Column(c)
				for at := lo; at < hi; at += chunkRows {
					vals = appendValues(vals[:0], arr, rec.Schema().Field(c).Nullable, c, at, min(hi, at+chunkRows))
					if _, err := cols[c].WriteRowValues(vals); err != nil {
						return fmt.Errorf("column %s: %w", rec.ColumnName(c), err)
					}
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		return w.Close()
	})
}

// appendValues appends the values of rows [lo, hi) of arr, leaf column c, with their levels:
// definition level 1 for a value of an optional column, 0 for a null or a value of a required
// one. A list column is an optional list of optional elements: definition levels 0 (null list),
// 1 (empty list), 2 (null element), 3 (element); repetition level 1 for an element after the
// first of its list.
func appendValues(vals []parquet.Value, arr arrow.Array, nullable bool, c, lo, hi int) []parquet.Value {
	def := 0
	if nullable {
		def = 1
	}
	leaf := func(i int, v parquet.Value) parquet.Value {
		if arr.IsNull(i) {
			return parquet.Value{}.Level(0, 0, c)
		}
		return v.Level(0, def, c)
	}
	switch a := arr.(type) {
	case *array.String:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.ByteArrayValue(bytesOf(a.Value(i)))))
		}
	case *array.Int32:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.Int32Value(a.Value(i))))
		}
	case *array.Int64:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.Int64Value(a.Value(i))))
		}
	case *array.Float64:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.DoubleValue(a.Value(i))))
		}
	case *array.Boolean:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.BooleanValue(a.Value(i))))
		}
	case *array.Date32:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.Int32Value(int32(a.Value(i)))))
		}
	case *array.Timestamp:
		for i := lo; i < hi; i++ {
			vals = append(vals, leaf(i, parquet.Int64Value(int64(a.Value(i)))))
		}
	case *array.List:
		// The elements are strings (codes, flags, technologies) or doubles (a split's shares).
		var elem func(j int) parquet.Value
		switch e := a.ListValues().(type) {
		case *array.String:
			elem = func(j int) parquet.Value { return parquet.ByteArrayValue(bytesOf(e.Value(j))) }
		case *array.Float64:
			elem = func(j int) parquet.Value { return parquet.DoubleValue(e.Value(j)) }
		default:
			panic(fmt.Sprintf("BUG: writerbench: no parquet-go values for %s", arr.DataType()))
		}
		elems := a.ListValues()
		for i := lo; i < hi; i++ {
			if a.IsNull(i) {
				vals = append(vals, parquet.Value{}.Level(0, 0, c))
				continue
			}
			start, end := a.ValueOffsets(i)
			if start == end {
				vals = append(vals, parquet.Value{}.Level(0, 1, c))
				continue
			}
			for j := start; j < end; j++ {
				rep := 1
				if j == start {
					rep = 0
				}
				if elems.IsNull(int(j)) {
					vals = append(vals, parquet.Value{}.Level(rep, 2, c))
				} else {
					vals = append(vals, elem(int(j)).Level(rep, 3, c))
				}
			}
		}
	default:
		panic(fmt.Sprintf("BUG: writerbench: no parquet-go values for %s", arr.DataType()))
	}
	return vals
}

// bytesOf aliases the bytes of s: parquet-go copies byte-array values into its page buffers
// before the Arrow record is released.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
