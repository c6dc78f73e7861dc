package session

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/thanhhoa-ntm/ntm/events"
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

// How a refresh produced the derived state of its snapshot.
const (
	Kept        = "kept"        // the snapshot's file existed and was usable
	Incremental = "incremental" // an earlier snapshot's file, brought forward
	Full        = "full"        // derived from the log
)

// Refreshed says what a refresh did.
type Refreshed struct {
	Snapshot warehouse.Snapshot
	Path     string // the derived file of Snapshot
	How      string // Kept, Incremental or Full
	// From is the earlier snapshot's file an incremental refresh started from; Why says why a
	// full refresh did not start from one that existed.
	From, Why string
	// Added is how many data files of events_log the snapshot has that From had not; Types are
	// the event types whose effective events changed, and Hierarchy whether the unit hierarchy
	// was derived again.
	Added     int
	Types     []string
	Hierarchy bool
}

// Refresh writes the derived state of the current snapshot (see DerivedFile) and returns the
// snapshot and the file's path (see RefreshState).
func Refresh(ctx context.Context, w *warehouse.Warehouse) (warehouse.Snapshot, string, error) {
	r, err := RefreshState(ctx, w)
	return r.Snapshot, r.Path, err
}

// RefreshState writes the derived state of the current snapshot and says how. A usable file of
// the snapshot is kept as it is (a second hook run without a commit between, ntm refresh after
// ingest). Otherwise the newest derived file of an earlier snapshot is brought forward when it
// can be (see update): work for the files the snapshot added and the facts they changed, not
// for the whole log; and when there is none, or it cannot be (written by another version of
// ntm, or for another table schema, or the snapshot is not a later one), the state is derived
// from the log, as it is when the snapshot added more than a third of its events (deriving
// them is then the faster). Then it removes all but the newest keepDerived files and the
// temporary files of dead writers.
func RefreshState(ctx context.Context, w *warehouse.Warehouse) (Refreshed, error) {
	snap, err := w.Current(ctx)
	if err != nil {
		return Refreshed{}, err
	}
	path := DerivedFile(w, snap)
	r := Refreshed{Snapshot: snap, Path: path}
	if current(ctx, w, snap, path) {
		r.How = Kept
		return r, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return r, fmt.Errorf("session: derived state: %w", err)
	}
	// The temporary name is the process's and this call's own: two refreshes of one process
	// (a commit hook and a watcher) may run at once.
	tmp := fmt.Sprintf("%s.%d-%d%s", path, os.Getpid(), rand.Uint64(), fsx.TempSuffix)
	if prev := newestDerived(filepath.Dir(path), filepath.Base(path)); prev != "" {
		r.From = prev
		r.Why, err = update(ctx, w, snap, prev, tmp, &r)
		if err != nil {
			return r, errors.Join(fmt.Errorf("session: derived state: %w", err), removeDB(tmp))
		}
	}
	if r.How == "" {
		r.From = ""
		if err := writeDerived(ctx, w, snap, tmp); err != nil {
			return r, errors.Join(fmt.Errorf("session: derived state: %w", err), removeDB(tmp))
		}
		r.How = Full
	}
	if err := fsx.Replace(tmp, path); err != nil {
		return r, fmt.Errorf("session: derived state: %w", err)
	}
	if err := pruneDerived(filepath.Dir(path), filepath.Base(path)); err != nil {
		return r, fmt.Errorf("session: derived state: %w", err)
	}
	return r, nil
}

// derivedVersion changes whenever what derived.go writes changes in a way the SQL text does
// not show; with the SQL it makes the format a derived file records (derivedFormat), and a
// file of another format is never brought forward.
const derivedVersion = "3"

