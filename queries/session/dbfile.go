package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

// RefreshDBFile writes the database file anew when it was written for the warehouse in another
// folder, and reports whether it did. The file's views name the data files by absolute path
// (DuckDB reads a relative path from the client's working directory, not from the database
// file's folder), so a warehouse that was moved leaves its file naming the old folder: ntm
// rebuilds it the first time a command (ntm sql, ntm verify, ...) opens the warehouse where it
// is now. A missing file is left missing: the next commit writes it.
func RefreshDBFile(ctx context.Context, w *warehouse.Warehouse) (bool, error) {
	if _, err := os.Stat(w.DBFile()); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	stale, err := dbFileElsewhere(ctx, w)
	if err != nil || !stale {
		return false, err
	}
	if _, err := WriteDBFile(ctx, w); err != nil {
		return false, err
	}
	return true, nil
}

// dbFileElsewhere reports whether the database file names data files outside the warehouse's
// folder. A file that cannot be read as a database (a client holds it open for writing) is
// left alone.
func dbFileElsewhere(ctx context.Context, w *warehouse.Warehouse) (bool, error) {
	db, err := sql.Open("duckdb", w.DBFile()+"?access_mode=read_only")
	if err != nil {
		return false, nil
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM warehouse_files WHERE NOT starts_with(path, ?)",
		w.Dir()+string(filepath.Separator)).Scan(&n)
	if err != nil {
		return false, nil
	}
	return n > 0, nil
}
