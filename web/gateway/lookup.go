package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver, built in: nothing is downloaded

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// WarehouseLookup answers Lookup from the warehouse's current snapshot with an in-memory DuckDB
// that reads the snapshot's files directly (only the columns a check needs, only the partition
// of the registering type for an owner). Events runs once per request that holds a valid line
// (for duplicates and conflicts, and the targets of corrections and retractions); Owners only
// for requests that hold entity events, once per kind.
type WarehouseLookup struct {
	w  *warehouse.Warehouse
	db *sql.DB

	mu       sync.Mutex
	snapshot int64                // the events_log snapshot whose files are cached
	cached   []warehouse.DataFile // its files
}

// NewWarehouseLookup opens the lookup; Close releases it.
func NewWarehouseLookup(w *warehouse.Warehouse) (*WarehouseLookup, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("gateway: duckdb: %w", err)
	}
	db.SetMaxOpenConns(2)
	return &WarehouseLookup{w: w, db: db}, nil
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

// Events returns the stored events among ids with their unit, type and content hash. The
// ids are asked in chunks, so that a request of tens of thousands of events makes a few
// queries of bounded size.
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
	q := "SELECT event_id, arg_min(unit_code, ingested_at), arg_min(event_type, ingested_at), arg_min(content_hash, ingested_at) FROM " +
		warehouse.ParquetSource(files) + " WHERE event_id IN (" + quoteList(ids) + ") GROUP BY event_id"
	rows, err := l.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("gateway: look up events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t Target
		var hash int64
		if err := rows.Scan(&id, &t.UnitCode, &t.Type, &hash); err != nil {
			return fmt.Errorf("gateway: look up events: %w", err)
		}
		t.Hash = uint64(hash) // stored as the bits of the uint64, as ingest's index reads it
		out[id] = t
	}
	return rows.Err()
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