// derivedFormat is the format of the derived files this build writes: a hash of derivedVersion
// and of every statement of the surface, the effective tables and the hierarchy.
func derivedFormat() string {
	h := sha256.New()
	h.Write([]byte(derivedVersion))
	for _, s := range slices.Concat(surfaceSQL(), queries.DerivedSQL(), queries.HierarchySQL()) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// writeDerived derives the state of snap from the log at path, complete and synced.
func writeDerived(ctx context.Context, w *warehouse.Warehouse, snap warehouse.Snapshot, path string) error {
	db, err := openWritable(path, true)
	if err != nil {
		return err
	}
	err = func() error {
		if err := run(ctx, db, append(viewSQL(w, snap), newFactsSQL)); err != nil {
			return err
		}
		for _, t := range typeNames(snap.Tables[warehouse.EventsLog].Files) {
			if err := createEffective(ctx, db, t); err != nil {
				return err
			}
		}
		if err := run(ctx, db, slices.Concat(queries.DerivedSQL(), queries.HierarchySQL(), factsSQL(true))); err != nil {
			return err
		}
		return finish(ctx, db, snap)
	}()
	return closeWritable(path, db, err)
}

// openWritable opens the DuckDB file at path for a refresh (removing any file there first when
// fresh) with the base settings, in one transaction: a commit per statement would flush the
// write-ahead log some 900 times.
func openWritable(path string, fresh bool) (*sql.DB, error) {
	if fresh {
		if err := removeDB(path); err != nil {
			return nil, err
		}
	}
	tmpDir, err := tempDir()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, s := range append(baseSettings("", tmpDir), "BEGIN TRANSACTION") {
		if _, err := db.Exec(s); err != nil {
			return nil, errors.Join(fmt.Errorf("%s: %w", s, err), db.Close())
		}
	}
	return db, nil
}

// closeWritable commits a refresh's transaction and checkpoints, when err is nil, then closes
// the database and syncs its file.
func closeWritable(path string, db *sql.DB, err error) error {
	if err == nil {
		for _, s := range []string{"COMMIT", "CHECKPOINT"} {
			if _, err = db.Exec(s); err != nil {
				break
			}
		}
	}
	if err = errors.Join(err, db.Close()); err != nil {
		return err
	}
	return fsx.SyncFile(path)
}

// factsSQL records the facts' standing the state was computed with, which the next incremental
// refresh compares its own with: new_facts, written whole (full) or where it changed
// (changed_facts holds every row of new_facts that the recorded standing lacks).
func factsSQL(full bool) []string {
	if !full {
		return []string{
			"DELETE FROM derived_event_facts WHERE event_id IN (SELECT event_id FROM changed_facts)",
			"INSERT INTO derived_event_facts SELECT * FROM changed_facts",
		}
	}
	return []string{
		"CREATE OR REPLACE TABLE derived_event_facts AS SELECT * FROM new_facts",
		"COMMENT ON TABLE derived_event_facts IS " + quote("event_facts(NULL, NULL) of the pinned snapshot, materialized: the standing of every event a correction chain or a retraction decides (sự kiện bị đính chính, thu hồi)"),
		"COMMENT ON COLUMN derived_event_facts.event_id IS " + quote("An event of a correction chain, or a retracted event (mã sự kiện)"),
		"COMMENT ON COLUMN derived_event_facts.fact_id IS " + quote("The fact it is about: its chain's root (mã sự kiện gốc)"),
		"COMMENT ON COLUMN derived_event_facts.superseded IS " + quote("A later member of its chain stands instead of it (đã bị đính chính)"),
		"COMMENT ON COLUMN derived_event_facts.retracted IS " + quote("Its fact was retracted (đã bị thu hồi)"),
		"COMMENT ON COLUMN derived_event_facts.superseded_at IS " + quote("Commit time from which it no longer stands, NULL while it does (hết hiệu lực từ, theo thời điểm ghi nhận)"),
	}
}

// finish records when the hierarchy was last changed (see hierarchySince) and the snapshot the
// state pins.
func finish(ctx context.Context, db *sql.DB, snap warehouse.Snapshot) error {
	since, err := hierarchySince(ctx, db, typeNames(snap.Tables[warehouse.EventsLog].Files))
	if err != nil {
		return err
	}
	return run(ctx, db, append([]string{since}, finishSQL(snap)...))
}

// hierarchySince is the DDL of the macro derived_hierarchy_since(): the last commit time of an
// event the unit hierarchy depends on (an admin_unit.* event, or a retraction of one). At any
// known_at from then on the hierarchy is the one of known_at NULL, so unit_states and
// unit_scopes read the tables for it (queries/derived.sql) instead of deriving it again.
func hierarchySince(ctx context.Context, db *sql.DB, types []string) (string, error) {
	var admin []string
	for _, t := range types {
		if strings.HasPrefix(t, "admin_unit.") {
			admin = append(admin, "SELECT event_id, committed_at FROM "+effectiveTable(t))
		}
	}
	since := "'-infinity'" // no event of the hierarchy: it never changed
	if len(admin) > 0 {
		q := fmt.Sprintf(`WITH a AS (%s)
SELECT epoch_us(max(c)) FROM (
    SELECT max(committed_at) AS c FROM a
    UNION ALL
    SELECT max(committed_at) FROM %s WHERE retracted_event_id IN (SELECT event_id FROM a))`,
			strings.Join(admin, " UNION ALL "), effectiveTable("event.retracted"))
		var us sql.NullInt64
		if err := db.QueryRowContext(ctx, q).Scan(&us); err != nil {
			return "", fmt.Errorf("session: when the hierarchy changed: %w", err)
		}
		if us.Valid {
			since = fmt.Sprintf("make_timestamptz(%d)", us.Int64)
		}
	}
	return "CREATE OR REPLACE MACRO derived_hierarchy_since() AS CAST(" + since + " AS TIMESTAMPTZ)", nil
}

// finishSQL records the snapshot the state pins.
func finishSQL(snap warehouse.Snapshot) []string {
	return []string{
		fmt.Sprintf("CREATE OR REPLACE TABLE derived_snapshot AS SELECT %d::BIGINT AS events_log_snapshot_id, %d::BIGINT AS dead_letters_snapshot_id, %s AS format, %s AS events_schema",
			snap.Tables[warehouse.EventsLog].SnapshotID, snap.Tables[warehouse.DeadLetters].SnapshotID,
			quote(derivedFormat()), quote(fieldsOption(snap.Tables[warehouse.EventsLog].Schema))),
		"COMMENT ON TABLE derived_snapshot IS " + quote("The snapshot this derived state pins (ảnh chụp của trạng thái dẫn xuất)"),
		"COMMENT ON COLUMN derived_snapshot.events_log_snapshot_id IS " + quote("The Iceberg snapshot of events_log (mã ảnh chụp nhật ký sự kiện)"),
		"COMMENT ON COLUMN derived_snapshot.dead_letters_snapshot_id IS " + quote("The Iceberg snapshot of dead_letters (mã ảnh chụp thư lỗi)"),
		"COMMENT ON COLUMN derived_snapshot.format IS " + quote("The version of ntm's derivation that wrote the state: a later refresh brings forward only a state of its own format (phiên bản cách dẫn xuất)"),
		"COMMENT ON COLUMN derived_snapshot.events_schema IS " + quote("The events_log columns the state was derived with, by Iceberg field ID (lược đồ nhật ký sự kiện)"),
	}
}

// newFactsSQL materializes the standing of the events a correction chain or a retraction
// decides, as the state being written has it: event_facts(NULL, NULL), and for each event the
// commit time from which it no longer stands (superseded_at, NULL while it does), so that the
// tables answer as known at any instant too.
//
// An event stands from its commit until superseded_at and never again: chains only grow and
// merge as commits add events (event_chains holds each member's fact as a step function of
// commit time), so a later member of its fact, once there, stays there, and so does a retracted
// one; the earliest commit time at which either is so ends it. It is found from the rows of
// event_chains: for a later member g of e's fact, the first instant both rows share the fact;
// for a retracted member m, the first instant both share it and the retraction is known; and
// for e itself, when its retraction is known (e is known only from its own commit, so that an
// earlier retraction ends it before it begins).
const newFactsSQL = `CREATE OR REPLACE TEMP TABLE new_facts AS
WITH
ch AS (
    SELECT event_id, fact_id, recorded_at, valid_from,
           coalesce(valid_to, CAST('infinity' AS TIMESTAMPTZ)) AS valid_to
    FROM event_chains
),
ret AS (
    SELECT retracted_event_id AS event_id, min(committed_at) AS known_from
    FROM known_events('event.retracted', NULL) GROUP BY ALL
),
ends AS (
    SELECT e.event_id, greatest(e.valid_from, g.valid_from) AS ends_at
    FROM ch e JOIN ch g ON g.fact_id = e.fact_id
    WHERE (g.recorded_at > e.recorded_at OR (g.recorded_at = e.recorded_at AND g.event_id > e.event_id))
      AND greatest(e.valid_from, g.valid_from) < least(e.valid_to, g.valid_to)
    UNION ALL
    SELECT e.event_id, greatest(e.valid_from, m.valid_from, r.known_from)
    FROM ch e JOIN ch m ON m.fact_id = e.fact_id JOIN ret r ON r.event_id = m.event_id
    WHERE greatest(e.valid_from, m.valid_from, r.known_from) < least(e.valid_to, m.valid_to)
    UNION ALL
    SELECT event_id, known_from FROM ret
)
SELECT f.*, x.superseded_at
FROM event_facts(NULL, NULL) f
LEFT JOIN (SELECT event_id, min(ends_at) AS superseded_at FROM ends GROUP BY ALL) x ON x.event_id = f.event_id`

// effectiveTable is the table of the events of type t in a derived state: every known event of
// the type, each with its fact and the commit time from which it no longer stands
// (superseded_at, see newFactsSQL). effectiveAll is the table macro of the standing ones with
// every column of effective_from_log, knownAll that of all of them with every column of the
// event log (the payload and its hash NULL: no query of the surface reads them, and they are
// most of an event's bytes); effectiveAt and standingAt are effective and standing as known at
// an instant, with each event's fact at that instant from event_chains. They are macros, not
// views: the views are the documented surface, every column commented, as typeSources says.
func effectiveTable(t string) string { return derivedName("effective_", t, "") }

func effectiveAll(t string) string { return derivedName("effective_", t, "_all") }

func effectiveAt(t string) string { return derivedName("effective_", t, "_at") }

func standingAt(t string) string { return derivedName("standing_", t, "_at") }

func knownAll(t string) string { return derivedName("known_", t, "_all") }

func derivedName(prefix, t, suffix string) string {
	return DerivedSchema + "." + ident(prefix+strings.ReplaceAll(t, ".", "_")+suffix)
}

// describe lists the columns of a query's result, with their types.
func describe(ctx context.Context, db *sql.DB, q string) ([][2]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+q+")")
	if err != nil {
		return nil, err
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			rows.Close()
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, errors.Join(rows.Err(), rows.Close())
}

// padded lists the columns of cols, those of the table (kept) by name and the others as typed
// NULLs, in the order of cols.
func padded(cols [][2]string, kept map[string]bool) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if kept[c[0]] {
			out[i] = ident(c[0])
		} else {
			out[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", c[1], ident(c[0]))
		}
	}
	return strings.Join(out, ", ")
}

