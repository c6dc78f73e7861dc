package batch

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// lowCardinality are the columns worth a dictionary: a handful of distinct values per file.
// Dictionaries on high-cardinality columns (ids, payload JSON, hashes) cost time and space.
var lowCardinality = []string{
	"event_type", "source_level", "source_unit_code", "source_system", "unit_code", "kafka_topic",
	"code", "level", "kind", "parent_code", "criteria_set", "criterion", "indicator", "role",
	"course_code", "topic", "sector", "category", "product", "key_product", "domain", "channel",
	"field", "scope", "site", "source", "task", "reason", "into_kind",
}

// rowGroupRows bounds a row group: large enough for good compression and few footer entries,
// small enough that a reader's memory stays modest.
const rowGroupRows = 256 * 1024

func writerProperties(schema *arrow.Schema) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(rowGroupRows),
		parquet.WithStats(true),
	}
	for _, c := range lowCardinality {
		if len(schema.FieldIndices(c)) > 0 {
			opts = append(opts, parquet.WithDictionaryFor(c, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// WriteFile writes the record to a new Parquet file at path (with the Iceberg field IDs of its
// schema) and returns the file's size. The file is not synced: the commit that names it syncs
// the file system before the snapshot becomes visible.
func WriteFile(path string, rec arrow.RecordBatch) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, fmt.Errorf("batch: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, fmt.Errorf("batch: create %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	fw, err := pqarrow.NewFileWriter(rec.Schema(), bw, writerProperties(rec.Schema()), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		os.Remove(path)
		return 0, fmt.Errorf("batch: parquet writer: %w", err)
	}
	werr := fw.Write(rec)
	if cerr := fw.Close(); werr == nil {
		werr = cerr
	}
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
		return 0, fmt.Errorf("batch: write %s: %w", path, werr)
	}
	return st.Size(), nil
}
