// Package session opens DuckDB over a pinned snapshot of the warehouse: the base views over the
// snapshot's data files, the SQL surface of package queries on top of them, the read-only gate
// for users' statements, and the database file that outside DuckDB clients open.
package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/iceberg-go"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/warehouse"
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

// source is the SQL relation of a pinned table: the planned files, never a glob (the data folder
// also holds files of unfinished commits), or an empty relation with the table's columns.
func source(cols []warehouse.Column, files []warehouse.DataFile) string {
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

// eventSource is the event log of a pinned snapshot: its files, with every column of the table
// even when no file has it (a file holds the columns of its event type only), and each row's
// commit time. With the table's schema, columns are matched by field ID (see fieldsOption);
// without it, by name, with the schema file first so that every column exists with its type,
// which opens every file whenever a query binds the relation: fine for the few files of one
// type, not for all of them.
func eventSource(schemaFile string, schema *iceberg.Schema, files []warehouse.DataFile) string {
	if len(files) == 0 {
		return "(SELECT *, CAST(NULL AS TIMESTAMPTZ) AS committed_at FROM " + source(warehouse.EventColumns(), nil) + ")"
	}
	paths := make([]string, 0, len(files)+1)
	option := fieldsOption(schema)
	if option == "" {
		paths = append(paths, quote(schemaFile))
		option = "union_by_name = true"
	}
	for _, f := range files {
		paths = append(paths, quote(f.Path))
	}
	// Each row's transaction time is the commit time of the snapshot that added its file, or,
	// in a file a compaction wrote, that of the snapshot that first stored the row.
	if len(rewritten(files)) == 0 {
		return fmt.Sprintf("(SELECT d.* EXCLUDE (filename), f.committed_at FROM read_parquet([%s], %s, filename = true) d "+
			"JOIN warehouse_files f ON f.path = d.filename)", strings.Join(paths, ", "), option)
	}
	return fmt.Sprintf("(SELECT d.* EXCLUDE (filename), coalesce(r.committed_at, f.committed_at) AS committed_at "+
		"FROM read_parquet([%s], %s, filename = true) d "+
		"JOIN warehouse_files f ON f.path = d.filename "+
		"LEFT JOIN warehouse_row_commits r ON r.path = d.filename AND r.ingested_at = d.ingested_at)", strings.Join(paths, ", "), option)
}

// fieldsOption is the read_parquet option that reads the table's columns by Iceberg field ID,
// with their types, a column that a file lacks being NULL; "" without a schema. Unlike
// union_by_name, it does not open every file to learn its columns whenever a query binds the
// relation (at 2,350 files, 70 ms a bind instead of 165 ms), but it costs a few milliseconds
// more to bind for a handful of files.
func fieldsOption(schema *iceberg.Schema) string {
	if schema == nil {
		return ""
	}
	fields := schema.Fields()
	entries := make([]string, len(fields))
	for i, f := range fields {
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: NULL}", f.ID, quote(f.Name), quote(duckType(f.Type)))
	}
	return "schema = MAP {" + strings.Join(entries, ", ") + "}"
}

// rewritten lists the files a compaction wrote.
func rewritten(files []warehouse.DataFile) []string {
	var out []string
	for _, f := range files {
		if f.Rewritten {
			out = append(out, f.Path)
		}
	}
	return out
}