// createEffective writes effectiveTable(t) from the log and new_facts, with the columns of the
// type only (the other types' columns are NULL in every row, and writing 90 columns instead of
// 20 cost most of a refresh), and the macros effectiveAll(t) and knownAll(t), which give it the
// columns of effective_from_log and of known_events back, in their order, so that both have
// the same columns whether they read the table or the log.
func createEffective(ctx context.Context, db *sql.DB, t string) error {
	known, err := describe(ctx, db, fmt.Sprintf("SELECT * FROM known_events(%s, NULL)", quote(t)))
	if err != nil {
		return fmt.Errorf("events of %s: %w", t, err)
	}
	eff, err := describe(ctx, db, fmt.Sprintf("SELECT * FROM effective_from_log(%s, NULL)", quote(t)))
	if err != nil {
		return fmt.Errorf("effective events of %s: %w", t, err)
	}
	own := map[string]bool{"committed_at": true}
	_, contract := events.ParseType(t)
	for _, c := range warehouse.TypeColumns(t) {
		own[c.Name] = contract && c.Name != "payload" && c.Name != "content_hash"
	}
	var kept []string
	for _, c := range known {
		if own[c[0]] || (!contract && c[0] != "payload" && c[0] != "content_hash") {
			own[c[0]] = true
			kept = append(kept, "e."+ident(c[0]))
		}
	}
	own["fact_id"] = true
	standingCols := slices.DeleteFunc(slices.Clone(eff), func(c [2]string) bool { return c[0] == "fact_id" })
	// As known at an instant: known then, not yet superseded, and with the fact its chain had.
	at := fmt.Sprintf(`FROM %s WHERE committed_at <= known_at AND (superseded_at IS NULL OR known_at < superseded_at)`, effectiveTable(t))
	for _, s := range []string{
		fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS
SELECT %s, coalesce(f.fact_id, e.event_id) AS fact_id, f.superseded_at
FROM known_events(%s, NULL) e LEFT JOIN new_facts f ON f.event_id = e.event_id`, effectiveTable(t), strings.Join(kept, ", "), quote(t)),
		fmt.Sprintf("COMMENT ON TABLE %s IS %s", effectiveTable(t), quote("Every known "+t+" event of the pinned snapshot with the type's own columns, its fact and the commit time from which it no longer stands: effective("+t+", NULL) are those that stand (sự kiện đã biết)")),
		fmt.Sprintf("CREATE OR REPLACE MACRO %s() AS TABLE SELECT %s FROM %s WHERE superseded_at IS NULL", effectiveAll(t), padded(eff, own), effectiveTable(t)),
		fmt.Sprintf("CREATE OR REPLACE MACRO %s() AS TABLE SELECT %s FROM %s", knownAll(t), padded(known, own), effectiveTable(t)),
		fmt.Sprintf(`CREATE OR REPLACE MACRO %s(known_at) AS TABLE SELECT %s FROM (
    SELECT e.* REPLACE (coalesce(c.chain_fact, e.event_id) AS fact_id) FROM (SELECT * %s) e
    LEFT JOIN (SELECT event_id AS chain_event, fact_id AS chain_fact FROM main.event_chains
               WHERE valid_from <= known_at AND (valid_to IS NULL OR known_at < valid_to)) c
      ON c.chain_event = e.event_id)`, effectiveAt(t), padded(eff, own), at),
		fmt.Sprintf("CREATE OR REPLACE MACRO %s(known_at) AS TABLE SELECT %s %s", standingAt(t), padded(standingCols, own), at),
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("effective events of %s: %q: %w", t, firstLine(s), err)
		}
	}
	return nil
}

// newestDerived is the newest derived file in dir other than skip, or "".
func newestDerived(dir, skip string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var best string
	var mod time.Time
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".duckdb") || n == skip || e.IsDir() {
			continue
		}
		if info, err := e.Info(); err == nil && (best == "" || info.ModTime().After(mod)) {
			best, mod = filepath.Join(dir, n), info.ModTime()
		}
	}
	return best
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
	var el, dl int64
	err := db.QueryRowContext(ctx, "SELECT events_log_snapshot_id, dead_letters_snapshot_id FROM derived_snapshot").Scan(&el, &dl)
	return err == nil && pinsFolder(ctx, db, w) &&
		el == snap.Tables[warehouse.EventsLog].SnapshotID && dl == snap.Tables[warehouse.DeadLetters].SnapshotID
}

// pinsFolder reports whether the derived state open in db names the data files of the
// warehouse in its folder.
func pinsFolder(ctx context.Context, db *sql.DB, w *warehouse.Warehouse) bool {
	var elsewhere int64
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM warehouse_files WHERE NOT starts_with(path, ?)",
		w.Dir()+string(filepath.Separator)).Scan(&elsewhere)
	return err == nil && elsewhere == 0
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

// update brings the derived state in the file prev, of an earlier snapshot, forward to snap, at
// tmp, and returns "" with r.How set to Incremental, or why it could not (then the caller
// derives the state from the log).
//
// What is redone, and why that is enough:
//   - The relations that name files (pinSQL: the file tables, the base views, the per-type
//     sources) are written again for snap, and the correction chains resolved again from the
//     links of the log (a scan of the corrects column, then of the targets' ids). The rest of the
//     surface (views, macros, indicators) names none and is kept, since the file has this
//     build's format.
//   - The data files snap added are found by comparing its file list with the one the file
//     records. Their events are the only new ones, except in files a compaction wrote, whose
//     rows are ones the earlier snapshot held when the files the compaction removed hold as
//     many rows; otherwise (a compaction of files the earlier state never had, a snapshot that
//     is not a later one) the state is derived from the log.
//   - A stored event's standing changes only through the facts of event_facts: it is
//     superseded by a later member of its chain, or its fact is retracted, or it joins a chain
//     under another root. Chains only grow and merge as events arrive, so an event once
//     superseded or retracted stays so (from the commit time recorded as its superseded_at),
//     and the rows of the effective tables change exactly where event_facts now differs from
//     the standing recorded with the state (derived_event_facts): those rows get their new
//     fact_id or superseded_at, and the new files' events are inserted with the new standing.
//   - The hierarchy is derived again only when the effective events of an admin_unit.* type
//     changed.
func update(ctx context.Context, w *warehouse.Warehouse, snap warehouse.Snapshot, prev, tmp string, r *Refreshed) (string, error) {
	if err := removeDB(tmp); err != nil {
		return "", err
	}
	if err := copyPlain(prev, tmp); err != nil {
		return "the earlier state could not be copied: " + err.Error(), removeDB(tmp)
	}
	db, err := openWritable(tmp, false)
	if err != nil {
		return "the earlier state could not be opened: " + err.Error(), removeDB(tmp)
	}
	why, err := bringForward(ctx, db, w, snap, r)
	if why != "" || err != nil {
		db.Close()
		if err != nil {
			why = err.Error()
		}
		return why, removeDB(tmp)
	}
	if err := closeWritable(tmp, db, nil); err != nil {
		return "", err
	}
	r.How = Incremental
	return "", nil
}

// bringForward is update's work on the open copy of the earlier state.
func bringForward(ctx context.Context, db *sql.DB, w *warehouse.Warehouse, snap warehouse.Snapshot, r *Refreshed) (string, error) {
	var format, schema string
	if err := db.QueryRowContext(ctx, "SELECT format, events_schema FROM derived_snapshot").Scan(&format, &schema); err != nil {
		return "the earlier state records no format", nil
	}
	if format != derivedFormat() {
		return "the earlier state was written by another version of ntm", nil
	}
	if schema != fieldsOption(snap.Tables[warehouse.EventsLog].Schema) {
		return "the event log's columns changed", nil
	}
	if !pinsFolder(ctx, db, w) {
		return "the earlier state was written where the warehouse was before it moved", nil
	}
	added, why, err := addedFiles(ctx, db, snap.Tables[warehouse.EventsLog].Files)
	if why != "" || err != nil {
		return why, err
	}
	r.Added = len(added)
	var addedRows, rows int64
	for _, f := range added {
		addedRows += f.Records
	}
	for _, f := range snap.Tables[warehouse.EventsLog].Files {
		rows += f.Records
	}
	// Bringing a state forward costs about 14 s per million new events at scale medium against
	// 7-9 s for deriving 2 million from the log: past about half of the events, deriving is the
	// faster (a third leaves a margin), once there are enough of them for it to matter.
	if addedRows*3 > rows && addedRows > 200_000 {
		return fmt.Sprintf("the snapshot added %d of its %d events: deriving them from the log is faster", addedRows, rows), nil
	}
	schemaFile := w.SchemaFile(warehouse.EventsLog)
	if err := run(ctx, db, slices.Concat(
		pinSQL(w, snap),
		[]string{"CREATE TEMP TABLE new_events AS SELECT event_id, event_type, corrects, recorded_at, committed_at FROM " + eventSource(schemaFile, nil, added)})); err != nil {
		return "", err
	}
	// The new events come in standing, each its own fact; the chains and retractions then
	// decide, below.
	types := typeNames(snap.Tables[warehouse.EventsLog].Files)
	byType := typeFiles(added)
	touched := map[string]bool{}
	for _, t := range types {
		n, err := insertEvents(ctx, db, schemaFile, t, byType[t])
		if errors.Is(err, errNoTable) {
			return t + ": " + err.Error(), nil
		}
		if err != nil {
			return "", err
		}
		touched[t] = n > 0
	}
	links, err := linkSQL(ctx, db)
	if err != nil {
		return "", err
	}
	if err := run(ctx, db, slices.Concat(links, chainSQL(), []string{newFactsSQL,
		// The standing that changed, and that of every new event a chain or a retraction
		// decides (a retraction may have come before its target).
		`CREATE TEMP TABLE changed_facts AS
(SELECT * FROM new_facts EXCEPT SELECT * FROM derived_event_facts)
UNION (SELECT f.* FROM new_facts f SEMI JOIN new_events n ON n.event_id = f.event_id)`})); err != nil {
		return "", err
	}
	// Each update scans its table's event ids (random, so no zone map prunes them): none when no
	// standing changed, as after a compaction or a commit without corrections or retractions.
	var changed int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM changed_facts").Scan(&changed); err != nil {
		return "", err
	}
	for _, t := range types {
		if changed == 0 {
			break
		}
		res, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE %[1]s SET fact_id = c.fact_id, superseded_at = c.superseded_at
FROM changed_facts c WHERE c.event_id = %[1]s.event_id
  AND (%[1]s.fact_id IS DISTINCT FROM c.fact_id OR %[1]s.superseded_at IS DISTINCT FROM c.superseded_at)`, effectiveTable(t)))
		if err != nil {
			return "", fmt.Errorf("effective events of %s: %w", t, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return "", err
		} else if n > 0 {
			touched[t] = true
		}
	}
	for _, t := range types {
		if touched[t] {
			r.Types = append(r.Types, t)
			r.Hierarchy = r.Hierarchy || strings.HasPrefix(t, "admin_unit.")
		}
	}
	var stmts []string
	if r.Hierarchy {
		stmts = queries.HierarchySQL()
	}
	if err := run(ctx, db, append(stmts, factsSQL(false)...)); err != nil {
		return "", err
	}
	return "", finish(ctx, db, snap)
}

