package opendata

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/thanhhoa-ntm/ntm/events/schema"
	"github.com/thanhhoa-ntm/ntm/internal/fsx"
	"github.com/thanhhoa-ntm/ntm/queries"
)

// ErrPrivacy means a dataset would publish person-level data or an unsuppressed small count.
var ErrPrivacy = errors.New("privacy rule broken")

// forbidden are column names that identify people: never published, whatever a query says.
var forbidden = []string{"person_ref", "person", "respondent"}

// Options say what to publish.
type Options struct {
	Period queries.Period
	// note says, in every package of a period that ends after the district level was dissolved,
	// why district-level indicators are empty and the scopes are communes (set by Publish).
	note    queries.Note
	KnownAt *time.Time // nil: the committed state
	// DataKnownAt is the instant the data is as of (the latest commit it includes); it is
	// written into the metadata instead of any wall-clock time.
	DataKnownAt time.Time
	Out         string
}

// Result lists what was published.
type Result struct {
	Dir      string
	Datasets []Published
}

// Published is one dataset written.
type Published struct {
	Name string
	Rows int
	Path string
}

// Publish writes every dataset for the period under Out/<period>/ with its datapackage.json,
// and Out/<period>/catalog.json. The session must allow writing to Out and let Publish change
// its thread count (the Parquet files are written on one thread, so that they do not depend
// on scheduling).
func Publish(ctx context.Context, db *sql.DB, o Options) (Result, error) {
	dir := filepath.Join(o.Out, o.Period.Label)
	res := Result{Dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	var at any
	if o.KnownAt != nil {
		at = o.KnownAt.UTC()
	}
	since, ok, err := queries.DistrictsAbolished(ctx, db, o.Period, o.KnownAt)
	if err != nil {
		return res, fmt.Errorf("publish: %w", err)
	}
	if ok {
		o.note = queries.AbolitionNote(since)
	}
	vars := []struct {
		name string
		val  any
	}{
		{"period", o.Period.Label}, {"start_d", o.Period.Start.Format(time.DateOnly)},
		{"end_d", o.Period.End.Format(time.DateOnly)}, {"known_at", at},
	}
	for _, v := range vars {
		typ := "DATE"
		switch v.name {
		case "period":
			typ = "VARCHAR"
		case "known_at":
			typ = "TIMESTAMPTZ"
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SET VARIABLE %s = CAST(? AS %s)", v.name, typ), v.val); err != nil {
			return res, fmt.Errorf("publish: %w", err)
		}
	}
	var cat catalog
	cat.Period = o.Period.Label
	cat.KnownAt = o.DataKnownAt.UTC().Format(time.RFC3339Nano)
	for _, d := range datasets {
		pkg, rows, err := publishOne(ctx, db, d, dir, o)
		if err != nil {
			return res, fmt.Errorf("publish %s: %w", d.Name, err)
		}
		res.Datasets = append(res.Datasets, Published{Name: d.Name, Rows: rows, Path: filepath.Join(dir, d.Name)})
		cat.Datasets = append(cat.Datasets, catalogEntry{Name: d.Name, Title: pkg.Title, Path: d.Name + "/datapackage.json",
			Rows: rows, Resources: resourcePaths(pkg)})
	}
	b, err := json.MarshalIndent(cat, "", "  ")
	if err != nil {
		return res, err
	}
	return res, fsx.WriteFile(filepath.Join(dir, "catalog.json"), append(b, '\n'), 0o644)
}

func resourcePaths(p dataPackage) []string {
	out := make([]string, len(p.Resources))
	for i, r := range p.Resources {
		out[i] = r.Path
	}
	return out
}

func publishOne(ctx context.Context, db *sql.DB, d dataset, root string, o Options) (dataPackage, int, error) {
	query, err := sqlFiles.ReadFile("sql/" + d.Name + ".sql")
	if err != nil {
		return dataPackage{}, 0, err
	}
	dir := filepath.Join(root, d.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dataPackage{}, 0, err
	}
	// The dataset is computed once, on every core, into a temporary table that keeps its
	// order; the CSV, the Parquet and the GeoJSON are all written from it.
	tmp := "publish_" + d.Name
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS %s",
		tmp, strings.TrimRight(strings.TrimSpace(string(query)), ";"))); err != nil {
		return dataPackage{}, 0, err
	}
	defer db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+tmp+" ORDER BY rowid")
	if err != nil {
		return dataPackage{}, 0, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return dataPackage{}, 0, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return dataPackage{}, 0, err
	}
	for _, c := range cols {
		for _, f := range forbidden {
			if strings.Contains(c, f) {
				rows.Close()
				return dataPackage{}, 0, fmt.Errorf("%w: column %q would publish person-level data", ErrPrivacy, c)
			}
		}
	}
	var data [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return dataPackage{}, 0, err
		}
		data = append(data, vals)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return dataPackage{}, 0, err
	}
	if d.SmallCountsSuppressed {
		if err := checkSuppressed(cols, data); err != nil {
			return dataPackage{}, 0, err
		}
	}

	fields := make([]field, len(cols))
	for i, c := range cols {
		fields[i] = fieldFor(c, types[i].DatabaseTypeName(), d)
	}
	schema := tableSchema{Fields: fields, PrimaryKey: d.PrimaryKey, MissingValues: []string{""}}

	var csvBuf bytes.Buffer
	cw := csv.NewWriter(&csvBuf)
	cw.UseCRLF = true // RFC 4180
	_ = cw.Write(cols)
	for _, r := range data {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = format(v, types[i].DatabaseTypeName())
			if types[i].DatabaseTypeName() == "VARCHAR" {
				rec[i] = NeutralizeFormula(rec[i])
			}
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return dataPackage{}, 0, err
	}
	if err := fsx.WriteFile(filepath.Join(dir, "data.csv"), csvBuf.Bytes(), 0o644); err != nil {
		return dataPackage{}, 0, err
	}
	// DuckDB writes the Parquet file beside its final name, and fsx puts it in place whole, as
	// it does the other files: a reader of a republished dataset never sees a part.
	parquetPath := filepath.Join(dir, "data.parquet")
	parquetTmp := filepath.Join(dir, fmt.Sprintf(".data.parquet.%d%s", os.Getpid(), fsx.TempSuffix))
	// One thread: the row groups, and so the bytes, do not depend on scheduling.
	for _, stmt := range []string{"SET threads = 1",
		fmt.Sprintf("COPY (SELECT * FROM %s ORDER BY rowid) TO '%s' (FORMAT parquet, COMPRESSION zstd)",
			tmp, strings.ReplaceAll(parquetTmp, "'", "''")),
		"RESET threads"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			os.Remove(parquetTmp)
			return dataPackage{}, 0, fmt.Errorf("parquet: %w", err)
		}
	}
	if err := fsx.SyncFile(parquetTmp); err != nil {
		os.Remove(parquetTmp)
		return dataPackage{}, 0, fmt.Errorf("parquet: %w", err)
	}
	if err := fsx.Replace(parquetTmp, parquetPath); err != nil {
		return dataPackage{}, 0, fmt.Errorf("parquet: %w", err)
	}
	// data-excel.csv is data.csv behind a UTF-8 byte order mark: Excel on Windows reads a CSV
	// without one in the machine's ANSI code page and garbles every Vietnamese letter, while
	// many programs (Go's encoding/csv, awk, older pandas) keep the mark as part of the first
	// column's name. Two files, each declared with its own resource, serve both.
	if err := fsx.WriteFile(filepath.Join(dir, excelCSV), append([]byte(utf8BOM), csvBuf.Bytes()...), 0o644); err != nil {
		return dataPackage{}, 0, err
	}
	resources := []string{"data.csv", excelCSV, "data.parquet"}
	if d.Geo {
		if err := writeGeoJSON(filepath.Join(dir, "data.geojson"), d, cols, types, data); err != nil {
			return dataPackage{}, 0, err
		}
		resources = append(resources, "data.geojson")
	}

	pkg := dataPackage{
		Profile: "data-package", Name: strings.ReplaceAll(d.Name, "_", "-"),
		Title:       d.TitleVI + " / " + d.TitleEN,
		Description: d.DescriptionVI + "\n\n" + d.DescEN + "\n\nKỳ / period: " + o.Period.Label + noteParagraph(o.note),
		Version:     "1.0.0", Keywords: []string{"nông thôn mới", "NTM", "Thanh Hóa", "digital transformation"},
		Licenses: []license{{Name: "CC-BY-4.0", Path: "https://creativecommons.org/licenses/by/4.0/", Title: "Creative Commons Attribution 4.0"}},
		Sources: []source{
			{Title: "Kho dữ liệu NTM Thanh Hóa (ntm): sự kiện do các đơn vị cấp tỉnh, huyện, xã, thôn báo cáo / Thanh Hóa NTM data warehouse: events reported by province, district, commune and village units"},
			{Title: "Kế hoạch chuyển đổi số trong xây dựng nông thôn mới tỉnh Thanh Hóa giai đoạn 2022-2025 (UBND tỉnh, 20/10/2022) / Thanh Hóa plan for digital transformation in NTM 2022-2025"},
		},
		TitleVI: d.TitleVI, TitleEN: d.TitleEN, DescriptionVI: d.DescriptionVI, DescriptionEN: d.DescEN,
		NoteVI: o.note.VI, NoteEN: o.note.EN, Period: o.Period.Label,
		KnownAt: o.DataKnownAt.UTC().Format(time.RFC3339Nano),
	}
	for _, name := range resources {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return dataPackage{}, 0, err
		}
		sum := sha256.Sum256(b)
		r := resource{Name: strings.ReplaceAll(d.Name, "_", "-") + "-" + strings.TrimPrefix(filepath.Ext(name), "."),
			Path: name, Bytes: int64(len(b)), Hash: "sha256:" + hex.EncodeToString(sum[:])}
		switch filepath.Ext(name) {
		case ".csv":
			r.Profile, r.Format, r.Mediatype, r.Encoding = "tabular-data-resource", "csv", "text/csv", "utf-8"
			r.Schema = &schema
			r.Dialect = &dialect{Delimiter: ",", DoubleQuote: true, Header: true, LineTerminator: "\r\n", QuoteChar: "\""}
			if name == excelCSV {
				// The byte order mark is part of UTF-8 (RFC 3629 section 6), so the encoding
				// stays utf-8. The file is a plain data resource, with the same schema and
				// dialect for reference, and data.csv is the package's tabular resource:
				// datapackage-js takes the mark for part of the first column's name and
				// refuses the header of a table read from this file.
				r.Profile = "data-resource"
				r.Name = strings.ReplaceAll(d.Name, "_", "-") + "-excel-csv"
				r.Title = "Bản CSV cho Excel (UTF-8 có BOM) / CSV for Excel (UTF-8 with a byte order mark)"
				r.Description = "Cùng nội dung với data.csv, thêm dấu BOM ở đầu tệp để Excel trên Windows hiển thị đúng tiếng Việt. / " +
					"The same content as data.csv, with a byte order mark at the start so that Excel on Windows shows Vietnamese letters correctly."
			}
		case ".parquet":
			// Frictionless v1 allows tabular-data-resource only for CSV or inline JSON data
			// (datapackage-js refuses to read a Parquet file declared so); a Parquet file is a
			// plain data resource. Its schema still says what each column means.
			r.Profile, r.Format, r.Mediatype = "data-resource", "parquet", "application/vnd.apache.parquet"
			r.Schema = &schema
		case ".geojson":
			r.Profile, r.Format, r.Mediatype, r.Encoding = "data-resource", "geojson", "application/geo+json", "utf-8"
		}
		pkg.Resources = append(pkg.Resources, r)
	}
	b, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return dataPackage{}, 0, err
	}
	if err := fsx.WriteFile(filepath.Join(dir, "datapackage.json"), append(b, '\n'), 0o644); err != nil {
		return dataPackage{}, 0, err
	}
	return pkg, len(data), nil
}