// filesSQL creates and fills the table of the pinned data files.
func filesSQL(s warehouse.Snapshot) []string {
	stmts := []string{`CREATE OR REPLACE TABLE warehouse_files (
    table_name VARCHAR, path VARCHAR, event_type VARCHAR, snapshot_id BIGINT,
    committed_at TIMESTAMPTZ, records BIGINT, bytes BIGINT)`}
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		files := s.Tables[name].Files
		for start := 0; start < len(files); start += 500 {
			var rows []string
			for _, f := range files[start:min(len(files), start+500)] {
				rows = append(rows, fmt.Sprintf("(%s, %s, %s, %d, make_timestamptz(%d), %d, %d)",
					quote(name), quote(f.Path), quote(f.Partition), f.Snapshot, f.CommittedAt.UnixMicro(), f.Records, f.Size))
			}
			stmts = append(stmts, "INSERT INTO warehouse_files VALUES "+strings.Join(rows, ", "))
		}
	}
	// The commit times of the rows of merged events_log files, from the files themselves.
	stmts = append(stmts, `CREATE OR REPLACE TABLE warehouse_row_commits (path VARCHAR, ingested_at TIMESTAMPTZ, committed_at TIMESTAMPTZ)`)
	if paths := rewritten(s.Tables[warehouse.EventsLog].Files); len(paths) > 0 {
		for i, p := range paths {
			paths[i] = quote(p)
		}
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO warehouse_row_commits
SELECT file_name, make_timestamptz(split_part(e, ':', 1)::BIGINT), make_timestamptz(split_part(e, ':', 2)::BIGINT * 1000)
FROM (SELECT file_name, unnest(string_split(decode(value), ',')) AS e
      FROM parquet_kv_metadata([%s]) WHERE decode(key) = %s)`, strings.Join(paths, ", "), quote(warehouse.CommitTimesKey)))
	}
	return append(stmts,
		"COMMENT ON TABLE warehouse_row_commits IS "+quote("The commit times of the rows of data files that a compaction merged, by their ingested_at (thời điểm ghi nhận của các dòng đã gộp)"),
		"COMMENT ON COLUMN warehouse_row_commits.committed_at IS "+quote("When the snapshot that first stored the rows was committed (thời điểm ghi nhận vào kho)"),
		"COMMENT ON TABLE warehouse_files IS "+quote("The data files of the pinned snapshots, with the commit that added each (tệp dữ liệu của kho)"),
		"COMMENT ON COLUMN warehouse_files.committed_at IS "+quote("When the snapshot that added the file was committed (thời điểm ghi nhận vào kho)"),
		"COMMENT ON COLUMN warehouse_files.table_name IS "+quote("The warehouse table the file belongs to: events_log or dead_letters (bảng)"),
		"COMMENT ON COLUMN warehouse_files.path IS "+quote("The Parquet data file, as the session reads it (đường dẫn tệp)"),
		"COMMENT ON COLUMN warehouse_files.event_type IS "+quote("The event type of the file's partition; empty for dead letters and unpartitioned files (loại sự kiện)"),
		"COMMENT ON COLUMN warehouse_files.snapshot_id IS "+quote("The Iceberg snapshot that added the file (mã ảnh chụp Iceberg)"),
		"COMMENT ON COLUMN warehouse_files.records IS "+quote("Rows in the file (số dòng)"),
		"COMMENT ON COLUMN warehouse_files.bytes IS "+quote("Size of the file in bytes (dung lượng, byte)"),
		"COMMENT ON COLUMN warehouse_row_commits.path IS "+quote("The merged data file the rows are in (đường dẫn tệp)"),
		"COMMENT ON COLUMN warehouse_row_commits.ingested_at IS "+quote("The ingested_at of the rows, which identifies the commit that first stored them (thời điểm nạp)"))
}

// viewSQL is the DDL of the views over a pinned snapshot of the warehouse: those that name its
// files, the correction chains read from them, then the surface over them.
func viewSQL(w *warehouse.Warehouse, s warehouse.Snapshot) []string {
	return slices.Concat(pinSQL(w, s), linksFromLog(), chainSQL(), surfaceSQL())
}

// pinSQL is the DDL of what names the pinned snapshot's files: the tables of its files, the
// base views and the per-type sources, with their comments. The rest of the surface
// (surfaceSQL) reads only these and the chains, so a derived state of an earlier snapshot is
// brought to a later one by running pinSQL again and updating the chains (see derived.go).
func pinSQL(w *warehouse.Warehouse, s warehouse.Snapshot) []string {
	ev, dl := warehouse.EventColumns(), warehouse.DeadLetterColumns()
	stmts := filesSQL(s)
	stmts = append(stmts,
		"CREATE OR REPLACE VIEW events_log_data AS SELECT * FROM "+eventSource(w.SchemaFile(warehouse.EventsLog), s.Tables[warehouse.EventsLog].Schema, s.Tables[warehouse.EventsLog].Files),
		"CREATE OR REPLACE VIEW dead_letters AS SELECT * FROM "+source(dl, s.Tables[warehouse.DeadLetters].Files),
		"COMMENT ON VIEW events_log_data IS "+quote("The event log as stored, without derived columns (nhật ký sự kiện, dữ liệu gốc)"),
		"COMMENT ON VIEW dead_letters IS "+quote(warehouse.TableDoc(warehouse.DeadLetters)),
	)
	for _, c := range ev {
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN events_log_data.%s IS %s", ident(c.Name), quote(c.Doc)))
	}
	stmts = append(stmts, "COMMENT ON COLUMN events_log_data.committed_at IS "+quote(committedDoc))
	for _, c := range dl {
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN dead_letters.%s IS %s", ident(c.Name), quote(c.Doc)))
	}
	stmts = append(stmts, typeSources(w.SchemaFile(warehouse.EventsLog), s.Tables[warehouse.EventsLog].Files)...)
	return stmts
}

// chainSQL creates the table of resolved chains (run fills it from chainLinksTable) with its
// comments.
func chainSQL() []string {
	return []string{chainsTable,
		"COMMENT ON TABLE event_chains IS " + quote("Correction chains resolved: each chain member's fact (its root) from valid_from until valid_to, by commit time (chuỗi đính chính)"),
		"COMMENT ON COLUMN event_chains.event_id IS " + quote("A member of a correction chain: the first event or one of its corrections (mã sự kiện)"),
		"COMMENT ON COLUMN event_chains.event_type IS " + quote("The chain's event type: a correction has its target's type (loại sự kiện)"),
		"COMMENT ON COLUMN event_chains.fact_id IS " + quote("The chain's root, the event_id of the fact every member is about (mã sự kiện gốc)"),
		"COMMENT ON COLUMN event_chains.recorded_at IS " + quote("The member's recorded_at, which orders the chain: the latest recorded stands (thời điểm ghi chép)"),
		"COMMENT ON COLUMN event_chains.valid_from IS " + quote("Commit time from which the member has this root (hiệu lực từ, theo thời điểm ghi nhận)"),
		"COMMENT ON COLUMN event_chains.valid_to IS " + quote("Commit time until which it has it, NULL while it still does (hiệu lực đến)")}
}

// surfaceSQL is the DDL of the SQL surface over the relations of pinSQL: the same for every
// snapshot.
func surfaceSQL() []string {
	ev := warehouse.EventColumns()
	stmts := queries.Views()
	stmts = append(stmts,
		`CREATE OR REPLACE VIEW events_log AS
SELECT e.*, coalesce(f.superseded, false) AS superseded, coalesce(f.retracted, false) AS retracted
FROM events_log_data e LEFT JOIN event_facts(NULL, NULL) f ON f.event_id = e.event_id`,
		"COMMENT ON VIEW events_log IS "+quote(warehouse.TableDoc(warehouse.EventsLog)),
		"COMMENT ON COLUMN events_log.superseded IS "+quote("A later member of its correction chain stands instead of it (đã bị đính chính)"),
		"COMMENT ON COLUMN events_log.retracted IS "+quote("Its fact (the whole correction chain) was retracted (đã bị thu hồi)"),
		"COMMENT ON COLUMN events_log.committed_at IS "+quote(committedDoc))
	for _, c := range ev {
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN events_log.%s IS %s", ident(c.Name), quote(c.Doc)))
	}
	stmts = append(stmts, typeViews()...)
	return append(stmts, queries.IndicatorSQL()...)
}

// TypeSchema is the DuckDB schema of the per-type event logs (see typeSources).
const TypeSchema = "events_by_type"

// typeSources are the event log of each event type: one table macro per type, in TypeSchema and
// named like the type's view (events_by_type.dossier_completed()), that reads the files of that
// type's partition only, with every column of events_log_data. known_events reads a type through
// them, so that a query about one type neither binds nor opens the other types' files: binding
// and opening a file is the cost that grows with the number of files, and a query binds the
// event log many times. They are macros rather than views: the views are the documented surface,
// every column commented, and 2,400 more column comments would add a second to every session.
func typeSources(schemaFile string, files []warehouse.DataFile) []string {
	byType := typeFiles(files)
	stmts := []string{"CREATE SCHEMA IF NOT EXISTS " + TypeSchema}
	for _, t := range typeNames(files) {
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE MACRO %s.%s() AS TABLE SELECT * FROM %s",
			TypeSchema, ident(strings.ReplaceAll(t, ".", "_")), eventSource(schemaFile, nil, byType[t])))
	}
	return stmts
}

// typeNames are the event types of the contract and of the stored files, sorted.
func typeNames(files []warehouse.DataFile) []string {
	return slices.Sorted(maps.Keys(typeFiles(files)))
}

// typeFiles are the files of each event type of the contract and of the stored files: those of
// its partition, and those without a partition value.
func typeFiles(files []warehouse.DataFile) map[string][]warehouse.DataFile {
	byType := map[string][]warehouse.DataFile{}
	for _, t := range events.Types() {
		byType[t.String()] = nil
	}
	var unknown []warehouse.DataFile // files without a partition value: read them for every type
	for _, f := range files {
		if f.Partition == "" {
			unknown = append(unknown, f)
			continue
		}
		byType[f.Partition] = append(byType[f.Partition], f)
	}
	for t := range byType {
		byType[t] = append(byType[t], unknown...)
	}
	return byType
}

const committedDoc = "When the warehouse committed the event: its transaction time (thời điểm ghi nhận vào kho)"

// typeViews are the views of the effective events of each type, with the columns of the type.
func typeViews() []string {
	var stmts []string
	for _, t := range events.Types() {
		name := t.ViewName()
		cols := warehouse.TypeColumns(t.String())
		names := make([]string, 0, len(cols)+1)
		for _, c := range cols {
			if c.Name == "payload" || c.Name == "content_hash" {
				continue
			}
			names = append(names, ident(c.Name))
		}
		names = append(names, "committed_at")
		stmts = append(stmts,
			fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM effective(%s, NULL)", ident(name), strings.Join(names, ", "), quote(t.String())),
			fmt.Sprintf("COMMENT ON VIEW %s IS %s", ident(name), quote("Effective "+t.String()+" events: duplicates once, corrections applied, retractions removed (sự kiện hiệu lực)")))
		for _, c := range cols {
			if c.Name == "payload" || c.Name == "content_hash" {
				continue
			}
			stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", ident(name), ident(c.Name), quote(c.Doc)))
		}
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.committed_at IS %s", ident(name), quote(committedDoc)))
	}
	return stmts
}

// Open opens an in-memory DuckDB with the warehouse's views over its current snapshot,
// read-only: after the views exist, the session may read files only inside the warehouse, may
// not write or attach outside it, and cannot change its settings.
func Open(ctx context.Context, w *warehouse.Warehouse) (*sql.DB, warehouse.Snapshot, error) {
	return OpenWith(ctx, w, Options{})
}

// Options adjust a session for a job.
type Options struct {
	// AllowDirs are directories besides the warehouse that the session may read and write
	// (a publication's output).
	AllowDirs []string
	// Threads bounds DuckDB's threads.
	Threads int
	// Unlocked leaves the settings changeable, for jobs that run only the warehouse's own SQL
	// (never a user's) and need to change them as they go.
	Unlocked bool
	// MemoryLimit bounds DuckDB's memory, as DuckDB spells it ("1GB"); default 4GB. A server
	// that runs users' queries side by side budgets its memory with it.
	MemoryLimit string
}

// tempDir is the process's own folder for DuckDB's spill files, private to its user (0700):
// DuckDB's default, <cwd>/.tmp, is shared with whatever else runs there, and a session may read
// its temp directory.
func tempDir() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("ntm-duckdb-%d", os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("session: temp directory: %w", err)
	}
	return dir, nil
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, w *warehouse.Warehouse, o Options) (*sql.DB, warehouse.Snapshot, error) {
	snap, err := w.Current(ctx)
	if err != nil {
		return nil, snap, err
	}
	tmp, err := tempDir()
	if err != nil {
		return nil, snap, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, snap, fmt.Errorf("session: duckdb: %w", err)
	}
	// One connection: the settings below are per database, and a pool would only add sessions.
	db.SetMaxOpenConns(1)
	pre := baseSettings(o.MemoryLimit, tmp)
	var setup []string
	dirs := []string{quote(w.Dir() + "/")}
	for _, d := range o.AllowDirs {
		dirs = append(dirs, quote(strings.TrimSuffix(d, "/")+"/"))
	}
	if o.Threads > 0 {
		setup = append(setup, fmt.Sprintf("SET threads = %d", o.Threads))
	}
	setup = append(setup,
		"SET allowed_directories = ["+strings.Join(dirs, ", ")+"]",
		"SET enable_external_access = false",
	)
	if !o.Unlocked {
		setup = append(setup, "SET lock_configuration = true")
	}
	// The derived state of exactly this snapshot, when Refresh wrote it, holds the whole
	// surface already built; otherwise the session builds it from the log.
	if ddb, err := openDerived(ctx, w, snap, pre, setup); err != nil || ddb != nil {
		return ddb, snap, errors.Join(err, db.Close())
	}
	if err := build(ctx, db, w, snap, pre, setup); err != nil {
		db.Close()
		return nil, snap, err
	}
	return db, snap, nil
}

// baseSettings are the settings of every DuckDB database ntm opens, a session's or the one that
// builds a derived state.
func baseSettings(memory, tmp string) []string {
	return []string{
		// Nothing can be downloaded here, and a query must never fetch an extension.
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		// Views are bound many times (at creation and per query): keep Parquet footers in memory.
		"SET parquet_metadata_cache = true",
		// Dates in this domain are local (UTC+07:00); timestamps print in local time.
		"SET TimeZone = 'Asia/Ho_Chi_Minh'",
		// DuckDB would take most of the machine's memory by default; a bound makes big joins
		// spill to disk instead and keeps ntm a good neighbour on a shared machine.
		"SET memory_limit = " + quote(memoryLimit(memory)),
		"SET temp_directory = " + quote(tmp),
	}
}

func memoryLimit(s string) string {
	if s == "" {
		return "4GB"
	}
	return s
}

// build runs the statements before, then the views over snap, then the statements after.
func build(ctx context.Context, db *sql.DB, w *warehouse.Warehouse, snap warehouse.Snapshot, before, after []string) error {
	return run(ctx, db, slices.Concat(before, viewSQL(w, snap), after))
}

// run runs statements in order, resolving the correction chains right after creating their
// table.
func run(ctx context.Context, db *sql.DB, stmts []string) error {
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("session: duckdb setup %q: %w", firstLine(s), err)
		}
		if s == chainsTable {
			if err := fillChains(ctx, db); err != nil {
				return err
			}
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(queries.StripComments(s))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
