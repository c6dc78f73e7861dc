package session

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// The derived state of a committed snapshot is a DuckDB database file in the warehouse's
// derived folder, named by the snapshot it pins (DerivedFile): the whole session surface of
// that snapshot (the views and macros a session builds) plus, as tables, what is costly to
// derive again and does not depend on a query's parameters: the pinned files and their row
// commit times, the resolved correction chains, and the unit hierarchy for known_at NULL
// (queries/derived.sql). A session of the current snapshot opens that file read-only instead
// of building itself (OpenWith), when the file exists for exactly that snapshot.
//
// The file is never seen half-written: Refresh builds it under a temporary name in the same
// folder, fsyncs it and renames it into place, so the final name exists only complete. A
// writer that dies leaves a temporary file, which no session opens (sessions open the exact
// final name) and a later Refresh removes.

// DerivedSchema is the DuckDB schema of a derived state's tables of effective events, one per
// event type, named after the type's view (derived.effective_dossier_completed): effective(type,
// NULL). The prefix keeps them apart from the views, whose names clients look up without schema.
const DerivedSchema = "derived"

// derivedDir is the folder of the derived database files.
func derivedDir(w *warehouse.Warehouse) string { return filepath.Join(w.Dir(), "derived") }

// keepDerived is how many derived files Refresh keeps: the newest and the one before, which
// sessions opened just before a commit may still be reading.
const keepDerived = 2

// staleTemp is the age after which a temporary file of Refresh is taken for a dead writer's.
const staleTemp = time.Hour

// DerivedFile is the path of the derived database file of a snapshot: named by the snapshot
// IDs of events_log and dead_letters, so that a file of any other snapshot has another name.
func DerivedFile(w *warehouse.Warehouse, s warehouse.Snapshot) string {
	return filepath.Join(derivedDir(w), fmt.Sprintf("%d-%d.duckdb",
		s.Tables[warehouse.EventsLog].SnapshotID, s.Tables[warehouse.DeadLetters].SnapshotID))
}

// Refresh writes the derived state of the current snapshot (see DerivedFile) and returns the
// snapshot and the file's path. A usable file of the snapshot is kept as it is (a second hook
// run without a commit between, ntm refresh after ingest); one that is not (written where a
// moved warehouse was, or unreadable) is built anew. Then it removes all but the newest
// keepDerived files and the temporary files of dead writers.
func Refresh(ctx context.Context, w *warehouse.Warehouse) (warehouse.Snapshot, string, error) {
	snap, err := w.Current(ctx)
	if err != nil {
		return snap, "", err
	}
	path := DerivedFile(w, snap)
	if current(ctx, w, snap, path) {
		return snap, path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return snap, "", fmt.Errorf("session: derived state: %w", err)
	}
	tmp := fmt.Sprintf("%s.%d%s", path, os.Getpid(), fsx.TempSuffix)
	if err := writeDerived(ctx, w, snap, tmp); err != nil {
		return snap, "", errors.Join(fmt.Errorf("session: derived state: %w", err), removeDB(tmp))
	}
	if err := fsx.Replace(tmp, path); err != nil {
		return snap, "", fmt.Errorf("session: derived state: %w", err)
	}
	if err := pruneDerived(filepath.Dir(path), filepath.Base(path)); err != nil {
		return snap, path, fmt.Errorf("session: derived state: %w", err)
	}
	return snap, path, nil
}

// writeDerived builds the derived database file of snap at path, complete and synced.
func writeDerived(ctx context.Context, w *warehouse.Warehouse, snap warehouse.Snapshot, path string) error {
	if err := removeDB(path); err != nil {
		return err
	}
	tmpDir, err := tempDir()
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	// One transaction for the whole build: a commit per statement would flush the write-ahead
	// log some 900 times.
	pre := append(baseSettings("", tmpDir), "BEGIN TRANSACTION")
	// The effective events of each type for known_at NULL, one table each in the schema
	// derived, which effective and standing of queries/derived.sql read.
	after := []string{"CREATE SCHEMA IF NOT EXISTS " + DerivedSchema}
	for _, t := range typeNames(snap.Tables[warehouse.EventsLog].Files) {
		name := DerivedSchema + "." + ident("effective_"+strings.ReplaceAll(t, ".", "_"))
		after = append(after,
			fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM effective_from_log(%s, NULL)", name, quote(t)),
			fmt.Sprintf("COMMENT ON TABLE %s IS %s", name, quote("effective("+t+", NULL) of the pinned snapshot, materialized (sự kiện hiệu lực)")))
	}
	after = append(append(after, queries.DerivedSQL()...),
		fmt.Sprintf("CREATE TABLE derived_snapshot AS SELECT %d::BIGINT AS events_log_snapshot_id, %d::BIGINT AS dead_letters_snapshot_id",
			snap.Tables[warehouse.EventsLog].SnapshotID, snap.Tables[warehouse.DeadLetters].SnapshotID),
		"COMMENT ON TABLE derived_snapshot IS "+quote("The snapshot this derived state pins (ảnh chụp của trạng thái dẫn xuất)"),
		"COMMENT ON COLUMN derived_snapshot.events_log_snapshot_id IS "+quote("The Iceberg snapshot of events_log (mã ảnh chụp nhật ký sự kiện)"),
		"COMMENT ON COLUMN derived_snapshot.dead_letters_snapshot_id IS "+quote("The Iceberg snapshot of dead_letters (mã ảnh chụp thư lỗi)"),
		"COMMIT",
		"CHECKPOINT")
	if err := build(ctx, db, w, snap, pre, after); err != nil {
		return errors.Join(err, db.Close())
	}
	if err := db.Close(); err != nil {
		return err
	}
	return fsx.SyncFile(path)
}

