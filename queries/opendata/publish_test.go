package opendata_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/opendata"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// warehouseOf ingests the lines over Kafka into a new warehouse.
func warehouseOf(t *testing.T, lines [][]byte) *warehouse.Warehouse { return kit.Warehouse(t, lines) }

func publish(t *testing.T, wh *warehouse.Warehouse, period string) string {
	t.Helper()
	out := t.TempDir()
	p, err := queries.ParsePeriod(period)
	require.NoError(t, err)
	db, snap, err := session.OpenWith(context.Background(), wh, session.Options{AllowDirs: []string{out}, Unlocked: true})
	require.NoError(t, err)
	defer db.Close()
	_, err = opendata.Publish(context.Background(), db, opendata.Options{Period: p, DataKnownAt: snap.KnownAt(nil), Out: out})
	require.NoError(t, err)
	return filepath.Join(out, period)
}

func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	}))
	return out
}

func compiler(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	dir := filepath.Join("testdata", "frictionless")
	for _, f := range []string{"data-package.json", "data-resource.json", "tabular-data-resource.json", "table-schema.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		require.NoError(t, err)
		require.NoError(t, c.AddResource("https://ntm.test/"+f, doc))
	}
	s, err := c.Compile("https://ntm.test/data-package.json")
	require.NoError(t, err)
	return s
}

func compile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	b, err := os.ReadFile(filepath.Join("testdata", "frictionless", name))
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, c.AddResource("https://ntm.test/"+name, doc))
	s, err := c.Compile("https://ntm.test/" + name)
	require.NoError(t, err)
	return s
}

type pkg struct {
	Name      string                  `json:"name"`
	Title     string                  `json:"title"`
	Licenses  []struct{ Name string } `json:"licenses"`
	Resources []struct {
		Profile string          `json:"profile"`
		Path    string          `json:"path"`
		Format  string          `json:"format"`
		Bytes   int64           `json:"bytes"`
		Hash    string          `json:"hash"`
		Schema  json.RawMessage `json:"schema"`
	} `json:"resources"`
}

