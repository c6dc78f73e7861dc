// Package warehouse is the layout of the ntm warehouse on disk: the Iceberg catalog and its
// tables, the Kafka offsets every commit carries, durable commits, integrity checks, and the
// DuckDB views analysts query.
//
// A warehouse directory holds:
//
//	iceberg/ntm/events_log/     the event log table (data/ partitioned by event_type, metadata/)
//	iceberg/ntm/dead_letters/   the dead-letter table
//	writers/<id>.lock           one lock per live ingest process; its unfinished files carry its id
//	index/                      the event-id index of the ingest (a cache: rebuilt from the tables)
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
)

// ErrNoWarehouse is returned when a directory holds no warehouse and the caller did not ask
// for one to be created.
var ErrNoWarehouse = errors.New("no warehouse")

// isWarehouse reports whether dir holds a warehouse: its events_log table has metadata.
func isWarehouse(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "iceberg", Namespace, EventsLog, "metadata"))
	return err == nil
}

// noWarehouse explains why abs (given as dir) is no warehouse. A mistyped or wrong path is the
// likelier cause than a warehouse never ingested, so the message says what is at the path and
// names the fix for that first; creating a warehouse with ingest comes last.
func noWarehouse(abs, dir string) error {
	ingest := fmt.Sprintf("to create a warehouse there, run \"ntm ingest --warehouse %s\"", dir)
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w in %s: the directory does not exist; check the path, or %s", ErrNoWarehouse, abs, ingest)
	case err != nil:
		return fmt.Errorf("%w in %s: %w; check the path", ErrNoWarehouse, abs, err)
	case !fi.IsDir():
		return fmt.Errorf("%w in %s: it is a file, not a directory; check the path", ErrNoWarehouse, abs)
	}
	// A path inside a warehouse (its iceberg/ folder, a table) is a common slip: name the top.
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		if isWarehouse(p) {
			return fmt.Errorf("%w in %s: it is inside the warehouse %s; give --warehouse %s", ErrNoWarehouse, abs, p, p)
		}
		if filepath.Dir(p) == p {
			break
		}
	}
	return fmt.Errorf("%w in %s: the directory holds no warehouse (no iceberg/%s/%s/metadata); check the path, or %s",
		ErrNoWarehouse, abs, Namespace, EventsLog, ingest)
}

// Warehouse is an open warehouse directory.
type Warehouse struct {
	dir string
	cat *fsCatalog
}

