package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
)

// The quality report of a hand-built set (the indicator tests' units and government events)
// names the problems that set was built with.
func TestQualityReport(t *testing.T) {
	lines := kit.Fixture(t, "units.ndjson", "gov.ndjson")
	addr := kit.StartBroker(t)
	kit.Produce(t, addr, lines)
	dir := t.TempDir()
	var out bytes.Buffer
	require.Equal(t, exitOK, run(context.Background(), []string{"ingest", "--brokers", addr, "--warehouse", dir,
		"--group", "g", "--until-caught-up"}, nil, &out, &out), out.String())

	code, stdout, errOut := ntm(t, "", "quality", "--warehouse", dir, "--period", "2025", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	var report map[string]struct {
		Title string           `json:"title"`
		Rows  []map[string]any `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &report))
	for _, s := range []string{"unknown_units", "corrections", "late_events", "silent_units", "dead_letters"} {
		require.Contains(t, report, s)
		assert.NotEmpty(t, report[s].Title)
	}

	problems := map[string]string{}
	for _, r := range report["corrections"].Rows {
		problems[r["event_id"].(string)] = r["problem"].(string)
	}
	assert.Equal(t, "orphan", problems["g-hs8"], "its target never arrives")
	assert.Equal(t, "cross_type", problems["g-hs9"], "it corrects a criterion.assessed")
	assert.NotContains(t, problems, "g-hs7-b", "a correction of the same type with its target is fine")

	unknown := map[string]bool{}
	for _, r := range report["unknown_units"].Rows {
		unknown[r["unit_code"].(string)] = true
	}
	assert.True(t, unknown["14899"], "a dossier about a unit never registered")
	assert.Len(t, unknown, 1)
	assert.Empty(t, report["dead_letters"].Rows, "the set has no bad lines")

	code, table, errOut := ntm(t, "", "quality", "--warehouse", dir, "--period", "2025-Q1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, table, "orphan and cross-type corrections")
}