// checkTree validates every datapackage.json against the Frictionless profiles, every resource
// against the profile it declares (tabular-data-resource only for CSV, as v1 allows), every hash
// and size against its file, and every CSV against its declared schema (re-read by DuckDB with
// the declared types, every primary key unique, every value of a closed set in its enum, every
// column titled in Vietnamese). The Excel variant is data.csv behind a byte order mark.
func checkTree(t *testing.T, dir string) map[string]int {
	t.Helper()
	dp := compiler(t)
	tabular := compile(t, "tabular-data-resource.json")
	plain := compile(t, "data-resource.json")
	ts := compile(t, "table-schema.json")
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	var cat struct {
		Datasets []struct {
			Name string `json:"name"`
			Path string `json:"path"`
			Rows int    `json:"rows"`
		} `json:"datasets"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "catalog.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &cat))
	rows := map[string]int{}
	for _, d := range cat.Datasets {
		rows[d.Name] = d.Rows
		raw, err := os.ReadFile(filepath.Join(dir, d.Path))
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		require.NoError(t, err)
		require.NoError(t, dp.Validate(doc), d.Name)
		var p pkg
		require.NoError(t, json.Unmarshal(raw, &p))
		assert.Contains(t, p.Title, " / ", "titles in Vietnamese and English")
		require.Len(t, p.Licenses, 1)
		assert.Equal(t, "CC-BY-4.0", p.Licenses[0].Name)
		var generic []map[string]any
		var whole map[string]any
		require.NoError(t, json.Unmarshal(raw, &whole))
		for _, r := range whole["resources"].([]any) {
			generic = append(generic, r.(map[string]any))
		}
		for i, r := range p.Resources {
			f, err := os.ReadFile(filepath.Join(dir, d.Name, r.Path))
			require.NoError(t, err)
			sum := sha256.Sum256(f)
			assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), r.Hash, r.Path)
			assert.Equal(t, int64(len(f)), r.Bytes, r.Path)
			switch r.Profile {
			case "tabular-data-resource":
				require.Equal(t, "csv", r.Format, "%s %s: v1 allows a tabular data resource only for CSV", d.Name, r.Path)
				require.NoError(t, tabular.Validate(generic[i]), d.Name)
			case "data-resource":
				require.NoError(t, plain.Validate(generic[i]), d.Name)
			default:
				t.Fatalf("%s %s: profile %q", d.Name, r.Path, r.Profile)
			}
			if r.Path == "data.csv" {
				assert.Equal(t, "tabular-data-resource", r.Profile, d.Name)
			}
			if r.Path == "data.parquet" {
				assert.Equal(t, "data-resource", r.Profile, d.Name)
				assert.Equal(t, "application/vnd.apache.parquet", generic[i]["mediatype"], d.Name)
			}
			if r.Format != "csv" {
				continue
			}
			if r.Path == "data-excel.csv" {
				plainCSV, err := os.ReadFile(filepath.Join(dir, d.Name, "data.csv"))
				require.NoError(t, err)
				require.Equal(t, append([]byte("\xEF\xBB\xBF"), plainCSV...), f, "%s: the Excel variant is data.csv behind a UTF-8 BOM", d.Name)
				f = plainCSV
			} else {
				require.False(t, bytes.HasPrefix(f, []byte("\xEF\xBB\xBF")), "%s: data.csv has no BOM", d.Name)
			}
			sdoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Schema))
			require.NoError(t, err)
			require.NoError(t, ts.Validate(sdoc), d.Name)
			var schema struct {
				Fields []struct {
					Name, Type, Title, Description string
					Constraints                    struct {
						Enum []string `json:"enum"`
					} `json:"constraints"`
				} `json:"fields"`
				PrimaryKey []string `json:"primaryKey"`
			}
			require.NoError(t, json.Unmarshal(r.Schema, &schema))
			recs, err := csv.NewReader(bytes.NewReader(f)).ReadAll()
			require.NoError(t, err)
			require.Equal(t, len(schema.Fields), len(recs[0]))
			// A Frictionless integer has no bound, and the sums of VND pass a BIGINT's: HUGEINT.
			duck := map[string]string{"string": "VARCHAR", "integer": "HUGEINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE"}
			var cols []string
			for j, fl := range schema.Fields {
				assert.Equal(t, fl.Name, recs[0][j])
				assert.NotEmpty(t, fl.Title, "%s.%s has a Vietnamese title", d.Name, fl.Name)
				cols = append(cols, "'"+fl.Name+"': '"+duck[fl.Type]+"'")
				if fl.Constraints.Enum == nil {
					continue
				}
				assert.Contains(t, fl.Description, "Values: ", "%s.%s explains its values", d.Name, fl.Name)
				for _, rec := range recs[1:] {
					if rec[j] != "" {
						assert.Contains(t, fl.Constraints.Enum, rec[j], "%s.%s", d.Name, fl.Name)
					}
				}
			}
			var n int64
			q := "SELECT count(*) FROM read_csv('" + filepath.Join(dir, d.Name, r.Path) + "', header = true, columns = {" + strings.Join(cols, ", ") + "})"
			require.NoError(t, db.QueryRow(q).Scan(&n), d.Name)
			assert.Equal(t, int64(len(recs)-1), n, d.Name)
			assert.Equal(t, d.Rows, len(recs)-1)
			keys := map[string]bool{}
			for _, rec := range recs[1:] {
				var k []string
				for _, pk := range schema.PrimaryKey {
					for j, fl := range schema.Fields {
						if fl.Name == pk {
							require.NotEmpty(t, rec[j], "%s: primary key %s", d.Name, pk)
							k = append(k, rec[j])
						}
					}
				}
				key := strings.Join(k, "\x00")
				require.False(t, keys[key], "%s: primary key %v twice", d.Name, k)
				keys[key] = true
			}
		}
	}
	return rows
}

func fixture(t *testing.T, names ...string) [][]byte { return kit.Fixture(t, names...) }

// The generated stream: every dataset is published, valid, and the same state gives the same
// bytes twice.
func TestPublishGeneratedStream(t *testing.T) {
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	wh := warehouseOf(t, lines[:80000])
	a := publish(t, wh, "2022")
	b := publish(t, wh, "2022")
	ta, tb := tree(t, a), tree(t, b)
	require.Equal(t, len(ta), len(tb))
	for name, content := range ta {
		assert.True(t, bytes.Equal(content, tb[name]), "%s differs between two runs", name)
	}
	assert.Contains(t, ta, "tourism_sites/data.geojson")
	assert.Contains(t, ta, "raw_material_areas/data.geojson")
	var geo struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	require.NoError(t, json.Unmarshal(ta["tourism_sites/data.geojson"], &geo))
	assert.Equal(t, "FeatureCollection", geo.Type)
	for _, f := range geo.Features {
		assert.Equal(t, "Point", f.Geometry.Type)
		assert.InDelta(t, 106, f.Geometry.Coordinates[0], 4, "longitude first")
		assert.InDelta(t, 16, f.Geometry.Coordinates[1], 8)
	}
	rows := checkTree(t, a)
	for name, n := range rows {
		t.Logf("%-24s %6d rows", name, n)
	}
	assert.Len(t, rows, 10)
	assertNoPersons(t, lines[:80000], ta)
}

// The hand-built province: few survey responses per district, so the satisfaction aggregates
// are suppressed; no person_ref of any manager appears in any output.
func TestPublishSuppressesSmallCountsAndPersons(t *testing.T) {
	lines := fixture(t, "units.ndjson", "gov.ndjson", "eco_soc.ndjson", "inf_fin.ndjson")
	wh := warehouseOf(t, lines)
	dir := publish(t, wh, "2025")
	checkTree(t, dir)
	files := tree(t, dir)
	checkNames(t, files)
	recs, err := csv.NewReader(bytes.NewReader(files["satisfaction/data.csv"])).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"scope_level", "scope_code", "scope_name", "suppressed", "responses", "satisfied", "satisfaction_rate"}, recs[0])
	suppressed := 0
	for _, r := range recs[1:] {
		assert.NotEmpty(t, r[2], "%s is named", r[1])
		if r[3] == "true" {
			suppressed++
			assert.Equal(t, []string{"", "", ""}, r[4:], "a suppressed row publishes no aggregate")
		} else {
			n, err := strconv.Atoi(r[4])
			require.NoError(t, err)
			assert.GreaterOrEqual(t, n, 10)
		}
	}
	assert.Positive(t, suppressed, "the fixture has districts with fewer than 10 responses")

	// The same small cells are suppressed in the indicators dataset (they were published there).
	recs, err = csv.NewReader(bytes.NewReader(files["indicators/data.csv"])).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	small := 0
	for _, r := range recs[1:] {
		if r[col["indicator_id"]] != "soc.satisfaction_rate" {
			continue
		}
		if r[col["suppressed"]] == "true" {
			small++
			assert.Equal(t, []string{"", "", "", ""}, []string{r[col["numerator"]], r[col["denominator"]], r[col["value"]], r[col["met"]]})
			continue
		}
		if d := r[col["denominator"]]; d != "0" {
			n, err := strconv.Atoi(d)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, n, 10, "an unsuppressed satisfaction cell has 10 responses or more")
		}
	}
	assert.Equal(t, suppressed, small, "the indicators dataset suppresses the satisfaction dataset's small cells")

	// Funding sums are exact integers (DECIMAL(38,0), not a BIGINT that overflows).
	recs, err = csv.NewReader(bytes.NewReader(files["funding/data.csv"])).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(recs), 1)
	for _, r := range recs[1:] {
		for _, v := range r[len(r)-2:] {
			require.Regexp(t, `^[0-9]+$`, v, "allocated_vnd and disbursed_vnd are whole numbers of VND")
		}
	}
	assertNoPersons(t, lines, files)
}

// Sums of VND past 2^63 are published exactly: every digit in the CSV of the indicators and of
// the funding, and DECIMAL(38,0) in their Parquet files (a HUGEINT column there would be a
// DOUBLE, a BIGINT would overflow).
func TestPublishPast2to63(t *testing.T) {
	wh := warehouseOf(t, append(fixture(t, "units.ndjson"), kit.FundingPast2to63()...))
	dir := publish(t, wh, "2025")
	checkTree(t, dir)
	files := tree(t, dir)
	num, den, rate := kit.DisbursedPast2to63, kit.AllocatedPast2to63, kit.RatePast2to63

	recs, err := csv.NewReader(bytes.NewReader(files["indicators/data.csv"])).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"indicator_id", "period", "scope_level", "scope_code", "scope_name", "numerator", "denominator", "value", "target", "met", "suppressed"}, recs[0])
	assert.Contains(t, recs, []string{"fin.disbursement_rate", "2025", "district", "381", "Huyện Đông Hà", num, den, rate, "", "", "false"})
	recs, err = csv.NewReader(bytes.NewReader(files["funding/data.csv"])).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"fiscal_year", "source", "task", "district_code", "district_name", "allocated_vnd", "disbursed_vnd"},
		{"2025", "province_budget", "digital_government", "381", "Huyện Đông Hà", den, num}}, recs)

	// The funding package declares its closed sets, explains them, and titles its columns in
	// Vietnamese; its CSV file is a tabular data resource, the Excel variant and the Parquet file
	// plain data resources (Frictionless v1 allows the tabular profile only for CSV, and
	// datapackage-js refuses a tabular CSV that starts with a byte order mark).
	var fp struct {
		Resources []struct {
			Name, Profile, Path, Format, Encoding string
			Schema                                struct {
				Fields []struct {
					Name, Title, Description string
					Constraints              struct {
						Enum []string `json:"enum"`
					} `json:"constraints"`
				} `json:"fields"`
			} `json:"schema"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(files["funding/datapackage.json"], &fp))
	profiles := map[string]string{}
	for _, r := range fp.Resources {
		profiles[r.Path] = r.Profile + " " + r.Format + " " + r.Name
	}
	assert.Equal(t, map[string]string{"data.csv": "tabular-data-resource csv funding-csv",
		"data-excel.csv": "data-resource csv funding-excel-csv",
		"data.parquet":   "data-resource parquet funding-parquet"}, profiles)
	fields := map[string]int{}
	for i, f := range fp.Resources[0].Schema.Fields {
		fields[f.Name] = i
	}
	src := fp.Resources[0].Schema.Fields[fields["source"]]
	assert.Equal(t, "Nguồn vốn", src.Title)
	assert.Equal(t, []string{"central_budget", "province_budget", "district_budget", "commune_budget", "socialized", "integrated_programs", "other"}, src.Constraints.Enum)
	assert.Contains(t, src.Description, "socialized = private and community contributions")
	assert.Contains(t, src.Description, "socialized = xã hội hóa")
	assert.Equal(t, "Kinh phí giải ngân (đồng)", fp.Resources[0].Schema.Fields[fields["disbursed_vnd"]].Title)
	assert.Nil(t, fp.Resources[0].Schema.Fields[fields["allocated_vnd"]].Constraints.Enum, "an amount is no closed set")

	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	for _, c := range []struct{ query, want string }{
		{`SELECT typeof(numerator) || ' ' || typeof(value) || ' ' || CAST(numerator AS VARCHAR) || '/' || CAST(denominator AS VARCHAR)
		  FROM read_parquet('` + filepath.Join(dir, "indicators", "data.parquet") + `')
		  WHERE indicator_id = 'fin.disbursement_rate' AND scope_code = '381'`,
			"DECIMAL(38,0) DECIMAL(38,6) " + num + "/" + den},
		{`SELECT typeof(allocated_vnd) || ' ' || CAST(allocated_vnd AS VARCHAR) || '/' || CAST(disbursed_vnd AS VARCHAR)
		  FROM read_parquet('` + filepath.Join(dir, "funding", "data.parquet") + `')`,
			"DECIMAL(38,0) " + den + "/" + num},
	} {
		var got string
		require.NoError(t, db.QueryRow(c.query).Scan(&got), c.query)
		assert.Equal(t, c.want, got)
	}
}

