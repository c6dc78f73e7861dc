package batch

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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

// FS is the file system data files are written through: OSFS in production; tests put one in
// its place that fails writes (disk full, I/O error) to prove that no half-written file is ever
// committed.
type FS interface {
	// Create creates a new file at path, and the folders above it; it fails if path exists.
	Create(path string) (io.WriteCloser, error)
	// Remove deletes the file at path.
	Remove(path string) error
}

// OSFS is the operating system's file system.
type OSFS struct{}

// Create creates path exclusively, with its folders.
func (OSFS) Create(path string) (io.WriteCloser, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
}

// Remove deletes path.
func (OSFS) Remove(path string) error { return os.Remove(path) }

// WriteFile writes the record to a new Parquet file at path (with the Iceberg field IDs of its
// schema) and returns the file's size. The file is not synced: the commit that names it syncs
// the file system before the snapshot becomes visible.
func WriteFile(path string, rec arrow.RecordBatch) (int64, error) {
	return WriteFileFS(OSFS{}, path, rec)
}

// WriteFileFS is WriteFile through fsys. On any error the file is removed, and the error wraps
// the file system's own (errors.Is(err, syscall.ENOSPC) holds for a full disk).
func WriteFileFS(fsys FS, path string, rec arrow.RecordBatch) (int64, error) {
	f, err := fsys.Create(path)
	if err != nil {
		return 0, fmt.Errorf("batch: create %s: %w", path, err)
	}
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	fw, err := pqarrow.NewFileWriter(rec.Schema(), bw, writerProperties(rec.Schema()), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		fsys.Remove(path)
		return 0, fmt.Errorf("batch: parquet writer: %w", err)
	}
	werr := fw.Write(rec)
	if cerr := fw.Close(); werr == nil {
		werr = cerr
	}
	if ferr := bw.Flush(); werr == nil {
		werr = ferr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	// The Parquet writer may report a failed write without wrapping it: the file system's
	// error is the cause the caller must be able to see.
	if cw.err != nil && !errors.Is(werr, cw.err) {
		werr = fmt.Errorf("%w (%v)", cw.err, werr)
	}
	if werr != nil {
		fsys.Remove(path)
		return 0, fmt.Errorf("batch: write %s: %w", path, werr)
	}
	return cw.n, nil
}

// countingWriter counts the bytes written and keeps the first error.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
