package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

// BenchmarkWarehouseLookupHashes is the warehouse's part of every gateway request (its
// event_ids looked up for duplicates and conflicts): a request of 100 events, half of them
// stored, against the small generated stream. build-ms is the first request's, which reads the
// whole event log.
func BenchmarkWarehouseLookupHashes(b *testing.B) {
	lines, _ := ingesttest.Stream(b, generate.Small, 0)
	wh := ingesttest.Warehouse(b, lines)
	l, err := gateway.NewWarehouseLookup(wh)
	require.NoError(b, err)
	b.Cleanup(func() { l.Close() })
	var ids []string
	for i := 0; len(ids) < 50 && i < len(lines); i += len(lines) / 50 {
		var e struct {
			ID string `json:"event_id"`
		}
		require.NoError(b, json.Unmarshal(lines[i], &e))
		ids = append(ids, e.ID)
	}
	for i := range 50 {
		ids = append(ids, fmt.Sprintf("gw-new-%d", i))
	}
	t0 := time.Now()
	found, err := l.Hashes(context.Background(), ids)
	require.NoError(b, err)
	require.Len(b, found, 50)
	build := time.Since(t0)
	b.ReportAllocs()
	for b.Loop() {
		found, err := l.Hashes(context.Background(), ids)
		require.NoError(b, err)
		require.Len(b, found, 50)
	}
	b.ReportMetric(float64(build.Milliseconds()), "build-ms")
	b.ReportMetric(float64(len(lines)), "stored-lines")
}
