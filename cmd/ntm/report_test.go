package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/queries/report"
)

// ingestFixtures produces the indicator tests' hand-built event files and runs ntm ingest
// until it has caught up with them.
func ingestFixtures(t *testing.T, addr, dir string, names ...string) {
	t.Helper()
	var lines [][]byte
	for _, f := range names {
		b, err := os.ReadFile(filepath.Join("..", "..", "queries", "testdata", "indicators", f))
		require.NoError(t, err)
		for _, l := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
		}
	}
	kit.Produce(t, addr, lines)
	var out bytes.Buffer
	require.Equal(t, exitOK, run(context.Background(), []string{"ingest", "--brokers", addr, "--warehouse", dir,
		"--group", "g", "--until-caught-up"}, nil, &out, &out), out.String())
}

// reportTopic reads the ministry report topic over TCP, from the start to its end offsets, and
// returns the records and those end offsets.
func reportTopic(t *testing.T, addr string) ([]*kgo.Record, map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	adm, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer adm.Close()
	listed, err := kadm.NewClient(adm).ListEndOffsets(ctx, report.DefaultTopic)
	require.NoError(t, err)
	ends := map[int32]int64{}
	var total int64
	listed.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			ends[o.Partition] = o.Offset
			total += o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(report.DefaultTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	var recs []*kgo.Record
	for int64(len(recs)) < total {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err())
		require.NoError(t, fs.Err())
		recs = append(recs, fs.Records()...)
	}
	return recs, ends
}

// TestReportCommand runs ntm report on a warehouse before and after a correction, with
// --brokers: each revision is written once and produced once.
func TestReportCommand(t *testing.T) {
	addr := kit.StartBroker(t)
	dir, out := t.TempDir(), t.TempDir()
	ingestFixtures(t, addr, dir, "units.ndjson", "knownat_1.ndjson")
	args := []string{"report", "--warehouse", dir, "--period", "2025", "--out", out, "--brokers", addr}
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		return b
	}
	manifest := func(name string) report.Manifest {
		var m report.Manifest
		require.NoError(t, json.Unmarshal(file(name), &m))
		return m
	}

	code, stdout, stderr := ntm(t, "", args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "wrote revision 1")
	assert.Contains(t, stdout, filepath.Join(out, "ntm-report-38-2025-r1.csv"))
	assert.Contains(t, stdout, "produced 1 revisions")
	r1 := file("ntm-report-38-2025-r1.csv")
	m1 := manifest("ntm-report-38-2025-r1.json")
	assert.Equal(t, 1, m1.Revision)
	assert.Nil(t, m1.Replaces)
	recs, err := csv.NewReader(bytes.NewReader(r1)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, report.Columns, recs[0])
	assert.Len(t, recs[1:], m1.Rows)
	for _, r := range recs[1:] {
		assert.Equal(t, "I", r[2])
	}
	_, ends := reportTopic(t, addr)

	// The same state again: no new revision, nothing produced, the topic unchanged.
	code, stdout, stderr = ntm(t, "", args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "unchanged since revision 1")
	assert.Contains(t, stdout, "nothing new to produce (1 revisions already on the topic)")
	_, again := reportTopic(t, addr)
	assert.Equal(t, ends, again, "the topic's end offsets do not move")
	_, err = os.Stat(filepath.Join(out, "ntm-report-38-2025-r2.csv"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	// Iceberg commit times are in milliseconds: the correction commits in a later one.
	time.Sleep(5 * time.Millisecond)
	ingestFixtures(t, addr, dir, "knownat_2.ndjson")
	code, stdout, stderr = ntm(t, "", args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "wrote revision 2")
	assert.Contains(t, stdout, "produced 1 revisions (1 already on the topic)")
	r2 := file("ntm-report-38-2025-r2.csv")
	m2 := manifest("ntm-report-38-2025-r2.json")
	require.NotNil(t, m2.Replaces)
	assert.Equal(t, 1, *m2.Replaces)
	assert.Greater(t, m2.KnownAt, m1.KnownAt)
	assert.Contains(t, string(r2), "\r\ndataflow,VN_NTM:DF_NTM_DX(1.0),R,38,GOV_DOSSIERS_ONLINE_COMMUNE,2025,1.000000,2,2,0.70,A\r\n")
	assert.Equal(t, r1, file("ntm-report-38-2025-r1.csv"), "revision 1 is kept")

	var feed report.Feed
	require.NoError(t, json.Unmarshal(file(report.FeedFile), &feed))
	assert.Equal(t, []report.Manifest{m2, m1}, feed.Revisions, "newest first")

	records, _ := reportTopic(t, addr)
	require.Len(t, records, 2)
	for i, want := range [][]byte{r1, r2} {
		assert.Equal(t, want, records[i].Value, "record %d is revision %d byte for byte", i, i+1)
		assert.Equal(t, "ntm-report-38-2025", string(records[i].Key))
	}
}

func TestReportUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no out", []string{"report", "--warehouse", "w", "--period", "2025"}, exitUsage, "--out"},
		{"bad period", []string{"report", "--warehouse", "w", "--period", "2025-13", "--out", "o"}, exitUsage, "2025-Q3"},
		{"stray argument", []string{"report", "--warehouse", "w", "--period", "2025", "--out", "o", "x"}, exitUsage, "unexpected argument"},
		{"no warehouse", []string{"report", "--warehouse", t.TempDir(), "--period", "2025", "--out", t.TempDir()}, exitFailure, "ntm ingest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := ntm(t, "", tc.args...)
			require.Equal(t, tc.code, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
}
