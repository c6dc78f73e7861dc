// Package report writes the ministry report (báo cáo gửi Bộ): the indicators of a period in
// SDMX-CSV 2.0, one file per revision, each beside a JSON manifest, and the feed of every
// revision in the output directory. A new revision is written only when the observations
// changed; earlier revisions are never touched, so the directory is an append-only feed.
// Produce sends the revisions to Kafka.
package report

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// The SDMX identifiers of the report.
const (
	// Structure is the SDMX-CSV STRUCTURE column: the observations belong to a dataflow.
	Structure = "dataflow"
	// StructureID is the dataflow: agency VN_NTM, dataflow DF_NTM_DX (digital transformation
	// in NTM), version 1.0.
	StructureID = "VN_NTM:DF_NTM_DX(1.0)"
	// ProvinceCode is the reporting province, Thanh Hóa.
	ProvinceCode = "38"
	// FeedFile is the feed of every revision in the output directory.
	FeedFile = "feed.json"
	// CodelistFile is the codelist of the INDICATOR dimension in the output directory: each
	// SDMX code with the indicator it stands for and its names.
	CodelistFile = "CL_NTM_INDICATOR.csv"
)

// ACTION values of SDMX-CSV 2.0.
const (
	ActionInformation = "I" // the first revision: new observations
	ActionReplace     = "R" // a later revision: the observations replace the earlier ones
)

// OBS_STATUS values (SDMX code list CL_OBS_STATUS).
const (
	StatusNormal  = "A"
	StatusMissing = "M" // the denominator is 0, so the value is missing
	// StatusConfidential marks a small cell (queries.SmallCell): fewer than 10 survey
	// responses, so neither the value nor the counts are sent.
	StatusConfidential = "C"
)

// Columns are the SDMX-CSV columns, in order.
var Columns = []string{"STRUCTURE", "STRUCTURE_ID", "ACTION", "REF_AREA", "INDICATOR", "TIME_PERIOD",
	"OBS_VALUE", "NUMERATOR", "DENOMINATOR", "TARGET", "OBS_STATUS"}

// actionColumn is the index of ACTION in Columns: the one column that may differ between two
// revisions with the same observations.
const actionColumn = 2

var (
	// ErrNoData means the warehouse has committed nothing, so there is no state to report.
	ErrNoData = errors.New("the warehouse has no committed events; run ntm ingest first")
	// ErrStale means the warehouse state is older than the latest revision already written:
	// reporting it would put an older state after a newer one in the feed.
	ErrStale = errors.New("the warehouse state is older than the latest revision")
	// ErrCorrupt means a revision in the output directory does not match its manifest.
	ErrCorrupt = errors.New("a revision does not match its manifest")
)

// ReportID is the identifier of the period's report: every revision of it shares it.
func ReportID(period string) string { return "ntm-report-" + ProvinceCode + "-" + period }

// FileName is the CSV file of a revision; its manifest has the same name ending in .json.
func FileName(period string, revision int) string {
	return fmt.Sprintf("%s-r%d.csv", ReportID(period), revision)
}

func manifestName(period string, revision int) string {
	return strings.TrimSuffix(FileName(period, revision), ".csv") + ".json"
}

// manifestRE matches the manifest files of every period.
var manifestRE = regexp.MustCompile(`^ntm-report-` + ProvinceCode +
	`-(\d{4}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?)-r([1-9][0-9]*)\.json$`)

// Manifest describes one revision. The feed lists manifests, and Produce sends them as record
// headers.
type Manifest struct {
	ReportID string `json:"report_id"`
	Period   string `json:"period"`
	Revision int    `json:"revision"`
	// Replaces is the revision this one replaces (the previous one), nil for the first.
	Replaces *int `json:"replaces"`
	// KnownAt is the warehouse state the revision reports (RFC 3339, UTC): the latest commit
	// it includes, never the time the report was made.
	KnownAt string `json:"known_at"`
	File    string `json:"file"`   // the CSV file's name, in the same directory
	SHA256  string `json:"sha256"` // hex of the CSV file's bytes
	Bytes   int64  `json:"bytes"`
	Rows    int    `json:"rows"` // observations, without the header
}

