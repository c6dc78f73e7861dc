package session

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// DBFileHook is WriteDBFile as a commit hook (ingest's and compaction's OnCommit): the file for
// outside clients follows the committed state without any ntm command being run.
func DBFileHook(w *warehouse.Warehouse) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := WriteDBFile(ctx, w)
		return err
	}
}

// WriteDBFile writes the database file anew for the current snapshot and returns the snapshot
// it pins. DuckDB locks a database file that a writer holds open, so the writer never opens the
// file clients read: it builds a new file beside it and renames it over the old one. A client
// that has the old file open keeps reading the old, still consistent, state; a client that
// opens the file afterwards sees the new one. The file holds views and macros, not data: the
// views name the Parquet files of the pinned snapshot.
func WriteDBFile(ctx context.Context, w *warehouse.Warehouse) (warehouse.Snapshot, error) {
	snap, err := w.Current(ctx)
	if err != nil {
		return snap, err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", w.DBFile(), os.Getpid())
	_ = os.Remove(tmp)
	_ = os.Remove(tmp + ".wal")
	db, err := sql.Open("duckdb", tmp)
	if err != nil {
		return snap, fmt.Errorf("session: database file: %w", err)
	}
	db.SetMaxOpenConns(1)
	pre := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET parquet_metadata_cache = true",
	}
	if err := build(ctx, db, w, snap, pre, []string{"CHECKPOINT"}); err != nil {
		db.Close()
		os.Remove(tmp)
		return snap, fmt.Errorf("session: database file: %w", err)
	}
	if err := db.Close(); err != nil {
		os.Remove(tmp)
		return snap, fmt.Errorf("session: database file: %w", err)
	}
	if err := fsx.SyncFile(tmp); err != nil {
		os.Remove(tmp)
		return snap, fmt.Errorf("session: database file: %w", err)
	}
	if err := fsx.Replace(tmp, w.DBFile()); err != nil {
		return snap, fmt.Errorf("session: database file: %w", err)
	}
	return snap, nil
}
