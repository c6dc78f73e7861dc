package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
)

// ntm compact on a warehouse of many small flushes: fewer files, the same rows, verify clean;
// a second run finds nothing to merge.
func TestCompactCommand(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	dir := t.TempDir()
	// Three ingest runs of a part each: three commits, so the partitions have files to merge.
	for i, part := range [][][]byte{lines[:3000], lines[3000:6000], lines[6000:9000]} {
		kit.Produce(t, addr, part)
		var out bytes.Buffer
		code := run(context.Background(), []string{"ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--until-caught-up"}, nil, &out, &out)
		require.Equal(t, exitOK, code, "run %d: %s", i, out.String())
	}
	count := func() string {
		code, out, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv",
			"SELECT count(*), sum(hash(e)) FROM events_log_data e")
		require.Equal(t, exitOK, code, errOut)
		return out
	}
	before := count()

	code, out, errOut := ntm(t, "", "compact", "--warehouse", dir, "--min-files", "2", "--target-size", "64MiB")
	require.Equal(t, exitOK, code, errOut)
	t.Log(out)
	line := regexp.MustCompile(`(?m)^(events_log|dead_letters) +files +(\d+) -> (\d+) .* merged (\d+) files into (\d+) in [0-9.]+ s$`)
	found := line.FindAllStringSubmatch(out, -1)
	require.Len(t, found, 2, out)
	ev := found[0]
	require.Equal(t, "events_log", ev[1])
	n := func(s string) int { v, err := strconv.Atoi(s); require.NoError(t, err); return v }
	assert.Less(t, n(ev[3]), n(ev[2]), "fewer files")
	assert.Positive(t, n(ev[4]))
	assert.Equal(t, before, count(), "the same rows, with the same commit times")

	code, out, errOut = ntm(t, "", "verify", "--warehouse", dir)
	require.Equal(t, exitOK, code, out+errOut)

	code, out, errOut = ntm(t, "", "compact", "--warehouse", dir, "--table", "events_log", "--min-files", "2")
	require.Equal(t, exitOK, code, errOut)
	assert.Regexp(t, `merged 0 files into 0`, out, "nothing left to merge")
	assert.NotContains(t, out, "dead_letters")

	code, _, errOut = ntm(t, "", "compact", "--warehouse", t.TempDir())
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "ntm ingest")
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"128MiB", 128 << 20}, {"1GiB", 1 << 30}, {"512KiB", 512 << 10}, {"10MB", 10e6}, {"1.5KB", 1500},
		{"4096", 4096}, {"4096B", 4096}, {" 2 MiB ", 2 << 20},
	} {
		got, err := parseSize(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "MiB", "-1MiB", "0", "12XB", "lots"} {
		_, err := parseSize(bad)
		assert.Error(t, err, bad)
	}
}
