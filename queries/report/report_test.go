package report_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/report"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtureDir holds the indicator tests' hand-built event sets (see queries/indicators_test.go):
// knownat_1.ndjson, then knownat_2.ndjson, which corrects two facts and retracts a third.
const fixtureDir = "../testdata/indicators"

func period(t *testing.T, s string) queries.Period {
	t.Helper()
	p, err := queries.ParsePeriod(s)
	require.NoError(t, err)
	return p
}

// row is one hand-made indicator row.
func row(id, scope string, num, den int64, value, target string) queries.Row {
	level := "district"
	if scope == "38" {
		level = "province"
	}
	return queries.Row{IndicatorID: id, Period: "2025", ScopeLevel: level, ScopeCode: scope,
		Numerator: queries.NewInt(num), Denominator: queries.NewInt(den), Value: value, Target: target}
}

// catalog is the part of the indicator catalog that the hand-made rows name.
var catalog = []queries.Indicator{
	{ID: "gov.commune_ntm_8_4", SDMXCode: "GOV_COMMUNE_NTM_8_4", NameVI: "Xã đạt chỉ tiêu 8.4 (NTM)",
		NameEN: "Communes meeting indicator 8.4 (NTM)", Kind: "stock", Target: "0.98"},
	{ID: "inf.villages_fixed_broadband", SDMXCode: "INF_VILLAGES_FIXED_BROADBAND", NameVI: "Thôn có băng rộng cố định",
		NameEN: "Villages with fixed broadband", Kind: "stock"},
	{ID: "soc.satisfaction_rate", SDMXCode: "SOC_SATISFACTION_RATE", NameVI: "Tỷ lệ người dân hài lòng, \"rất\" hài lòng",
		NameEN: "Citizens satisfied", Kind: "flow"},
}

var codes = report.Codes{"gov.commune_ntm_8_4": "GOV_COMMUNE_NTM_8_4", "inf.villages_fixed_broadband": "INF_VILLAGES_FIXED_BROADBAND",
	"soc.satisfaction_rate": "SOC_SATISFACTION_RATE"}

