package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/iceberg-go/table"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
)

// Problem is one integrity failure found by Verify.
type Problem struct {
	Table   string
	Kind    string // missing_file, size_mismatch, unreadable_file, row_count, offset_gap, offset_overlap, offsets, orphan_file, duplicate_event, duplicate_origin
	Subject string // the file, partition or event concerned
	Detail  string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s %s: %s", p.Table, p.Kind, p.Subject, p.Detail)
}

// Report is what Verify checked and found.
type Report struct {
	Files     map[string]int   // data files per table in the current snapshot
	Rows      map[string]int64 // rows per table
	Snapshots map[string]int   // snapshots per table
	InFlight  int              // files of live writers not yet committed (not a problem)
	Problems  []Problem
}

// Verify checks the warehouse's integrity: every file of the current snapshots present with its
// recorded size and row count; the snapshots' row counts add up; per Kafka partition, the offset
// ranges of the commits chain without gap or overlap and end at the table's offsets; no data
// file outside the snapshot except those live writers are about to commit; and in the data,
// every event_id once and every Kafka record at most once.
func (w *Warehouse) Verify(ctx context.Context) (Report, error) {
	r := Report{Files: map[string]int{}, Rows: map[string]int64{}, Snapshots: map[string]int{}}
	for _, name := range []string{EventsLog, DeadLetters} {
		t, err := w.Load(ctx, name)
		if err != nil {
			return r, err
		}
		if err := w.verifyTable(ctx, name, t, &r); err != nil {
			return r, err
		}
	}
	for _, p := range r.Problems {
		if p.Kind == "missing_file" || p.Kind == "unreadable_file" || p.Kind == "size_mismatch" {
			// The data cannot be read whole; the file problems say why.
			r.Problems = append(r.Problems, Problem{Table: "*", Kind: "data_not_checked", Subject: "rows",
				Detail: "duplicate checks skipped: committed files are missing or damaged"})
			return r, nil
		}
	}
	if err := w.verifyData(ctx, &r); err != nil {
		return r, err
	}
	return r, nil
}

func (w *Warehouse) verifyTable(ctx context.Context, name string, t *table.Table, r *Report) error {
	add := func(kind, subject, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{Table: name, Kind: kind, Subject: subject, Detail: fmt.Sprintf(format, args...)})
	}
	files, err := Files(ctx, t, 0)
	if err != nil {
		return err
	}
	r.Files[name] = len(files)
	if cs := t.CurrentSnapshot(); cs != nil {
		if d := w.listingMismatch(name, cs.SnapshotID, files); d != "" {
			add("listing_mismatch", "snapshot", "%s", d)
		}
	}
	var rows int64
	for _, f := range files {
		rows += f.Records
		st, err := os.Stat(f.Path)
		if err != nil {
			add("missing_file", f.Path, "%v", err)
			continue
		}
		if st.Size() != f.Size {
			add("size_mismatch", f.Path, "%d bytes on disk, %d recorded", st.Size(), f.Size)
			continue
		}
		pf, err := file.OpenParquetFile(f.Path, false)
		if err != nil {
			add("unreadable_file", f.Path, "%v", err)
			continue
		}
		if n := pf.NumRows(); n != f.Records {
			add("row_count", f.Path, "%d rows in the file, %d recorded", n, f.Records)
		}
		pf.Close()
	}
	r.Rows[name] = rows

	// The snapshots, oldest first.
	var chain []*table.Snapshot
	for s := t.CurrentSnapshot(); s != nil; {
		chain = append(chain, s)
		if s.ParentSnapshotID == nil {
			break
		}
		s = t.Metadata().SnapshotByID(*s.ParentSnapshotID)
	}
	r.Snapshots[name] = len(chain)
	if len(chain) > 0 && chain[0].Summary != nil {
		if v, ok := chain[0].Summary.Properties["total-records"]; ok {
			if n, _ := strconv.ParseInt(v, 10, 64); n != rows {
				add("row_count", "current snapshot", "summary says %d records, its files hold %d", n, rows)
			}
		}
	}
	next := Offsets{}
	for i := len(chain) - 1; i >= 0; i-- {
		s := chain[i]
		if s.Summary == nil {
			continue
		}
		from := parseOffsets(s.Summary.Properties, fromPrefix)
		to := parseOffsets(s.Summary.Properties, offsetPrefix)
		for tp, f := range from {
			prev, ok := next[tp]
			if !ok {
				prev = -1
			}
			switch {
			case f > prev:
				add("offset_gap", tp.String(), "snapshot %d starts at %d, the previous commit ended at %d", s.SnapshotID, f, prev)
			case f < prev:
				add("offset_overlap", tp.String(), "snapshot %d starts at %d, the previous commit ended at %d", s.SnapshotID, f, prev)
			}
			if to[tp] < f {
				add("offset_overlap", tp.String(), "snapshot %d goes back from %d to %d", s.SnapshotID, f, to[tp])
			}
			next[tp] = to[tp]
		}
	}
	for tp, o := range OffsetsOf(t) {
		if next[tp] != o {
			add("offsets", tp.String(), "the table property says %d, the snapshots end at %d", o, next[tp])
		}
	}

	all, err := w.Orphans(ctx, name, false)
	if err != nil {
		return err
	}
	dead, err := w.Orphans(ctx, name, true)
	if err != nil {
		return err
	}
	r.InFlight += len(all) - len(dead)
	for _, p := range dead {
		add("orphan_file", p, "in the data folder but in no snapshot")
	}
	return nil
}