// Open opens the warehouse in dir. With create, a missing warehouse (or a missing table) is
// created; without it, a directory that is not a warehouse is ErrNoWarehouse.
func Open(ctx context.Context, dir string, create bool) (*Warehouse, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	if !create {
		if !isWarehouse(abs) {
			return nil, noWarehouse(abs, dir)
		}
	}
	if err := os.MkdirAll(filepath.Join(abs, "iceberg"), 0o755); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	cat, err := newCatalog(filepath.Join(abs, "iceberg"))
	if err != nil {
		return nil, fmt.Errorf("warehouse: open catalog: %w", err)
	}
	w := &Warehouse{dir: abs, cat: cat}
	if create {
		if err := w.create(ctx); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Dir is the warehouse's absolute directory.
func (w *Warehouse) Dir() string { return w.dir }

// Catalog is the warehouse's Iceberg catalog, for readers that want iceberg-go directly.
func (w *Warehouse) Catalog() catalog.Catalog { return w.cat }

// Close releases the catalog.
func (w *Warehouse) Close() error { return w.cat.Close() }

// Ident is the catalog identifier of a warehouse table.
func Ident(name string) table.Identifier { return table.Identifier{Namespace, name} }

func (w *Warehouse) create(ctx context.Context) error {
	ns := table.Identifier{Namespace}
	ok, err := w.cat.CheckNamespaceExists(ctx, ns)
	if err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	if !ok {
		if err := w.cat.CreateNamespace(ctx, ns, nil); err != nil &&
			!errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
			return fmt.Errorf("warehouse: create namespace: %w", err)
		}
	}
	for _, name := range []string{EventsLog, DeadLetters} {
		ok, err := w.cat.CheckTableExists(ctx, Ident(name))
		if err != nil {
			return fmt.Errorf("warehouse: %w", err)
		}
		cols, _ := Columns(name)
		if ok {
			if err := w.uriLocation(ctx, name); err != nil {
				return err
			}
			if err := w.evolve(ctx, name, cols); err != nil {
				return err
			}
			continue
		}
		sc := Schema(cols)
		props := iceberg.Properties{
			table.PropertyFormatVersion:  "2",
			table.ParquetCompressionKey:  "zstd",
			"write.metadata.compression": "none",
			"comment":                    tableDoc[name],
		}
		opts := []catalog.CreateTableOpt{catalog.WithProperties(props)}
		if name == EventsLog {
			// A type's rows live together: every data file holds one event type.
			spec := iceberg.NewPartitionSpec(iceberg.PartitionField{
				SourceIDs: []int{2}, FieldID: 1000, Name: "event_type", Transform: iceberg.IdentityTransform{},
			})
			opts = append(opts, catalog.WithPartitionSpec(&spec))
		}
		if _, err := w.cat.CreateTable(ctx, Ident(name), sc, opts...); err != nil {
			if errors.Is(err, catalog.ErrTableAlreadyExists) {
				continue // another ingest process created it first
			}
			return fmt.Errorf("warehouse: create table %s: %w", name, err)
		}
	}
	return nil
}

// evolve adds to the table the columns of cols it lacks, each optional, as the Iceberg spec
// evolves a schema: a new column gets a new field ID, and files written before it read it as
// null. That is how a new optional payload field of the field table (events/schema) reaches an
// existing warehouse: the first ingest or compaction of the new version opens it with create.
// A column is never dropped, renamed or retyped here, since readers would then need the old
// names for old files (a change of that kind is a new column).
func (w *Warehouse) evolve(ctx context.Context, name string, cols []Column) error {
	// Another process may commit to the table in between (a snapshot or the same columns):
	// each attempt loads it again and adds what is still missing.
	_, err := w.RetryCommit(ctx, name, Retry{What: "evolve " + name, Attempts: 4}, func(t *table.Table) (*table.Transaction, error) {
		var missing []Column
		for _, c := range cols {
			if _, ok := t.Schema().FindFieldByName(c.Name); !ok {
				missing = append(missing, c)
			}
		}
		if len(missing) == 0 {
			return nil, nil
		}
		tx := t.NewTransaction()
		up := tx.UpdateSchema(true, false)
		for _, c := range missing {
			up.AddColumn([]string{c.Name}, c.Type, c.Doc, false, nil)
		}
		if err := up.Commit(); err != nil {
			return nil, fmt.Errorf("warehouse: evolve %s: %w", name, err)
		}
		return tx, nil
	})
	return err
}

// uriLocation records a table location that is a bare path (iceberg-go's Hadoop catalog wrote
// them so before the warehouse had a catalog of its own) as the file:// URI of the same path, so
// that the manifests of later commits are recorded as URIs too. What the table recorded before
// keeps its bare paths, which read as before. A conflict with another writer's commit leaves
// the change to the next writer that opens the warehouse.
func (w *Warehouse) uriLocation(ctx context.Context, name string) error {
	t, err := w.Load(ctx, name)
	if err != nil {
		return err
	}
	loc := t.Metadata().Location()
	if strings.HasPrefix(loc, "file:") {
		return nil
	}
	_, _, err = w.cat.CommitTable(ctx, Ident(name),
		[]table.Requirement{table.AssertTableUUID(t.Metadata().TableUUID())},
		[]table.Update{table.NewSetLocationUpdate(fileURI(loc))})
	switch {
	case errors.Is(err, table.ErrCommitFailed):
		return nil
	case err != nil:
		return fmt.Errorf("warehouse: record the location of %s as a URI: %w", name, err)
	}
	return w.sync()
}

// TableDoc is the description of a table, in English with the Vietnamese term.
func TableDoc(name string) string { return tableDoc[name] }

var tableDoc = map[string]string{
	EventsLog:   "Every accepted event once, as received, with its Kafka origin (nhật ký sự kiện)",
	DeadLetters: "Every rejected input with its reason, bytes and origin (sự kiện bị từ chối)",
}

// Load reads the table's current metadata from the catalog.
func (w *Warehouse) Load(ctx context.Context, name string) (*table.Table, error) {
	t, err := w.cat.LoadTable(ctx, Ident(name))
	if err != nil {
		return nil, fmt.Errorf("warehouse: load %s: %w", name, err)
	}
	return t, nil
}

// DataDir is where data files of the table are written (partition folders below it).
func (w *Warehouse) DataDir(name string) string {
	return filepath.Join(w.dir, "iceberg", Namespace, name, "data")
}

// DBFile is the DuckDB database file of the warehouse: the views of the SQL surface over the
// committed snapshot, for any DuckDB client (CLI, Python, DBeaver) to open read-only. Package
// queries/session writes it.
func (w *Warehouse) DBFile() string { return filepath.Join(w.dir, "ntm.duckdb") }

// SchemaFile is an empty Parquet file with every column of the table, which readers put first
// in their file lists so that every column exists even when no data file has it. The ingest
// writes it (WriteSchemaFile) before its first commit.
func (w *Warehouse) SchemaFile(name string) string {
	return filepath.Join(w.dir, "schema", name+".parquet")
}

// DataFile is one data file of a snapshot, as the metadata records it.
type DataFile struct {
	Path        string // local path, where the warehouse is now (the metadata records a URI)
	Size        int64
	Records     int64
	Partition   string    // the event_type of an events_log file, empty otherwise
	Snapshot    int64     // the snapshot that added it
	CommittedAt time.Time // when that snapshot was committed: the rows' transaction time
	// Rewritten marks a file written by a compaction: its rows keep the commit times of the
	// snapshots that first stored them (CommitTimesKey in an events_log file), and CommittedAt
	// is the latest of them.
	Rewritten bool
}

// Files lists the data files of the table's current snapshot (or of snapshotID when it is
// not zero), from the snapshot's manifests: the only list of files a reader may use, since the
// data folder also holds files of unfinished or failed commits. Each file carries the snapshot
// that added it and that snapshot's commit time, which is when the warehouse came to know its
// rows.
func Files(ctx context.Context, t *table.Table, snapshotID int64) ([]DataFile, error) {
	var out []DataFile
	err := eachFile(ctx, t, snapshotID, func(f DataFile, _ iceberg.ManifestEntry) { out = append(out, f) })
	return out, err
}

// eachFile calls fn with each data file of the table's current snapshot (or of snapshotID when
// it is not zero) and its manifest entry, reading the snapshot's manifests once.
func eachFile(ctx context.Context, t *table.Table, snapshotID int64, fn func(DataFile, iceberg.ManifestEntry)) error {
	snap := t.CurrentSnapshot()
	if snapshotID != 0 {
		snap = t.Metadata().SnapshotByID(snapshotID)
	}
	if snap == nil {
		return nil
	}
	fsys, err := t.FS(ctx)
	if err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	manifests, err := snap.Manifests(fsys)
	if err != nil {
		return fmt.Errorf("warehouse: manifests of %s: %w", t.Identifier(), err)
	}
	local := localOf(fsys)
	for _, m := range manifests {
		if m.ManifestContent() != iceberg.ManifestContentData {
			continue
		}
		entries, err := m.FetchEntries(fsys, true)
		if err != nil {
			return fmt.Errorf("warehouse: manifest %s: %w", m.FilePath(), err)
		}
		for _, e := range entries {
			fn(dataFileOf(t, e, local), e)
		}
	}
	return nil
}

// dataFileOf describes a manifest entry's data file with the commit that stored its rows.
func dataFileOf(t *table.Table, e iceberg.ManifestEntry, local func(string) string) DataFile {
	df := e.DataFile()
	f := DataFile{Path: local(df.FilePath()), Size: df.FileSizeBytes(), Records: df.Count(),
		Snapshot: e.SnapshotID()}
	if s := t.Metadata().SnapshotByID(e.SnapshotID()); s != nil {
		f.CommittedAt = time.UnixMilli(s.TimestampMs).UTC()
		if s.Summary != nil {
			if v, ok := s.Summary.Properties[committedAtPrefix+filepath.Base(f.Path)]; ok {
				if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
					f.CommittedAt, f.Rewritten = time.UnixMilli(ms).UTC(), true
				}
			}
		}
	}
	if v, ok := df.Partition()[1000]; ok {
		if s, ok := v.(string); ok {
			f.Partition = s
		}
	}
	return f
}

// listDataFiles walks the table's data folder.
func listDataFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