// Feed is feed.json: every revision of every period in the directory, newest first.
type Feed struct {
	Dataflow string `json:"dataflow"`
	// Codelist is the file of the INDICATOR codelist, in the same directory.
	Codelist  string     `json:"codelist"`
	Revisions []Manifest `json:"revisions"`
}

// KnownAt is the instant a warehouse state is as of: the latest commit time among the data
// files of its tables (events_log and dead_letters). It depends only on the state, so the same
// state always gives the same instant; it is zero when nothing is committed.
func KnownAt(s warehouse.Snapshot) time.Time {
	var latest time.Time
	for _, t := range s.Tables {
		for _, f := range t.Files {
			if f.CommittedAt.After(latest) {
				latest = f.CommittedAt
			}
		}
	}
	return latest.UTC()
}

// Options say what to report and where.
type Options struct {
	Period queries.Period
	// KnownAt is the instant of the warehouse state the rows come from (see KnownAt); it is
	// required, and recorded in the manifest.
	KnownAt time.Time
	// Out is the output directory; it is created when missing.
	Out string
	// Catalog gives each indicator's SDMX code (queries.Catalog). Write reads it from the
	// session when it is nil; WriteRows needs it.
	Catalog []queries.Indicator
}

// Result is what Write did.
type Result struct {
	// Manifest is the period's latest revision: the one written, or the unchanged one.
	Manifest Manifest
	// Written says a new revision was written; false when the observations were unchanged.
	Written bool
	// Files are the paths written, in the order they were written (empty when unchanged and
	// the feed was up to date).
	Files []string
}

// Write computes the period's indicators on db (a session over a committed warehouse state,
// see session.Open) and writes them as the period's next revision, unless they equal
// the latest revision's. See WriteRows.
func Write(ctx context.Context, db *sql.DB, o Options) (Result, error) {
	if o.KnownAt.IsZero() {
		return Result{}, ErrNoData
	}
	rows, err := queries.Indicators(ctx, db, o.Period, nil)
	if err != nil {
		return Result{}, err
	}
	if o.Catalog == nil {
		if o.Catalog, err = queries.Catalog(ctx, db); err != nil {
			return Result{}, err
		}
	}
	return WriteRows(ctx, rows, o)
}