// NeutralizeFormula keeps a text cell from being read as a formula by a spreadsheet: a cell
// that begins with =, +, -, @, a tab or a carriage return (reporters' names and references reach
// the open data) gets a leading apostrophe, as OWASP advises against CSV injection. Only text
// columns are treated; numbers keep their sign. The Parquet files hold the values as they are.
func NeutralizeFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// checkSuppressed enforces the small-count rule in code, whatever the query did: a row with
// fewer than 10 responses publishes no aggregate and says it is suppressed.
// identifies are the columns that name a suppressed row's unit: they stay.
var identifies = map[string]bool{"scope_level": true, "scope_code": true, "scope_name": true}

func checkSuppressed(cols []string, data [][]any) error {
	idx := map[string]int{}
	for i, c := range cols {
		idx[c] = i
	}
	si, ok := idx["suppressed"]
	ri, ok2 := idx["responses"]
	if !ok || !ok2 {
		return fmt.Errorf("%w: a dataset of survey aggregates needs the suppressed and responses columns", ErrPrivacy)
	}
	for _, r := range data {
		sup, _ := r[si].(bool)
		if sup {
			for i, v := range r {
				if v != nil && i != si && !identifies[cols[i]] {
					return fmt.Errorf("%w: suppressed row publishes %s", ErrPrivacy, cols[i])
				}
			}
			continue
		}
		n, _ := r[ri].(int64)
		if r[ri] == nil || n < 10 {
			return fmt.Errorf("%w: an aggregate over %v responses is not suppressed", ErrPrivacy, r[ri])
		}
	}
	return nil
}