func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rows   []queries.Row
		action string
		want   string
	}{
		{"empty", nil, report.ActionInformation,
			"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,NUMERATOR,DENOMINATOR,TARGET,OBS_STATUS\r\n"},
		{"values, missing values and no target", []queries.Row{
			row("gov.commune_ntm_8_4", "38", 1, 6, "0.166667", "0.98"),
			row("gov.commune_ntm_8_4", "382", 0, 0, "", "0.98"),
			row("inf.villages_fixed_broadband", "380", 2, 2, "1.000000", ""),
		}, report.ActionReplace,
			"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,NUMERATOR,DENOMINATOR,TARGET,OBS_STATUS\r\n" +
				"dataflow,VN_NTM:DF_NTM_DX(1.0),R,38,GOV_COMMUNE_NTM_8_4,2025,0.166667,1,6,0.98,A\r\n" +
				"dataflow,VN_NTM:DF_NTM_DX(1.0),R,382,GOV_COMMUNE_NTM_8_4,2025,,0,0,0.98,M\r\n" +
				"dataflow,VN_NTM:DF_NTM_DX(1.0),R,380,INF_VILLAGES_FIXED_BROADBAND,2025,1.000000,2,2,,A\r\n"},
		// Seen: a district's satisfaction of 4 out of 5 responses went to the ministry.
		{"small cells are confidential", []queries.Row{
			row("soc.satisfaction_rate", "384", 4, 5, "0.800000", "0.9"),
			row("soc.satisfaction_rate", "380", 9, 10, "0.900000", "0.9"),
			row("soc.satisfaction_rate", "382", 0, 0, "", "0.9"),
		}, report.ActionInformation,
			"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,NUMERATOR,DENOMINATOR,TARGET,OBS_STATUS\r\n" +
				"dataflow,VN_NTM:DF_NTM_DX(1.0),I,384,SOC_SATISFACTION_RATE,2025,,,,0.9,C\r\n" +
				"dataflow,VN_NTM:DF_NTM_DX(1.0),I,380,SOC_SATISFACTION_RATE,2025,0.900000,9,10,0.9,A\r\n" +
				"dataflow,VN_NTM:DF_NTM_DX(1.0),I,382,SOC_SATISFACTION_RATE,2025,,0,0,0.9,M\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := report.Encode(tc.rows, tc.action, codes)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

// TestWriteRows walks one output directory through a sequence of runs, each with its rows and
// warehouse instant, and checks what each run leaves.
func TestWriteRows(t *testing.T) {
	out := t.TempDir()
	t0 := time.Date(2025, 12, 31, 10, 0, 0, 123e6, time.UTC)
	a := []queries.Row{row("gov.commune_ntm_8_4", "38", 0, 6, "0.000000", "0.98"), row("gov.commune_ntm_8_4", "380", 0, 0, "", "0.98")}
	b := []queries.Row{row("gov.commune_ntm_8_4", "38", 1, 6, "0.166667", "0.98"), row("gov.commune_ntm_8_4", "380", 0, 0, "", "0.98")}
	two := func(n int) *int { return &n }
	for _, step := range []struct {
		name     string
		period   string // 2025 when empty
		prepare  func(t *testing.T)
		rows     []queries.Row
		at       time.Time
		err      error
		written  bool
		revision int
		replaces *int
		knownAt  time.Time
	}{
		{name: "the first revision", rows: a, at: t0, written: true, revision: 1, knownAt: t0},
		{name: "the same rows at a later state: unchanged", rows: a, at: t0.Add(time.Hour), revision: 1, knownAt: t0},
		{name: "other rows: the next revision", rows: b, at: t0.Add(time.Hour), written: true, revision: 2, replaces: two(1), knownAt: t0.Add(time.Hour)},
		{name: "another period beside it", period: "2025-Q4", rows: a, at: t0.Add(time.Hour), written: true, revision: 1, knownAt: t0.Add(time.Hour)},
		{name: "the first rows again: a third revision", rows: a, at: t0.Add(2 * time.Hour), written: true, revision: 3, replaces: two(2), knownAt: t0.Add(2 * time.Hour)},
		{name: "an older state with other rows is refused", rows: b, at: t0, err: report.ErrStale},
		{name: "a CSV left without its manifest is written over", rows: b, at: t0.Add(3 * time.Hour),
			prepare: func(t *testing.T) {
				require.NoError(t, os.WriteFile(filepath.Join(out, report.FileName("2025", 4)), []byte("half"), 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(out, ".ntm-report-38-2025-r4.csv.123.tmp"), []byte("half"), 0o644))
			},
			written: true, revision: 4, replaces: two(3), knownAt: t0.Add(3 * time.Hour)},
		{name: "a revision that does not match its manifest is an error", rows: a, at: t0.Add(4 * time.Hour),
			prepare: func(t *testing.T) {
				require.NoError(t, os.WriteFile(filepath.Join(out, report.FileName("2025", 4)), []byte("edited"), 0o644))
			},
			err: report.ErrCorrupt},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.prepare != nil {
				step.prepare(t)
			}
			p := cmp.Or(step.period, "2025")
			rows := slices.Clone(step.rows)
			for i := range rows {
				rows[i].Period = p
			}
			before := tree(t, out)
			res, err := report.WriteRows(context.Background(), rows, report.Options{Period: period(t, p), KnownAt: step.at, Out: out, Catalog: catalog})
			if step.err != nil {
				require.ErrorIs(t, err, step.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, step.written, res.Written)
			assert.Equal(t, step.revision, res.Manifest.Revision)
			assert.Equal(t, step.replaces, res.Manifest.Replaces)
			assert.Equal(t, step.knownAt.Format(time.RFC3339Nano), res.Manifest.KnownAt)
			after := tree(t, out)
			for name, data := range before {
				if strings.HasSuffix(name, ".json") && strings.HasPrefix(name, "ntm-report-") {
					assert.Equal(t, data, after[name], "%s is never rewritten", name)
				}
			}
			if !step.written {
				assert.Equal(t, before, after, "an unchanged report writes nothing")
				assert.Empty(t, res.Files)
			}
			for name := range after {
				assert.False(t, strings.HasSuffix(name, ".tmp"), "%s: temporary files are gone", name)
			}
			checkRevision(t, out, res.Manifest)
		})
	}

	// The feed lists every revision of both periods, newest state first, then highest revision.
	var feed report.Feed
	fb, err := os.ReadFile(filepath.Join(out, report.FeedFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(fb, &feed))
	var files []string
	for _, m := range feed.Revisions {
		files = append(files, m.File)
	}
	assert.Equal(t, []string{"ntm-report-38-2025-r4.csv", "ntm-report-38-2025-r3.csv", "ntm-report-38-2025-r2.csv",
		"ntm-report-38-2025-Q4-r1.csv", "ntm-report-38-2025-r1.csv"}, files)
	assert.Equal(t, report.CodelistFile, feed.Codelist)
	cl, err := os.ReadFile(filepath.Join(out, feed.Codelist))
	require.NoError(t, err)
	assert.Equal(t, "ID,NAME_VI,NAME_EN,NTM_INDICATOR_ID,KIND,TARGET\r\n"+
		"GOV_COMMUNE_NTM_8_4,Xã đạt chỉ tiêu 8.4 (NTM),Communes meeting indicator 8.4 (NTM),gov.commune_ntm_8_4,stock,0.98\r\n"+
		"INF_VILLAGES_FIXED_BROADBAND,Thôn có băng rộng cố định,Villages with fixed broadband,inf.villages_fixed_broadband,stock,\r\n"+
		"SOC_SATISFACTION_RATE,\"Tỷ lệ người dân hài lòng, \"\"rất\"\" hài lòng\",Citizens satisfied,soc.satisfaction_rate,flow,\r\n", string(cl))
}

func TestEncodeNamesAnUnknownIndicator(t *testing.T) {
	_, err := report.Encode([]queries.Row{row("gov.unknown", "38", 1, 2, "0.500000", "")}, report.ActionInformation, codes)
	require.ErrorIs(t, err, report.ErrNoCode)
	assert.Contains(t, err.Error(), "gov.unknown")
}

// tree reads every file under dir, by relative path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	}))
	return files
}

// checkRevision checks a revision's files against its manifest and returns its CSV records.
func checkRevision(t *testing.T, dir string, m report.Manifest) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, m.File))
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	assert.Equal(t, hex.EncodeToString(sum[:]), m.SHA256)
	assert.Equal(t, int64(len(data)), m.Bytes)
	assert.Equal(t, report.ReportID(m.Period), m.ReportID)
	assert.Equal(t, report.FileName(m.Period, m.Revision), m.File)
	var onDisk report.Manifest
	mj, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(m.File, ".csv")+".json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(mj, &onDisk))
	assert.Equal(t, m, onDisk)

	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, report.Columns, recs[0])
	assert.Len(t, recs[1:], m.Rows)
	action := report.ActionInformation
	if m.Revision > 1 {
		action = report.ActionReplace
	}
	for _, r := range recs[1:] {
		assert.Equal(t, []string{report.Structure, report.StructureID, action, m.Period}, []string{r[0], r[1], r[2], r[5]})
	}
	assert.Equal(t, strings.Count(string(data), "\n"), strings.Count(string(data), "\r\n"), "CRLF line ends (RFC 4180)")
	return recs
}