// WriteRows writes the rows (as queries.Indicators returns them, in that order) as the
// period's next revision, unless their observations equal the latest revision's, ACTION
// aside. It rewrites the feed when it does not list what the directory holds.
//
// Durability: each file is written to a temporary name, fsynced, renamed into place, and the
// directory fsynced: first the CSV, then the manifest, then the feed. The manifest is the
// commit of a revision: a CSV without its manifest (a crash in between) is not a revision, and
// the next run writes over it. Writers of one directory take turns under a lock on it, so
// concurrent runs never write the same revision twice. The same rows and known-at in the same
// directory give byte-identical files.
func WriteRows(ctx context.Context, rows []queries.Row, o Options) (Result, error) {
	if o.KnownAt.IsZero() {
		return Result{}, ErrNoData
	}
	if o.Out == "" {
		return Result{}, errors.New("report: no output directory")
	}
	codes := codesOf(o.Catalog)
	data, err := Encode(rows, ActionReplace, codes)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Result{}, fmt.Errorf("report: create the output directory: %w", err)
	}
	unlock, err := lockDir(ctx, o.Out)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if err := removeTemps(o.Out); err != nil {
		return Result{}, err
	}

	period := o.Period.Label
	knownAt := o.KnownAt.UTC()
	all, err := Revisions(o.Out)
	if err != nil {
		return Result{}, err
	}
	var latest *Manifest
	for i := range all {
		if all[i].Period == period && (latest == nil || all[i].Revision > latest.Revision) {
			latest = &all[i]
		}
	}

	res := Result{}
	revision, action := 1, ActionInformation
	var replaces *int
	changed := true
	if latest != nil {
		prev, err := ReadRevision(o.Out, *latest)
		if err != nil {
			return Result{}, err
		}
		changed = !sameObservations(prev, data)
		revision, action, replaces = latest.Revision+1, ActionReplace, &latest.Revision
	}
	if changed && latest != nil {
		prevAt, err := time.Parse(time.RFC3339Nano, latest.KnownAt)
		if err != nil {
			return Result{}, fmt.Errorf("report: %s: known_at %q: %w", manifestName(period, latest.Revision), latest.KnownAt, ErrCorrupt)
		}
		if knownAt.Before(prevAt) {
			return Result{}, fmt.Errorf("%w: the warehouse is known at %s, revision %d of %s at %s; report from the current warehouse",
				ErrStale, knownAt.Format(time.RFC3339Nano), latest.Revision, period, latest.KnownAt)
		}
	}

	if changed {
		if data, err = Encode(rows, action, codes); err != nil {
			return Result{}, err
		}
		sum := sha256.Sum256(data)
		m := Manifest{ReportID: ReportID(period), Period: period, Revision: revision, Replaces: replaces,
			KnownAt: knownAt.Format(time.RFC3339Nano), File: FileName(period, revision),
			SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data)), Rows: len(rows)}
		mj, err := marshal(m)
		if err != nil {
			return Result{}, err
		}
		for _, f := range []struct {
			name string
			data []byte
		}{{m.File, data}, {manifestName(period, revision), mj}} {
			if err := writeFile(o.Out, f.name, f.data); err != nil {
				return Result{}, err
			}
			res.Files = append(res.Files, filepath.Join(o.Out, f.name))
		}
		all = append(all, m)
		res.Manifest, res.Written = m, true
	} else {
		res.Manifest = *latest
	}

	codelist := EncodeCodelist(o.Catalog)
	if old, err := os.ReadFile(filepath.Join(o.Out, CodelistFile)); err != nil || !bytes.Equal(old, codelist) {
		if err := writeFile(o.Out, CodelistFile, codelist); err != nil {
			return Result{}, err
		}
		res.Files = append(res.Files, filepath.Join(o.Out, CodelistFile))
	}
	feed, err := marshal(Feed{Dataflow: StructureID, Codelist: CodelistFile, Revisions: sortFeed(all)})
	if err != nil {
		return Result{}, err
	}
	if old, err := os.ReadFile(filepath.Join(o.Out, FeedFile)); err != nil || !bytes.Equal(old, feed) {
		if err := writeFile(o.Out, FeedFile, feed); err != nil {
			return Result{}, err
		}
		res.Files = append(res.Files, filepath.Join(o.Out, FeedFile))
	}
	return res, nil
}

// Codes maps an indicator id to its SDMX code.
type Codes map[string]string

func codesOf(cat []queries.Indicator) Codes {
	c := make(Codes, len(cat))
	for _, i := range cat {
		c[i.ID] = i.SDMXCode
	}
	return c
}

// ErrNoCode means a row's indicator is not in the catalog, so it has no SDMX code to send.
var ErrNoCode = errors.New("the indicator has no SDMX code in the catalog")

// Encode is the SDMX-CSV of the rows: the header, then one observation per row in the rows'
// order, INDICATOR given by its SDMX code; UTF-8, RFC 4180 quoting and CRLF line ends.
func Encode(rows []queries.Row, action string, codes Codes) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.Write(Columns)
	for _, r := range rows {
		code, ok := codes[r.IndicatorID]
		if !ok {
			return nil, fmt.Errorf("report: %s: %w", r.IndicatorID, ErrNoCode)
		}
		status := StatusNormal
		if r.Denominator.Sign() == 0 {
			status = StatusMissing
		}
		value, num, den := r.Value, r.Numerator.String(), r.Denominator.String()
		if queries.SmallCell(r) {
			status, value, num, den = StatusConfidential, "", "", ""
		}
		_ = w.Write([]string{Structure, StructureID, action, r.ScopeCode, code, r.Period, value,
			num, den, r.Target, status})
	}
	w.Flush() // writes to memory: no error
	return b.Bytes(), nil
}

// CodelistColumns are the columns of the INDICATOR codelist file.
var CodelistColumns = []string{"ID", "NAME_VI", "NAME_EN", "NTM_INDICATOR_ID", "KIND", "TARGET"}

