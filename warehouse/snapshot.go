package warehouse

import (
	"context"
	"time"

	"github.com/apache/iceberg-go"
)

// Snapshot pins the data files a reader sees: one snapshot per table.
type Snapshot struct {
	Tables map[string]TableSnapshot
}

// TableSnapshot is one table's pinned snapshot.
type TableSnapshot struct {
	SnapshotID int64 // 0 when the table has no snapshot yet
	Files      []DataFile
	Offsets    Offsets
	// Schema is the table's current schema, whose field IDs the data files carry: readers
	// match a file's columns by ID, as Iceberg does. Nil reads the files by column name.
	Schema *iceberg.Schema
}

// KnownAt is the instant the pinned data is as of: the latest commit among its files (at or
// before at, when given). Outputs record it instead of any wall-clock time.
func (s Snapshot) KnownAt(at *time.Time) time.Time {
	var latest time.Time
	for _, t := range s.Tables {
		for _, f := range t.Files {
			if at != nil && f.CommittedAt.After(*at) {
				continue
			}
			if f.CommittedAt.After(latest) {
				latest = f.CommittedAt
			}
		}
	}
	return latest
}

// Current pins the current snapshot of every table. The lists of files come from the cache of
// listings where it has them (listing.go).
func (w *Warehouse) Current(ctx context.Context) (Snapshot, error) {
	return w.current(ctx, true)
}

// current is Current, reading the lists of files from the manifests when cached is false.
func (w *Warehouse) current(ctx context.Context, cached bool) (Snapshot, error) {
	s := Snapshot{Tables: map[string]TableSnapshot{}}
	for _, name := range []string{EventsLog, DeadLetters} {
		t, err := w.Load(ctx, name)
		if err != nil {
			return s, err
		}
		ts := TableSnapshot{Offsets: OffsetsOf(t), Schema: t.Schema()}
		if cs := t.CurrentSnapshot(); cs != nil {
			ts.SnapshotID = cs.SnapshotID
			if cached {
				ts.Files, err = w.snapshotFiles(ctx, name, t, cs.SnapshotID)
			} else {
				ts.Files, err = Files(ctx, t, cs.SnapshotID)
			}
			if err != nil {
				return s, err
			}
		}
		s.Tables[name] = ts
	}
	return s, nil
}
