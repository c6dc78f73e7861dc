package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/auth"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// ntm serve end to end: a commune's reporter sends events through the gateway, they reach
// Kafka, ingest stores them, and an analyst finds them with SQL through the API; the dashboard
// and the health route answer; SIGTERM-like cancellation stops the server cleanly.
func TestServeGatewayToWarehouse(t *testing.T) {
	// A new warehouse, bound to this broker's topic from its first ingest.
	dir := t.TempDir()
	wh, err := warehouse.Open(context.Background(), dir, true)
	require.NoError(t, err)
	wh.Close()
	addr := kit.StartBroker(t)
	tokFile := filepath.Join(t.TempDir(), "tokens.json")
	reporter, rh := auth.NewToken()
	analyst, ah := auth.NewToken()
	require.NoError(t, auth.Append(tokFile, auth.Entry{Name: "xa", SHA256: rh, Role: "reporter", Unit: "15814"}))
	require.NoError(t, auth.Append(tokFile, auth.Entry{Name: "vp", SHA256: ah, Role: "analyst"}))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hostport := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		var out strings.Builder
		done <- run(ctx, []string{"serve", "--warehouse", dir, "--addr", hostport, "--tokens", tokFile,
			"--brokers", addr}, nil, &out, io.Discard)
	}()
	base := "http://" + hostport
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	}, 20*time.Second, 50*time.Millisecond)

	ev := func(id, unit string) string {
		return fmt.Sprintf(`{"event_id":%q,"event_type":"wifi_hotspot.installed","schema_version":1,"occurred_at":"2025-03-01T08:00:00+07:00","recorded_at":"2025-03-01T09:00:00+07:00","source":{"level":"commune","unit_code":"15814","system":"test"},"unit_code":%q,"payload":{"hotspot_id":%q,"site":"one_stop_shop","free":true}}`, id, unit, id)
	}
	body := ev("gw-1", "15814") + "\n" + ev("gw-2", "15817") + "\n{oops\n"
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+reporter)
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var gw struct {
		Accepted, Rejected int
		Results            []struct{ Status, Reason string }
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&gw))
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, 1, gw.Accepted)
	assert.Equal(t, 2, gw.Rejected)
	assert.Equal(t, "forbidden_unit", gw.Results[1].Reason)
	assert.Equal(t, "not_json", gw.Results[2].Reason)

	// The accepted event goes from Kafka into the warehouse through ingest.
	var out strings.Builder
	require.Equal(t, exitOK, run(context.Background(), []string{"ingest", "--brokers", addr, "--warehouse", dir,
		"--group", "gw", "--until-caught-up"}, nil, &out, &out), out.String())

	sqlReq := func(token, q string) (int, map[string]any) {
		b, _ := json.Marshal(map[string]string{"query": q})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/sql", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	code, m := sqlReq(analyst, "SELECT event_id, unit_code FROM events_log WHERE event_id LIKE 'gw-%'")
	require.Equal(t, 200, code, m)
	assert.Equal(t, []any{[]any{"gw-1", "15814"}}, m["rows"])
	code, _ = sqlReq(reporter, "SELECT 1")
	assert.Equal(t, 403, code, "a reporter token may not run SQL")
	code, _ = sqlReq("not-a-token", "SELECT 1")
	assert.Equal(t, 401, code)

	res, err = http.Get(base + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(metrics), "ntm_gateway_events_accepted_total 1")
	assert.Contains(t, string(metrics), `ntm_gateway_events_rejected_total{reason="forbidden_unit"} 1`)
	assert.Contains(t, string(metrics), `ntm_gateway_dead_letters_total{outcome="stored"} 2`, "both rejected lines are dead letters")
	assert.Contains(t, string(metrics), "ntm_gateway_events_duplicate_total 0")
	code, m = sqlReq(analyst, "SELECT reason, source_file, line FROM dead_letters WHERE source_file LIKE 'gateway:%' ORDER BY line")
	require.Equal(t, 200, code, m)
	assert.Len(t, m["rows"], 2, "the gateway's rejections are stored with their origin: %v", m["rows"])

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