// assertNoPersons scans every output file for every person_ref the input carried.
func assertNoPersons(t *testing.T, lines [][]byte, files map[string][]byte) {
	t.Helper()
	persons := map[string]bool{}
	for _, l := range lines {
		ev, err := events.Decode(l)
		if err != nil {
			continue
		}
		switch p := ev.Payload.(type) {
		case events.ManagerRegisteredPayload:
			persons[p.PersonRef] = true
		case events.ManagerDepartedPayload:
			persons[p.PersonRef] = true
		case events.TrainingCompletedPayload:
			persons[p.PersonRef] = true
		}
	}
	require.NotEmpty(t, persons)
	for name, content := range files {
		assert.NotContains(t, string(content), "person_ref", name)
		for p := range persons {
			if len(p) >= 5 && bytes.Contains(content, []byte(p)) {
				t.Errorf("%s contains the person_ref %q", name, p)
			}
		}
	}
}

// A text cell that a spreadsheet would run as a formula is written with a leading apostrophe.
func TestNeutralizeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+84 912":                  "'+84 912",
		"-2+3":                     "'-2+3",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\tx":                      "'\tx",
		"HTX Xuân Lộc":             "HTX Xuân Lộc",
		"":                         "",
	} {
		require.Equal(t, want, opendata.NeutralizeFormula(in), "%q", in)
	}
}