// ParquetSource is DuckDB's read of the files as they are stored, matched by column name: for
// checks that must not depend on the SQL surface of queries/ (ntm verify, the ingest test kit).
func ParquetSource(files []DataFile) string {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = "'" + strings.ReplaceAll(f.Path, "'", "''") + "'"
	}
	return "read_parquet([" + strings.Join(paths, ", ") + "], union_by_name = true)"
}

// verifyData checks the stored rows themselves with DuckDB, reading the current snapshot's
// files directly: the check must not depend on the SQL surface it guards.
func (w *Warehouse) verifyData(ctx context.Context, r *Report) error {
	snap, err := w.current(ctx, false)
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("warehouse: verify: duckdb: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	relation := func(name, cols, empty string) string {
		files := snap.Tables[name].Files
		if len(files) == 0 {
			return "(SELECT " + empty + " WHERE false)"
		}
		return fmt.Sprintf("(SELECT %s FROM %s)", cols, ParquetSource(files))
	}
	for _, s := range []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"CREATE VIEW events_log_data AS SELECT * FROM " + relation(EventsLog, "event_id, kafka_topic, kafka_partition, kafka_offset",
			"NULL::VARCHAR AS event_id, NULL::VARCHAR AS kafka_topic, NULL::INTEGER AS kafka_partition, NULL::BIGINT AS kafka_offset"),
		"CREATE VIEW dead_letters AS SELECT * FROM " + relation(DeadLetters, `topic, "partition", "offset"`,
			`NULL::VARCHAR AS topic, NULL::INTEGER AS "partition", NULL::BIGINT AS "offset"`),
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("warehouse: verify: %w", err)
		}
	}
	checks := []struct {
		table, kind, query string
	}{
		{EventsLog, "duplicate_event", `SELECT event_id, count(*) FROM events_log_data GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 20`},
		{EventsLog, "duplicate_origin", `SELECT concat(kafka_topic, '/', kafka_partition, '@', kafka_offset), count(*)
			FROM (SELECT kafka_topic, kafka_partition, kafka_offset FROM events_log_data
			      UNION ALL SELECT topic, partition, "offset" FROM dead_letters WHERE topic IS NOT NULL)
			GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 20`},
	}
	for _, c := range checks {
		rows, err := db.QueryContext(ctx, c.query)
		if err != nil {
			return fmt.Errorf("warehouse: verify %s: %w", c.kind, err)
		}
		for rows.Next() {
			var subject string
			var n int64
			if err := rows.Scan(&subject, &n); err != nil {
				rows.Close()
				return err
			}
			r.Problems = append(r.Problems, Problem{Table: c.table, Kind: c.kind, Subject: subject,
				Detail: fmt.Sprintf("stored %d times", n)})
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
	}
	return nil
}