// fixture is a broker and a warehouse that the fixture files are ingested into.
type fixture struct {
	addr string
	wh   *warehouse.Warehouse
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	addr := kit.StartBroker(t)
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return &fixture{addr: addr, wh: wh}
}

// ingest produces the files' events and runs ingest until it has caught up with them.
func (f *fixture) ingest(t *testing.T, names ...string) {
	t.Helper()
	var lines [][]byte
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		require.NoError(t, err)
		for _, l := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
		}
	}
	kit.Produce(t, f.addr, lines)
	_, err := ingest.Run(context.Background(), ingest.Config{Brokers: []string{f.addr}, Topics: []string{kit.Topic},
		Group: "report", Warehouse: f.wh, UntilCaughtUp: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
}

// state is a DuckDB session over the warehouse's current state, and that state's instant.
type state struct {
	db *sql.DB
	at time.Time
}

func (f *fixture) state(t *testing.T) state {
	t.Helper()
	db, snap, err := session.Open(context.Background(), f.wh)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	at := report.KnownAt(snap)
	require.False(t, at.IsZero())
	return state{db, at}
}

// write reports the period of the state into out.
func (s state) write(t *testing.T, p, out string) report.Result {
	t.Helper()
	res, err := report.Write(context.Background(), s.db, report.Options{Period: period(t, p), KnownAt: s.at, Out: out})
	require.NoError(t, err)
	return res
}

// topicRecords reads the topic from the start to its end offsets, over TCP.
func topicRecords(t *testing.T, addr, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := endOffsets(t, addr, topic)
	want := int64(0)
	for _, o := range ends {
		want += o
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	var out []*kgo.Record
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err())
		require.NoError(t, fs.Err())
		out = append(out, fs.Records()...)
	}
	return out
}

