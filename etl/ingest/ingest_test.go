package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

const topic = "ntm.events.v1"

func startBroker(t *testing.T) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, topic), kfake.AllowAutoTopicCreation(),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "8388608"}))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// produce sends the lines as records keyed by unit_code, as ntm produce does.
func produce(t *testing.T, addr string, lines [][]byte) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchMaxBytes(8<<20), kgo.ProducerLinger(5*time.Millisecond))
	require.NoError(t, err)
	defer cl.Close()
	var recs []*kgo.Record
	for _, l := range lines {
		r := &kgo.Record{Value: l}
		if ev, err := events.Decode(l); err == nil {
			r.Key = []byte(ev.UnitCode)
		}
		recs = append(recs, r)
	}
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
}

func stream(t *testing.T, scale generate.Scale, badRate float64) ([][]byte, generate.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := generate.Generate(context.Background(), &buf, generate.Options{Seed: 1, Scale: scale, BadRate: badRate})
	require.NoError(t, err)
	var lines [][]byte
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	require.NoError(t, sc.Err())
	return lines, st
}

func counts(t *testing.T, wh *warehouse.Warehouse) (map[string]int64, map[string]int64) {
	t.Helper()
	db, _, err := wh.OpenDuckDB(context.Background())
	require.NoError(t, err)
	defer db.Close()
	q := func(query string) map[string]int64 {
		rows, err := db.Query(query)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var k string
			var n int64
			require.NoError(t, rows.Scan(&k, &n))
			out[k] = n
		}
		require.NoError(t, rows.Err())
		return out
	}
	return q("SELECT event_type, count(*) FROM events_log GROUP BY 1"), q("SELECT reason, count(*) FROM dead_letters GROUP BY 1")
}

func expected(st generate.Stats) (map[string]int64, map[string]int64) {
	ev, dl := map[string]int64{}, map[string]int64{}
	for typ, n := range st.Accepted {
		if n > 0 {
			ev[typ.String()] = n
		}
	}
	for r, n := range st.Rejected {
		if n > 0 {
			dl[string(r)] = n
		}
	}
	return ev, dl
}

func TestIngestSmallStream(t *testing.T) {
	ctx := context.Background()
	addr := startBroker(t)
	lines, st := stream(t, generate.Small, 0.01)
	produce(t, addr, lines)

	wh, err := warehouse.Open(ctx, t.TempDir(), true)
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := time.Now()
	stats, err := ingest.Run(ctx, ingest.Config{Brokers: []string{addr}, Topics: []string{topic}, Group: "g",
		Warehouse: wh, UntilCaughtUp: true, Log: log})
	require.NoError(t, err)
	t.Logf("ingested %d records in %v (%d commits)", stats.Records, time.Since(start), stats.Commits)

	wantEv, wantDl := expected(st)
	gotEv, gotDl := counts(t, wh)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)

	r, err := wh.Verify(ctx)
	require.NoError(t, err)
	require.Empty(t, r.Problems)
}