func fieldFor(name, dbType string, d dataset) field {
	doc := fieldDocs[name]
	f := field{Name: name, Title: doc[1], Description: doc[0] + " (" + doc[1] + ")", DescriptionVI: doc[1], DescriptionEN: doc[0]}
	// A column of a closed set declares the set as an enum constraint and explains each value
	// in its descriptions, so that a reader of "commune_ntm_advanced" knows what it means.
	var enum []string
	if list, ok := closedSets[d.Name][name]; ok {
		enum = schema.Lists[list]
		var vi, en []string
		for _, v := range enum {
			m := valueDocs[list][v]
			vi = append(vi, v+" = "+m[0])
			en = append(en, v+" = "+m[1])
		}
		f.DescriptionVI += ". Giá trị: " + strings.Join(vi, "; ") + "."
		f.DescriptionEN += ". Values: " + strings.Join(en, "; ") + "."
		f.Description = f.DescriptionEN + " (" + f.DescriptionVI + ")"
	}
	switch {
	case dbType == "VARCHAR":
		f.Type = "string"
	case dbType == "BIGINT" || dbType == "INTEGER" || dbType == "HUGEINT" || dbType == "SMALLINT" ||
		(strings.HasPrefix(dbType, "DECIMAL(") && strings.HasSuffix(dbType, ",0)")):
		f.Type = "integer"
	case dbType == "DOUBLE" || dbType == "FLOAT" || strings.HasPrefix(dbType, "DECIMAL"):
		f.Type = "number"
	case dbType == "BOOLEAN":
		f.Type = "boolean"
	case dbType == "DATE":
		f.Type = "date"
	default:
		f.Type = "string"
	}
	for _, k := range d.PrimaryKey {
		if k == name {
			f.Constraints = &constraints{Required: true}
		}
	}
	set := func(c constraints) {
		if f.Constraints == nil {
			f.Constraints = &constraints{}
		}
		if c.Minimum != nil {
			f.Constraints.Minimum = c.Minimum
		}
		if c.Maximum != nil {
			f.Constraints.Maximum = c.Maximum
		}
	}
	if enum != nil {
		if f.Constraints == nil {
			f.Constraints = &constraints{}
		}
		f.Constraints.Enum = enum
	}
	num := func(v float64) *float64 { return &v }
	switch name {
	case "value", "online_rate", "satisfaction_rate", "target":
		set(constraints{Minimum: num(0)})
	case "latitude":
		set(constraints{Minimum: num(8), Maximum: num(24)})
	case "longitude":
		set(constraints{Minimum: num(102), Maximum: num(110)})
	case "stars":
		set(constraints{Minimum: num(3), Maximum: num(5)})
	case "numerator", "denominator", "dossiers", "processed_online", "households", "with_smartphone",
		"allocated_vnd", "disbursed_vnd", "responses", "satisfied", "free_wifi_hotspots":
		set(constraints{Minimum: num(0)})
	}
	return f
}