// EncodeCodelist is the codelist of the INDICATOR dimension (CL_NTM_INDICATOR): one row per
// indicator of the catalog, its SDMX code first; UTF-8, RFC 4180, CRLF line ends.
func EncodeCodelist(cat []queries.Indicator) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.Write(CodelistColumns)
	for _, i := range cat {
		_ = w.Write([]string{i.SDMXCode, i.NameVI, i.NameEN, i.ID, i.Kind, i.Target})
	}
	w.Flush() // writes to memory: no error
	return b.Bytes()
}

// sameObservations says whether two SDMX-CSV files hold the same header and observations, in
// the same order, whatever their ACTION.
func sameObservations(a, b []byte) bool {
	ra, err := csv.NewReader(bytes.NewReader(a)).ReadAll()
	if err != nil {
		return false
	}
	rb, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return false
	}
	return slices.EqualFunc(ra, rb, func(x, y []string) bool {
		if len(x) != len(y) || len(x) <= actionColumn {
			return slices.Equal(x, y)
		}
		return slices.Equal(x[:actionColumn], y[:actionColumn]) && slices.Equal(x[actionColumn+1:], y[actionColumn+1:])
	})
}

// Revisions reads the manifests of every period's revisions in dir (committed revisions only),
// in no particular order. A directory that does not exist holds none.
func Revisions(dir string) ([]Manifest, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: list %s: %w", dir, err)
	}
	var out []Manifest
	for _, e := range entries {
		m := manifestRE.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		var man Manifest
		if err := json.Unmarshal(b, &man); err != nil {
			return nil, fmt.Errorf("report: %s: %w (%w)", e.Name(), ErrCorrupt, err)
		}
		rev, _ := strconv.Atoi(m[2])
		if man.Period != m[1] || man.Revision != rev || man.File != FileName(m[1], rev) || man.ReportID != ReportID(m[1]) {
			return nil, fmt.Errorf("report: %s names another revision: %w", e.Name(), ErrCorrupt)
		}
		out = append(out, man)
	}
	return out, nil
}

// sortFeed orders revisions as the feed lists them: newest known_at first, then highest
// revision, then report id.
func sortFeed(ms []Manifest) []Manifest {
	out := slices.Clone(ms)
	slices.SortStableFunc(out, func(a, b Manifest) int {
		if c := chronological(b, a); c != 0 {
			return c
		}
		return cmp.Compare(a.ReportID, b.ReportID)
	})
	if out == nil {
		out = []Manifest{}
	}
	return out
}

// chronological compares revisions by known_at, then revision number.
func chronological(a, b Manifest) int {
	at := func(m Manifest) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, m.KnownAt)
		return t
	}
	if c := at(a).Compare(at(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.Revision, b.Revision)
}

// ReadRevision returns the CSV bytes of a revision in dir, checked against its manifest.
func ReadRevision(dir string, m Manifest) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, m.File))
	if err != nil {
		return nil, fmt.Errorf("report: revision %d of %s: %w", m.Revision, m.Period, err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != m.SHA256 || int64(len(b)) != m.Bytes {
		return nil, fmt.Errorf("report: %s does not match the sha256 of its manifest; restore it (from the topic, or a backup): %w",
			m.File, ErrCorrupt)
	}
	return b, nil
}

func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return append(b, '\n'), nil
}

// writeFile puts data at dir/name durably (fsx.WriteFile): a reader sees the old file or the
// new one, never a part.
func writeFile(dir, name string, data []byte) error {
	if err := fsx.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// lockDir waits, until ctx is done, for an exclusive lock on the directory itself, and returns
// the unlock. One writer at a time decides the next revision and writes it.
func lockDir(ctx context.Context, dir string) (func(), error) {
	l, err := fsx.LockWait(ctx, dir, false, 50*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("report: wait for another ntm report writing to %s: %w", dir, err)
	}
	return func() { _ = l.Unlock() }, nil
}

// removeTemps removes the temporary files of writers that died before their rename; only the
// lock holder may, since a live writer's are in use.
func removeTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("report: list %s: %w", dir, err)
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, ".ntm-report-") || strings.HasPrefix(n, "."+FeedFile+".") {
			if strings.HasSuffix(n, fsx.TempSuffix) && !e.IsDir() {
				if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("report: %w", err)
				}
			}
		}
	}
	return nil
}