// removeDB removes a DuckDB database file and its write-ahead log, if they exist.
func removeDB(path string) error {
	return errors.Join(ignoreMissing(os.Remove(path)), ignoreMissing(os.Remove(path+".wal")))
}

func ignoreMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// pruneDerived removes the derived files of dir but the newest keepDerived (keep among them),
// and temporary files older than staleTemp.
func pruneDerived(dir, keep string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	var errs []error
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() {
			continue
		}
		n := e.Name()
		switch {
		case strings.HasSuffix(n, ".duckdb"):
			if n != keep {
				files = append(files, file{n, info.ModTime()})
			}
		case strings.Contains(n, ".duckdb.") && time.Since(info.ModTime()) > staleTemp:
			errs = append(errs, ignoreMissing(os.Remove(filepath.Join(dir, n))))
		}
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Compare(b.mod.UnixNano(), a.mod.UnixNano()) })
	for i, f := range files {
		if i >= keepDerived-1 {
			errs = append(errs, removeDB(filepath.Join(dir, f.name)))
		}
	}
	return errors.Join(errs...)
}

// openDerived opens the derived file of snap read-only, with the statements before and after
// (the session's settings and lockdown), or returns nil when there is no usable file: none for
// exactly this snapshot (by its name and by the snapshot it records), one that cannot be read,
// or one written where the warehouse was before it was moved (its views name the data files by
// absolute path). Only the statements after, the lockdown, fail the session.
func openDerived(ctx context.Context, w *warehouse.Warehouse, snap warehouse.Snapshot, before, after []string) (*sql.DB, error) {
	path := DerivedFile(w, snap)
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	db, err := attachDerived(path)
	if err != nil {
		return nil, nil
	}
	usable := func() bool {
		for _, s := range before {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return false
			}
		}
		return pins(ctx, db, w, snap)
	}
	if !usable() {
		db.Close()
		return nil, nil
	}
	for _, s := range after {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("session: duckdb setup %q: %w", firstLine(s), err)
		}
	}
	return db, nil
}

// pins reports whether the derived state open in db is that of snap, written for the warehouse
// in its folder.
func pins(ctx context.Context, db *sql.DB, w *warehouse.Warehouse, snap warehouse.Snapshot) bool {
	var el, dl, elsewhere int64
	err := db.QueryRowContext(ctx, `SELECT events_log_snapshot_id, dead_letters_snapshot_id,
    (SELECT count(*) FROM warehouse_files WHERE NOT starts_with(path, ?)) FROM derived_snapshot`,
		w.Dir()+string(filepath.Separator)).Scan(&el, &dl, &elsewhere)
	return err == nil && elsewhere == 0 &&
		el == snap.Tables[warehouse.EventsLog].SnapshotID && dl == snap.Tables[warehouse.DeadLetters].SnapshotID
}

// current reports whether path holds a usable derived state of snap.
func current(ctx context.Context, w *warehouse.Warehouse, snap warehouse.Snapshot, path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	db, err := attachDerived(path)
	if err != nil {
		return false
	}
	defer db.Close()
	return pins(ctx, db, w, snap)
}

// derivedCatalog is the name a session attaches its derived state under.
const derivedCatalog = "ntm"

// attachDerived is an in-memory DuckDB of its own with the derived file at path attached
// read-only as derivedCatalog, the default catalog of every connection. The file is attached,
// not opened as the database: DuckDB shares one database instance among the opens of one file
// in a process, settings included, so that the first session's lockdown would lock every other
// session's settings (and one session's settings would be another's); an in-memory database is
// each session's own.
func attachDerived(path string) (*sql.DB, error) {
	use := "USE " + derivedCatalog
	attach := fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", quote(path), derivedCatalog)
	c, err := duckdb.NewConnector("", func(e driver.ExecerContext) error {
		// A connection after the first finds the file attached; the first attaches it, before
		// the lockdown forbids attaching files.
		ctx := context.Background()
		if _, err := e.ExecContext(ctx, use, nil); err == nil {
			return nil
		}
		if _, err := e.ExecContext(ctx, attach, nil); err != nil {
			return err
		}
		_, err := e.ExecContext(ctx, use, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, nil
}

// copyFile copies the complete file src to dst through a synced temporary file and a rename.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return fsx.WriteWith(dst, 0o644, func(out io.Writer) error {
		_, err := io.Copy(out, in)
		return err
	})
}
