package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

// WriteDBFile writes the derived state of the current snapshot (Refresh) and puts a copy of it
// at the warehouse's database file, for outside clients, and says what the refresh did. The
// outside clients' file is a copy rather than the derived file itself because a client may open
// it for writing: DuckDB then locks it, and whatever the client changes would be read by ntm's
// sessions, which must read only what ntm wrote. The copy is written beside the file and
// renamed over it: a client that has the old file open keeps reading the old, still
// consistent, state; a client that opens the file afterwards sees the new one. The views name
// the Parquet files of the pinned snapshot.
func WriteDBFile(ctx context.Context, w *warehouse.Warehouse) (Refreshed, error) {
	r, err := RefreshState(ctx, w)
	if err != nil {
		return r, err
	}
	return r, PublishDBFile(w, r)
}

// PublishDBFile puts a copy of the derived state r wrote at the warehouse's database file (see
// WriteDBFile), for a caller that refreshed by itself.
func PublishDBFile(w *warehouse.Warehouse, r Refreshed) error {
	if err := copyFile(r.Path, w.DBFile()); err != nil {
		return fmt.Errorf("session: database file: %w", err)
	}
	return nil
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