// endOffsets are the topic's end offsets by partition (none when it does not exist).
func endOffsets(t *testing.T, addr, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	require.NoError(t, err)
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			out[o.Partition] = o.Offset
		}
	})
	return out
}

// header is a record's header value.
func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// TestReport writes the report of a real warehouse before and after a correction, and produces
// its revisions to a real broker over TCP.
func TestReport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.ingest(t, "units.ndjson", "knownat_1.ndjson")

	s1 := f.state(t)
	out := t.TempDir()
	res := s1.write(t, "2025", out)
	require.True(t, res.Written)
	m1 := res.Manifest
	assert.Equal(t, report.Manifest{ReportID: "ntm-report-38-2025", Period: "2025", Revision: 1,
		KnownAt: s1.at.Format(time.RFC3339Nano), File: "ntm-report-38-2025-r1.csv", SHA256: m1.SHA256, Bytes: m1.Bytes, Rows: 80}, m1)
	checkRevision(t, out, m1)
	for _, name := range []string{m1.File, report.CodelistFile} {
		golden := filepath.Join("testdata", name)
		got, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		if *update {
			require.NoError(t, os.MkdirAll("testdata", 0o755))
			require.NoError(t, os.WriteFile(golden, got, 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "the golden file %s (go test -update rewrites it)", name)
	}
	// Every INDICATOR of the report is a code of the codelist, and a valid SDMX identifier.
	cl, err := os.ReadFile(filepath.Join(out, report.CodelistFile))
	require.NoError(t, err)
	clRecs, err := csv.NewReader(bytes.NewReader(cl)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, report.CodelistColumns, clRecs[0])
	require.Len(t, clRecs[1:], 20)
	listed := map[string]bool{}
	for _, r := range clRecs[1:] {
		listed[r[0]] = true
	}
	for _, r := range checkRevision(t, out, m1)[1:] {
		assert.True(t, listed[r[4]], "INDICATOR %s is in the codelist", r[4])
		assert.Regexp(t, `^[A-Za-z0-9_@$-]+$`, r[4])
	}
	mj, err := os.ReadFile(filepath.Join(out, "ntm-report-38-2025-r1.json"))
	require.NoError(t, err)
	assert.Contains(t, string(mj), `"replaces": null`)

	t.Run("deterministic and unchanged", func(t *testing.T) {
		again := t.TempDir()
		s1.write(t, "2025", again)
		require.Equal(t, tree(t, out), tree(t, again), "the same state gives the same files")
		before := tree(t, out)
		res := s1.write(t, "2025", out)
		assert.False(t, res.Written)
		assert.Equal(t, m1, res.Manifest)
		assert.Equal(t, before, tree(t, out))
	})

	topic := report.DefaultTopic
	t.Run("produce", func(t *testing.T) {
		pr, err := report.Produce(ctx, []string{f.addr}, topic, out, report.ProduceOptions{})
		require.NoError(t, err)
		assert.Equal(t, []report.Manifest{m1}, pr.Produced)
		assert.Empty(t, pr.Present)
		ends := endOffsets(t, f.addr, topic)

		pr, err = report.Produce(ctx, []string{f.addr}, topic, out, report.ProduceOptions{})
		require.NoError(t, err)
		assert.Empty(t, pr.Produced)
		assert.Equal(t, []report.Manifest{m1}, pr.Present)
		assert.Equal(t, ends, endOffsets(t, f.addr, topic), "producing again sends nothing")
	})

	// The correction, ingested in a later millisecond than part 1 (Iceberg commit times are in
	// milliseconds).
	time.Sleep(5 * time.Millisecond)
	f.ingest(t, "knownat_2.ndjson")
	s2 := f.state(t)
	require.True(t, s2.at.After(s1.at))
	res = s2.write(t, "2025", out)
	require.True(t, res.Written)
	m2 := res.Manifest
	assert.Equal(t, 2, m2.Revision)
	assert.Equal(t, 1, *m2.Replaces)
	assert.Equal(t, s2.at.Format(time.RFC3339Nano), m2.KnownAt)
	recs := checkRevision(t, out, m2)
	r1, err := os.ReadFile(filepath.Join(out, m1.File))
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("testdata", m1.File))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(r1), "revision 1 is kept as it was")
	// The correction turns HS-K1 online and retracts HS-K3: 2/2 online in the province.
	assert.Contains(t, recs, []string{"dataflow", "VN_NTM:DF_NTM_DX(1.0)", "R", "38", "GOV_DOSSIERS_ONLINE_COMMUNE", "2025", "1.000000", "2", "2", "0.70", "A"})
	assert.Contains(t, recs, []string{"dataflow", "VN_NTM:DF_NTM_DX(1.0)", "R", "382", "GOV_DOSSIERS_ONLINE_COMMUNE", "2025", "", "0", "0", "0.70", "M"})

	var feed report.Feed
	fb, err := os.ReadFile(filepath.Join(out, report.FeedFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(fb, &feed))
	assert.Equal(t, report.StructureID, feed.Dataflow)
	assert.Equal(t, []report.Manifest{m2, m1}, feed.Revisions, "newest first")

	t.Run("produce the new revision only", func(t *testing.T) {
		pr, err := report.Produce(ctx, []string{f.addr}, topic, out, report.ProduceOptions{})
		require.NoError(t, err)
		assert.Equal(t, []report.Manifest{m2}, pr.Produced)
		assert.Equal(t, []report.Manifest{m1}, pr.Present)

		records := topicRecords(t, f.addr, topic)
		require.Len(t, records, 2)
		for i, m := range []report.Manifest{m1, m2} {
			r := records[i] // one key, so one partition, in order
			data, err := os.ReadFile(filepath.Join(out, m.File))
			require.NoError(t, err)
			assert.Equal(t, data, r.Value, "%s: the record's value is the file", m.File)
			assert.Equal(t, m.ReportID, string(r.Key))
			for k, v := range map[string]string{"report_id": m.ReportID, "period": "2025", "revision": strconv.Itoa(m.Revision),
				"known_at": m.KnownAt, "sha256": m.SHA256, "file": m.File, "rows": "80"} {
				assert.Equal(t, v, header(r, k), "%s: header %s", m.File, k)
			}
		}
		assert.Empty(t, header(records[0], "replaces"))
		assert.Equal(t, "1", header(records[1], "replaces"))
	})

	t.Run("a directory whose revisions differ from the topic's", func(t *testing.T) {
		other := t.TempDir()
		_, err := report.WriteRows(ctx, []queries.Row{row("gov.commune_ntm_8_4", "38", 0, 6, "0.000000", "0.98")},
			report.Options{Period: period(t, "2025"), KnownAt: s1.at, Out: other, Catalog: catalog})
		require.NoError(t, err)
		ends := endOffsets(t, f.addr, topic)
		_, err = report.Produce(ctx, []string{f.addr}, topic, other, report.ProduceOptions{})
		require.ErrorIs(t, err, report.ErrConflict)
		assert.Equal(t, ends, endOffsets(t, f.addr, topic), "nothing is produced")
	})
}
