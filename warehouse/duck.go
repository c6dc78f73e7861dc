package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/iceberg-go"
	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
)

// duckType is the DuckDB type of an Iceberg column type.
func duckType(t iceberg.Type) string {
	switch t := t.(type) {
	case iceberg.StringType:
		return "VARCHAR"
	case iceberg.Int32Type:
		return "INTEGER"
	case iceberg.Int64Type:
		return "BIGINT"
	case iceberg.BooleanType:
		return "BOOLEAN"
	case iceberg.Float64Type:
		return "DOUBLE"
	case iceberg.DateType:
		return "DATE"
	case iceberg.TimestampTzType:
		return "TIMESTAMPTZ"
	case iceberg.BinaryType:
		return "BLOB"
	case *iceberg.ListType:
		return duckType(t.Element) + "[]"
	}
	return "VARCHAR"
}

// ident quotes a SQL identifier (offset, partition and line are keywords).
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quote quotes a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Snapshot pins the data files a reader sees: one snapshot per table.
type Snapshot struct {
	Tables map[string]TableSnapshot
}

// TableSnapshot is one table's pinned snapshot.
type TableSnapshot struct {
	SnapshotID int64 // 0 when the table has no snapshot yet
	Files      []DataFile
	Offsets    Offsets
}

// Current pins the current snapshot of every table.
func (w *Warehouse) Current(ctx context.Context) (Snapshot, error) {
	s := Snapshot{Tables: map[string]TableSnapshot{}}
	for _, name := range []string{EventsLog, DeadLetters} {
		t, err := w.Load(ctx, name)
		if err != nil {
			return s, err
		}
		ts := TableSnapshot{Offsets: OffsetsOf(t)}
		if cs := t.CurrentSnapshot(); cs != nil {
			ts.SnapshotID = cs.SnapshotID
			if ts.Files, err = Files(ctx, t, cs.SnapshotID); err != nil {
				return s, err
			}
		}
		s.Tables[name] = ts
	}
	return s, nil
}

// source is the SQL relation of a pinned table: the planned files, never a glob (the data folder
// also holds files of unfinished commits), or an empty relation with the table's columns.
func source(cols []Column, files []DataFile) string {
	if len(files) == 0 {
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", duckType(c.Type), ident(c.Name))
		}
		return "(SELECT " + strings.Join(parts, ", ") + " WHERE false)"
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = quote(f.Path)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = ident(c.Name)
	}
	return fmt.Sprintf("(SELECT %s FROM read_parquet([%s]))", strings.Join(names, ", "), strings.Join(paths, ", "))
}

// eventSource is the event log of a pinned snapshot: per event type, its files with the
// columns that type fills and typed nulls for the others, all types together.
func eventSource(files []DataFile) string {
	byType := map[string][]DataFile{}
	for _, f := range files {
		byType[f.Partition] = append(byType[f.Partition], f)
	}
	if len(byType) == 0 {
		return source(EventColumns(), nil)
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	all := EventColumns()
	parts := make([]string, 0, len(types))
	for _, t := range types {
		has := map[string]bool{}
		for _, c := range TypeColumns(t) {
			has[c.Name] = true
		}
		cols := make([]string, len(all))
		for i, c := range all {
			if has[c.Name] {
				cols[i] = ident(c.Name)
			} else {
				cols[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", duckType(c.Type), ident(c.Name))
			}
		}
		paths := make([]string, len(byType[t]))
		for i, f := range byType[t] {
			paths[i] = quote(f.Path)
		}
		parts = append(parts, fmt.Sprintf("SELECT %s FROM read_parquet([%s], union_by_name = true)",
			strings.Join(cols, ", "), strings.Join(paths, ", ")))
	}
	return "(" + strings.Join(parts, "\nUNION ALL ") + ")"
}

// ViewSQL is the DDL of the views over a pinned snapshot.
func ViewSQL(s Snapshot) []string {
	ev, dl := EventColumns(), DeadLetterColumns()
	stmts := []string{
		"CREATE OR REPLACE VIEW events_log_data AS SELECT * FROM " + eventSource(s.Tables[EventsLog].Files),
		`CREATE OR REPLACE VIEW events_log AS
SELECT e.*,
       EXISTS (SELECT 1 FROM events_log_data c
                WHERE c.corrects = e.event_id AND c.event_type = e.event_type) AS superseded,
       EXISTS (SELECT 1 FROM events_log_data r
                WHERE r.event_type = 'event.retracted' AND r.retracted_event_id = e.event_id) AS retracted
FROM events_log_data e`,
		"CREATE OR REPLACE VIEW dead_letters AS SELECT * FROM " + source(dl, s.Tables[DeadLetters].Files),
		"COMMENT ON VIEW events_log_data IS " + quote("The event log as stored, without derived columns (nhật ký sự kiện, dữ liệu gốc)"),
		"COMMENT ON VIEW events_log IS " + quote(tableDoc[EventsLog]),
		"COMMENT ON VIEW dead_letters IS " + quote(tableDoc[DeadLetters]),
		"COMMENT ON COLUMN events_log.superseded IS " + quote("A later event of the same type corrects this one (đã bị đính chính)"),
		"COMMENT ON COLUMN events_log.retracted IS " + quote("An event.retracted names this event (đã bị thu hồi)"),
	}
	for _, c := range ev {
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN events_log.%s IS %s", ident(c.Name), quote(c.Doc)))
	}
	for _, c := range dl {
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN dead_letters.%s IS %s", ident(c.Name), quote(c.Doc)))
	}
	return stmts
}

// OpenDuckDB opens an in-memory DuckDB with the warehouse's views over its current snapshot,
// read-only: after the views exist, the session may read files only inside the warehouse, may
// not write or attach outside it, and cannot change its settings.
func (w *Warehouse) OpenDuckDB(ctx context.Context) (*sql.DB, Snapshot, error) {
	snap, err := w.Current(ctx)
	if err != nil {
		return nil, snap, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, snap, fmt.Errorf("warehouse: duckdb: %w", err)
	}
	// One connection: the settings below are per database, and a pool would only add sessions.
	db.SetMaxOpenConns(1)
	setup := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		// Dates in this domain are local (UTC+07:00); timestamps print in local time.
		"SET TimeZone = 'Asia/Ho_Chi_Minh'",
	}
	setup = append(setup, ViewSQL(snap)...)
	setup = append(setup,
		"SET allowed_directories = ["+quote(w.dir+"/")+"]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	for _, s := range setup {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, snap, fmt.Errorf("warehouse: duckdb setup %q: %w", firstLine(s), err)
		}
	}
	return db, snap, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
