package batch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Merge writes the rows of the source Parquet files, in the order given and each in its stored
// order, into a new file at out with the writer settings of WriteFile, and returns its size.
// The columns are those of the sources, matched by name, with their Iceberg field IDs (a column
// that some source lacks is null in its rows); meta is added to the file's key-value metadata.
//
// Merge streams: it holds one batch of a source and the row group being written, never a whole
// source. The file is fsynced before Merge returns; its directory entry is made durable by the
// commit that names it (compaction.Run syncs the file system first). On error the file is
// removed.
func Merge(ctx context.Context, mem memory.Allocator, out string, sources []string, meta map[string]string) (size int64, err error) {
	if len(sources) == 0 {
		return 0, errors.New("batch: merge: no source files")
	}
	schema, err := mergedSchema(sources)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, fmt.Errorf("batch: %w", err)
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, fmt.Errorf("batch: create %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(out)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	fw, err := pqarrow.NewFileWriter(schema, bw, writerProperties(schema), pqarrow.DefaultWriterProps())
	if err != nil {
		return 0, fmt.Errorf("batch: parquet writer: %w", err)
	}
	for k, v := range meta {
		if err := fw.AppendKeyValueMetadata(k, v); err != nil {
			fw.Close()
			return 0, fmt.Errorf("batch: merge metadata: %w", err)
		}
	}
	for _, src := range sources {
		if err := ctx.Err(); err != nil {
			fw.Close()
			return 0, err
		}
		if err := copyRows(ctx, mem, fw, schema, src); err != nil {
			fw.Close()
			return 0, err
		}
	}
	if err := fw.Close(); err != nil {
		return 0, fmt.Errorf("batch: write %s: %w", out, err)
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("batch: write %s: %w", out, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("batch: sync %s: %w", out, err)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("batch: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("batch: close %s: %w", out, err)
	}
	return st.Size(), nil
}

// mergedSchema is the union of the sources' columns by name, in the order they first appear,
// each with the field (and Iceberg field ID) of the source that has it first.
func mergedSchema(sources []string) (*arrow.Schema, error) {
	var fields []arrow.Field
	seen := map[string]arrow.Field{}
	for _, src := range sources {
		sc, err := FileSchema(src)
		if err != nil {
			return nil, fmt.Errorf("batch: merge: %w", err)
		}
		for _, fl := range sc.Fields() {
			have, ok := seen[fl.Name]
			if !ok {
				seen[fl.Name] = fl
				fields = append(fields, fl)
				continue
			}
			if !arrow.TypeEqual(have.Type, fl.Type) || !have.Metadata.Equal(fl.Metadata) {
				return nil, fmt.Errorf("batch: merge: column %q is %s in one source and %s in %s", fl.Name, have.Type, fl.Type, src)
			}
		}
	}
	return arrow.NewSchema(fields, nil), nil
}

// FileSchema is the Arrow schema of a Parquet file, with the Iceberg field IDs it carries.
func FileSchema(path string) (*arrow.Schema, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer pf.Close()
	sc, err := pqarrow.FromParquet(pf.MetaData().Schema, nil, pf.MetaData().KeyValueMetadata())
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", path, err)
	}
	return sc, nil
}

// copyRows appends the rows of one source to the file being written, with nulls in the
// columns the source lacks.
func copyRows(ctx context.Context, mem memory.Allocator, fw *pqarrow.FileWriter, schema *arrow.Schema, src string) error {
	pf, err := file.OpenParquetFile(src, false)
	if err != nil {
		return fmt.Errorf("batch: merge: open %s: %w", src, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, mem)
	if err != nil {
		return fmt.Errorf("batch: merge: read %s: %w", src, err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return fmt.Errorf("batch: merge: read %s: %w", src, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		cols := make([]arrow.Array, schema.NumFields())
		for i, fl := range schema.Fields() {
			if idx := rec.Schema().FieldIndices(fl.Name); len(idx) == 1 {
				cols[i] = rec.Column(idx[0])
				cols[i].Retain()
			} else {
				cols[i] = array.MakeArrayOfNull(mem, fl.Type, int(rec.NumRows()))
			}
		}
		out := array.NewRecordBatch(schema, cols, rec.NumRows())
		for _, c := range cols {
			c.Release()
		}
		err := fw.WriteBuffered(out)
		out.Release()
		if err != nil {
			return fmt.Errorf("batch: merge: write rows of %s: %w", src, err)
		}
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("batch: merge: read %s: %w", src, err)
	}
	return nil
}
