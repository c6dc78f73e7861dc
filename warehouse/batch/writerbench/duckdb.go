//go:build duckdb_arrow

package writerbench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// DuckDBWriters are the candidates that hand the Arrow record to DuckDB (through duckdb-go's
// Arrow interface, zero-copy via the C data interface) and let its COPY write the file: with
// the threads DuckDB takes by default (one per core) and with one thread, as the Go writers use.
func DuckDBWriters(ctx context.Context) ([]Writer, error) {
	var out []Writer
	for _, threads := range []int{0, 1} {
		w, err := newDuckDBWriter(ctx, threads)
		if err != nil {
			for _, o := range out {
				o.Close()
			}
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func newDuckDBWriter(ctx context.Context, threads int) (Writer, error) {
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return Writer{}, fmt.Errorf("writerbench: duckdb: %w", err)
	}
	db := sql.OpenDB(c)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return Writer{}, fmt.Errorf("writerbench: duckdb: %w", err)
	}
	name := "duckdb"
	if threads > 0 {
		name = fmt.Sprintf("duckdb-%dthread", threads)
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
			conn.Close()
			db.Close()
			return Writer{}, fmt.Errorf("writerbench: duckdb: %w", err)
		}
	}
	var ar *duckdb.Arrow
	if err := conn.Raw(func(dc any) error {
		var err error
		ar, err = duckdb.NewArrowFromConn(dc.(driver.Conn))
		return err
	}); err != nil {
		conn.Close()
		db.Close()
		return Writer{}, fmt.Errorf("writerbench: duckdb arrow: %w", err)
	}
	d := &duckWriter{conn: conn, arrow: ar}
	return Writer{
		Name:  name,
		Input: "Arrow record registered as a DuckDB view (RegisterView), COPY (SELECT *) TO parquet",
		Write: d.write,
		// DuckDB 1.5's Parquet writer marks every column OPTIONAL, even NOT NULL ones
		// (duckdb/duckdb#22144, #23051), and iceberg-go refuses an optional column for a
		// required field of the table.
		NotIceberg: "every column is optional in the file, the table's envelope columns are required",
		Close:      func() error { return errors.Join(conn.Close(), db.Close()) },
	}, nil
}

type duckWriter struct {
	conn  *sql.Conn
	arrow *duckdb.Arrow
	seq   int
}

// streamRows is the size of the batches the record is handed to DuckDB in, so that its threads
// can scan it in parallel (a zero-copy slice each).
const streamRows = 64 * 1024

func (d *duckWriter) write(ctx context.Context, path string, t *Table) (int64, error) {
	rec := t.Record
	var batches []arrow.RecordBatch
	for lo := int64(0); lo < rec.NumRows(); lo += streamRows {
		batches = append(batches, rec.NewSlice(lo, min(rec.NumRows(), lo+streamRows)))
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	rr, err := array.NewRecordReader(rec.Schema(), batches)
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	d.seq++
	view := fmt.Sprintf("writerbench_in_%d", d.seq)
	release, err := d.arrow.RegisterView(rr, view)
	if err != nil {
		return 0, fmt.Errorf("writerbench: duckdb register view: %w", err)
	}
	defer release()
	q := fmt.Sprintf(`COPY (SELECT * FROM %s) TO '%s' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE %d, FIELD_IDS %s)`,
		view, strings.ReplaceAll(path, "'", "''"), RowGroupRows, duckFieldIDs(rec.Schema().Fields()))
	_, err = d.conn.ExecContext(ctx, q)
	if _, derr := d.conn.ExecContext(ctx, "DROP VIEW IF EXISTS "+view); err == nil {
		err = derr
	}
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("writerbench: duckdb copy: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// duckFieldIDs is the FIELD_IDS option of COPY that gives every column (and a list's element)
// the Iceberg field ID of its Arrow field.
func duckFieldIDs(fields []arrow.Field) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'%s': ", f.Name)
		if l, ok := f.Type.(*arrow.ListType); ok {
			fmt.Fprintf(&b, "{'__duckdb_field_id': %d, 'element': %d}", FieldID(f), FieldID(l.ElemField()))
			continue
		}
		fmt.Fprintf(&b, "%d", FieldID(f))
	}
	b.WriteByte('}')
	return b.String()
}