// After the district level is dissolved, the indicators and satisfaction datasets are by
// commune, and every package of the period says why; before it, by district, without the note.
func TestPublishFollowsTheReorganization(t *testing.T) {
	wh := warehouseOf(t, fixture(t, "units.ndjson", "reorganization.ndjson"))
	for period, want := range map[string]string{"2025": "commune", "2025-Q2": "district"} {
		dir := publish(t, wh, period)
		csv, err := os.ReadFile(filepath.Join(dir, "indicators", "data.csv"))
		require.NoError(t, err)
		levels := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(string(csv)), "\n")[1:] {
			levels[strings.Split(line, ",")[2]]++
		}
		assert.Equal(t, 20, levels["province"], period)
		assert.Positive(t, levels[want], period)
		assert.Len(t, levels, 2, "%s: only the province and the %s level: %v", period, want, levels)
		pkg, err := os.ReadFile(filepath.Join(dir, "satisfaction", "datapackage.json"))
		require.NoError(t, err)
		if want == "commune" {
			assert.Contains(t, string(pkg), "The district level was abolished on 2025-07-01", period)
		} else {
			assert.NotContains(t, string(pkg), "abolished", period)
		}
	}
}

// unitCodes are the columns that hold an administrative unit's code: each has its unit's name in
// the next column, so that a reader needs no code list.
var unitCodes = map[string]string{"scope_code": "scope_name", "unit_code": "unit_name",
	"commune_code": "commune_name", "district_code": "district_name"}

// checkNames checks every dataset's CSV: a name beside every unit code, filled wherever the code
// is.
func checkNames(t *testing.T, files map[string][]byte) {
	t.Helper()
	seen := 0
	for name, b := range files {
		if !strings.HasSuffix(name, "/data.csv") {
			continue
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		require.NoError(t, err, name)
		for i, col := range recs[0] {
			want, ok := unitCodes[col]
			if !ok {
				continue
			}
			seen++
			if !assert.Less(t, i+1, len(recs[0]), "%s: %s is the last column", name, col) {
				continue
			}
			assert.Equal(t, want, recs[0][i+1], "%s: the column after %s", name, col)
			for _, r := range recs[1:] {
				if r[i] != "" {
					assert.NotEmpty(t, r[i+1], "%s: %s %s has a name", name, col, r[i])
				}
			}
		}
	}
	assert.GreaterOrEqual(t, seen, 15, "unit code columns across the datasets")
}