// format renders a value for CSV: dates as days, numbers exactly, no exponent.
func format(v any, dbType string) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		if dbType == "DATE" {
			return v.UTC().Format(time.DateOnly)
		}
		return v.UTC().Format(time.RFC3339Nano)
	case duckdb.Decimal:
		return decimalString(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case *big.Int:
		return v.String()
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

func writeGeoJSON(path string, d dataset, cols []string, types []*sql.ColumnType, data [][]any) error {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	lat, lon := -1, -1
	for i, c := range cols {
		switch c {
		case d.LatField:
			lat = i
		case d.LonField:
			lon = i
		}
	}
	for n, r := range data {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[")
		b.WriteString(format(r[lon], "DOUBLE"))
		b.WriteByte(',')
		b.WriteString(format(r[lat], "DOUBLE"))
		b.WriteString("]},\"properties\":{")
		first := true
		for i, c := range cols {
			if i == lat || i == lon {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(c)
			b.Write(k)
			b.WriteByte(':')
			var val any
			switch v := r[i].(type) {
			case nil, bool, int64, int32, float64:
				val = v
			default:
				val = format(v, types[i].DatabaseTypeName())
			}
			vb, err := json.Marshal(val)
			if err != nil {
				return err
			}
			b.Write(vb)
		}
		b.WriteString("}}")
	}
	b.WriteString("\n]}\n")
	return fsx.WriteFile(path, b.Bytes(), 0o644)
}

// excelCSV is the name of the CSV variant with a byte order mark, for Excel.
const excelCSV = "data-excel.csv"

// utf8BOM is the UTF-8 encoding of U+FEFF, which tells Excel that a CSV file is UTF-8.
const utf8BOM = "\ufeff"

type catalog struct {
	Period   string         `json:"period"`
	KnownAt  string         `json:"known_at"`
	Datasets []catalogEntry `json:"datasets"`
}

type catalogEntry struct {
	Name      string   `json:"name"`
	Title     string   `json:"title"`
	Path      string   `json:"path"`
	Rows      int      `json:"rows"`
	Resources []string `json:"resources"`
}

type dataPackage struct {
	Profile     string     `json:"profile"`
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Version     string     `json:"version"`
	Keywords    []string   `json:"keywords"`
	Licenses    []license  `json:"licenses"`
	Sources     []source   `json:"sources"`
	Resources   []resource `json:"resources"`
	TitleVI     string     `json:"ntm:title_vi"`
	TitleEN     string     `json:"ntm:title_en"`
	// DescriptionVI and DescriptionEN are the description in one language each, and NoteVI and
	// NoteEN the abolition note (queries.AbolitionNote), so that the open-data index of ntm serve
	// can show a page in one language without cutting Description apart.
	DescriptionVI string `json:"ntm:description_vi"`
	DescriptionEN string `json:"ntm:description_en"`
	NoteVI        string `json:"ntm:note_vi,omitempty"`
	NoteEN        string `json:"ntm:note_en,omitempty"`
	Period        string `json:"ntm:period"`
	KnownAt       string `json:"ntm:known_at"`
}

type license struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Title string `json:"title"`
}

type source struct {
	Title string `json:"title"`
}

type resource struct {
	Profile     string       `json:"profile"`
	Name        string       `json:"name"`
	Path        string       `json:"path"`
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	Format      string       `json:"format"`
	Mediatype   string       `json:"mediatype"`
	Encoding    string       `json:"encoding,omitempty"`
	Bytes       int64        `json:"bytes"`
	Hash        string       `json:"hash"`
	Dialect     *dialect     `json:"dialect,omitempty"`
	Schema      *tableSchema `json:"schema,omitempty"`
}

type dialect struct {
	Delimiter      string `json:"delimiter"`
	DoubleQuote    bool   `json:"doubleQuote"`
	Header         bool   `json:"header"`
	LineTerminator string `json:"lineTerminator"`
	QuoteChar      string `json:"quoteChar"`
}

type tableSchema struct {
	Fields        []field  `json:"fields"`
	PrimaryKey    []string `json:"primaryKey"`
	MissingValues []string `json:"missingValues"`
}

type field struct {
	Name string `json:"name"`
	// Title is the column's Vietnamese name, which tools such as Frictionless and CKAN show
	// in place of the machine name.
	Title         string       `json:"title"`
	Type          string       `json:"type"`
	Description   string       `json:"description"`
	DescriptionVI string       `json:"ntm:description_vi"`
	DescriptionEN string       `json:"ntm:description_en"`
	Constraints   *constraints `json:"constraints,omitempty"`
}

type constraints struct {
	Required bool     `json:"required,omitempty"`
	Enum     []string `json:"enum,omitempty"`
	Minimum  *float64 `json:"minimum,omitempty"`
	Maximum  *float64 `json:"maximum,omitempty"`
}

// decimalString prints a DECIMAL with all its scale's digits (0.738270, not 0.73827), so that a
// column's values line up and the text is the exact value.
func decimalString(d duckdb.Decimal) string {
	neg := d.Value.Sign() < 0
	digits := new(big.Int).Abs(d.Value).String()
	scale := int(d.Scale)
	if scale == 0 {
		if neg {
			return "-" + digits
		}
		return digits
	}
	for len(digits) <= scale {
		digits = "0" + digits
	}
	s := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

func noteParagraph(note queries.Note) string {
	if note.VI == "" {
		return ""
	}
	return "\n\n" + note.String()
}