// errNoTable says that a type has no table in the earlier state: a type the contract did not
// have, or one of no file before; the state is then derived from the log.
var errNoTable = errors.New("an event type has no table in the earlier state")

// insertEvents appends the events of type t in the added files to its table, each standing as
// its own fact, and returns how many.
func insertEvents(ctx context.Context, db *sql.DB, schemaFile, t string, added []warehouse.DataFile) (int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index`,
		DerivedSchema, "effective_"+strings.ReplaceAll(t, ".", "_"))
	if err != nil {
		return 0, err
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, err
		}
		if c != "fact_id" && c != "superseded_at" {
			cols = append(cols, ident(c))
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	if len(cols) == 0 {
		return 0, errNoTable
	}
	if len(added) == 0 {
		return 0, nil
	}
	res, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s SELECT %s, event_id, CAST(NULL AS TIMESTAMPTZ) FROM %s WHERE event_type = %s",
		effectiveTable(t), strings.Join(cols, ", "), eventSource(schemaFile, nil, added), quote(t)))
	if err != nil {
		return 0, fmt.Errorf("events of %s: %w", t, err)
	}
	return res.RowsAffected()
}

// linkSQL finds the links the new events make (see chains.go): new corrections to any stored
// event of their type, looked up in the types' tables (which hold the new events too), and
// corrections stored before without their target to the new events; the corrections still
// without a target stay open.
func linkSQL(ctx context.Context, db *sql.DB) ([]string, error) {
	stmts := []string{`CREATE TEMP TABLE new_corrections AS
SELECT * FROM new_events WHERE corrects IS NOT NULL AND corrects <> event_id`}
	var types []string
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT c.event_type FROM new_events c
WHERE c.corrects IS NOT NULL AND c.corrects <> c.event_id AND EXISTS (
    SELECT 1 FROM duckdb_tables() d WHERE d.database_name = current_database() AND d.schema_name = ?
      AND d.table_name = 'effective_' || replace(c.event_type, '.', '_')) ORDER BY 1`, DerivedSchema)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		types = append(types, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for _, t := range types {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s
SELECT c.event_id, c.event_type, c.recorded_at, c.committed_at, e.event_id, e.recorded_at, e.committed_at
FROM new_corrections c JOIN (
    SELECT event_id, recorded_at, committed_at FROM %s
    WHERE event_id IN (SELECT corrects FROM new_corrections WHERE event_type = %s)
) e ON e.event_id = c.corrects
WHERE c.event_type = %s`, chainLinksTable, effectiveTable(t), quote(t), quote(t)))
	}
	return append(stmts,
		fmt.Sprintf(`INSERT INTO %s
SELECT o.event_id, o.event_type, o.recorded_at, o.committed_at, n.event_id, n.recorded_at, n.committed_at
FROM %s o JOIN new_events n ON n.event_id = o.corrects AND n.event_type = o.event_type`, chainLinksTable, openCorrectionsTable),
		fmt.Sprintf("DELETE FROM %s WHERE event_id IN (SELECT cid FROM %s)", openCorrectionsTable, chainLinksTable),
		fmt.Sprintf("INSERT INTO %s SELECT * FROM new_corrections c ANTI JOIN %s l ON l.cid = c.event_id", openCorrectionsTable, chainLinksTable)), nil
}

// addedFiles are the files of events_log in files that the state open in db does not record,
// without those a compaction wrote from files it records (see update); why says why the state
// cannot be brought forward to files.
func addedFiles(ctx context.Context, db *sql.DB, files []warehouse.DataFile) ([]warehouse.DataFile, string, error) {
	rows, err := db.QueryContext(ctx, "SELECT path, records FROM warehouse_files WHERE table_name = ?", warehouse.EventsLog)
	if err != nil {
		return nil, "", err
	}
	old := map[string]int64{}
	for rows.Next() {
		var p string
		var n int64
		if err := rows.Scan(&p, &n); err != nil {
			rows.Close()
			return nil, "", err
		}
		old[p] = n
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, "", err
	}
	var added []warehouse.DataFile
	var rewritten int64
	for _, f := range files {
		if _, ok := old[f.Path]; ok {
			delete(old, f.Path)
			continue
		}
		if f.Rewritten {
			rewritten += f.Records
			continue
		}
		added = append(added, f)
	}
	var removed int64
	for _, n := range old {
		removed += n
	}
	if removed != rewritten {
		return nil, fmt.Sprintf("the files the earlier state had and the snapshot has not hold %d rows, those a compaction wrote since %d", removed, rewritten), nil
	}
	return added, "", nil
}

// copyPlain copies src to dst, which the caller syncs when it is complete.
func copyPlain(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}
