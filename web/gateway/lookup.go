package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver, built in: nothing is downloaded
	"github.com/zeebo/xxh3"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// WarehouseLookup answers Lookup from the warehouse's current snapshot with an in-memory DuckDB
// that reads the snapshot's files directly (only the columns a check needs, only the partition
// of the registering type for an owner). Events and Owners run only for requests that hold
// corrections, retractions or entity events, once per kind; Hashes, which every request asks,
// answers from memory.
type WarehouseLookup struct {
	w  *warehouse.Warehouse
	db *sql.DB

	mu       sync.Mutex
	snapshot int64                // the events_log snapshot whose files are cached
	cached   []warehouse.DataFile // its files

	// The content hash of every stored event, by the XXH3 of its event_id, from the files
	// named in indexed. Files are immutable, so each is read once; a compaction's files are read
	// again and hold the same rows.
	hashMu  sync.Mutex
	hashes  map[uint64]uint64
	indexed map[string]bool
}

// NewWarehouseLookup opens the lookup; Close releases it.
func NewWarehouseLookup(w *warehouse.Warehouse) (*WarehouseLookup, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("gateway: duckdb: %w", err)
	}
	db.SetMaxOpenConns(2)
	return &WarehouseLookup{w: w, db: db, hashes: map[uint64]uint64{}, indexed: map[string]bool{}}, nil
}

// Close releases the DuckDB database.
func (l *WarehouseLookup) Close() error { return l.db.Close() }

// files are the current snapshot's event log files, all of them or those of one event type.
// Only the table's metadata is read per call: the manifests are read again only when the
// snapshot changed, since a request may look up several kinds and most requests meet the
// snapshot the previous one met.
func (l *WarehouseLookup) files(ctx context.Context, eventType string) ([]warehouse.DataFile, error) {
	t, err := l.w.Load(ctx, warehouse.EventsLog)
	if err != nil {
		return nil, err
	}
	cs := t.CurrentSnapshot()
	if cs == nil {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cs.SnapshotID != l.snapshot || l.cached == nil {
		files, err := warehouse.Files(ctx, t, cs.SnapshotID)
		if err != nil {
			return nil, err
		}
		l.snapshot, l.cached = cs.SnapshotID, files
	}
	var out []warehouse.DataFile
	for _, f := range l.cached {
		if eventType == "" || f.Partition == eventType || f.Partition == "" {
			out = append(out, f)
		}
	}
	return out, nil
}

// Events returns the stored events among ids with their unit and type. The ids are asked in
// chunks, so that a request of many corrections makes a few queries of bounded size.
func (l *WarehouseLookup) Events(ctx context.Context, ids []string) (map[string]Target, error) {
	out := map[string]Target{}
	files, err := l.files(ctx, "")
	if err != nil || len(files) == 0 {
		return out, err
	}
	const chunk = 4096
	for lo := 0; lo < len(ids); lo += chunk {
		if err := l.events(ctx, files, ids[lo:min(len(ids), lo+chunk)], out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *WarehouseLookup) events(ctx context.Context, files []warehouse.DataFile, ids []string, out map[string]Target) error {
	q := "SELECT event_id, arg_min(unit_code, ingested_at), arg_min(event_type, ingested_at) FROM " +
		warehouse.ParquetSource(files) + " WHERE event_id IN (" + quoteList(ids) + ") GROUP BY event_id"
	rows, err := l.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("gateway: look up events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t Target
		if err := rows.Scan(&id, &t.UnitCode, &t.Type); err != nil {
			return fmt.Errorf("gateway: look up events: %w", err)
		}
		out[id] = t
	}
	return rows.Err()
}

// Hashes returns the content hash of the stored events among ids. Every request with a
// valid line asks it, so it answers from memory: the event_id and content_hash columns of each
// event log file are read once, when the file first appears in a snapshot, into a map of
// about 40 bytes an event (measured 38, 71 MB, for 2 million). The first request reads the whole
// table, as ingest does when it starts; later ones read only what ingest committed since.
//
// Ids are keyed by their 64-bit XXH3: two stored ids collide with a probability of about n²/2⁶⁵
// (10⁻⁵ for 20 million events), and an id of a request matches a stored one it is not with a
// probability of n/2⁶⁴; either would answer one line duplicate or conflicting wrongly.
func (l *WarehouseLookup) Hashes(ctx context.Context, ids []string) (map[string]uint64, error) {
	files, err := l.files(ctx, "")
	if err != nil {
		return nil, err
	}
	l.hashMu.Lock()
	defer l.hashMu.Unlock()
	for _, f := range files {
		if l.indexed[f.Path] {
			continue
		}
		if err := l.index(ctx, f.Path); err != nil {
			return nil, err
		}
		l.indexed[f.Path] = true
	}
	out := map[string]uint64{}
	for _, id := range ids {
		if h, ok := l.hashes[xxh3.HashString(id)]; ok {
			out[id] = h
		}
	}
	return out, nil
}

// index adds the event ids and content hashes of one event log file to the map.
func (l *WarehouseLookup) index(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("gateway: index %s: %w", path, err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return fmt.Errorf("gateway: index %s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("gateway: index %s: %w", path, err)
	}
	sc := pf.MetaData().Schema
	idCol, hashCol := sc.ColumnIndexByName("event_id"), sc.ColumnIndexByName("content_hash")
	if idCol < 0 || hashCol < 0 {
		return fmt.Errorf("gateway: index %s: no event_id or content_hash column", path)
	}
	rr, err := fr.GetRecordReader(ctx, []int{idCol, hashCol}, nil)
	if err != nil {
		return fmt.Errorf("gateway: index %s: %w", path, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		ids, ok1 := rec.Column(0).(*array.String)
		hs, ok2 := rec.Column(1).(*array.Int64)
		if !ok1 || !ok2 {
			return fmt.Errorf("gateway: index %s: event_id or content_hash of an unexpected type", path)
		}
		for i := range ids.Len() {
			k := xxh3.HashString(ids.Value(i))
			if _, ok := l.hashes[k]; !ok { // the first stored stands, as in ingest's index
				l.hashes[k] = uint64(hs.Value(i))
			}
		}
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("gateway: index %s: %w", path, err)
	}
	return nil
}

// Owners returns the unit of the first stored registration of each id of the kind.
func (l *WarehouseLookup) Owners(ctx context.Context, kind string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	k, ok := events.EntityKindOf(kind)
	if !ok {
		return nil, fmt.Errorf("gateway: no entity kind %q", kind)
	}
	files, err := l.files(ctx, k.Registrar.String())
	if err != nil || len(files) == 0 {
		return out, err
	}
	col := `"` + k.Column + `"`
	q := "SELECT " + col + ", arg_min(unit_code, (recorded_at, ingested_at)) FROM " + warehouse.ParquetSource(files) +
		" WHERE event_type = '" + k.Registrar.String() + "' AND " + col + " IN (" + quoteList(ids) + ") GROUP BY 1"
	rows, err := l.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("gateway: look up %s owners: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, unit string
		if err := rows.Scan(&id, &unit); err != nil {
			return nil, fmt.Errorf("gateway: look up %s owners: %w", kind, err)
		}
		out[id] = unit
	}
	return out, rows.Err()
}

// quoteList is ids as SQL string literals. The ids passed the contract's identifier rule, and
// quoting makes any string safe anyway.
func quoteList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "'" + strings.ReplaceAll(id, "'", "''") + "'"
	}
	return strings.Join(parts, ", ")
}
