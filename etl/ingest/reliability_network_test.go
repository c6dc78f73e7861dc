package ingest_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest/faultnet"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// fullReliability reports whether the long form of the reliability tests was asked for.
func fullReliability() bool { return os.Getenv("NTM_RELIABILITY") == "full" }

// reliabilitySeed is the seed of a test's random faults: NTM_RELIABILITY_SEED to replay a
// failure, a new one otherwise (logged, so that any failure can be replayed).
func reliabilitySeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("NTM_RELIABILITY_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
		return seed
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random faults from seed %d (NTM_RELIABILITY_SEED=%d replays them)", seed, seed)
	return seed
}

// logFigures records a test's measurements in a line RELIABILITY.md is built from.
func logFigures(t *testing.T, section string, fields map[string]any) {
	t.Helper()
	fields["section"] = section
	fields["test"] = t.Name()
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	t.Logf("RELIABILITY %s", b)
}

// Ingest reaches the broker only through a proxy that drops, stalls and resets its connections
// every few hundred milliseconds; it rides through (franz-go retries with backoff, and ingest
// commits a batch only once its files are stored) and catches up with every valid event once,
// every bad line once in the dead letters, verify clean, and Kafka's group offsets never ahead
// of what the tables hold. Small fetches and small flushes make many requests and commits for
// the faults to land on. The short form (CI) ingests 40 thousand lines of the small stream under
// stalls of up to 1 s; with NTM_RELIABILITY=full, all 200 thousand under twice the fault rate and
// stalls of up to 12 s, longer than franz-go's 10 s deadline for a request without a timeout of
// its own (heartbeats, metadata, offset commits), so that requests also time out and retry.
func TestIngestSurvivesNetworkFaults(t *testing.T) {
	lines, st := kit.Stream(t, generate.Small, 0.01)
	opts := faultnet.Options{Seed: reliabilitySeed(t), Interval: 150 * time.Millisecond, MaxStall: time.Second}
	if fullReliability() {
		opts.Interval, opts.MaxStall = 75*time.Millisecond, 12*time.Second
	} else {
		lines = lines[:40000]
	}
	wantEv, wantDl := kit.Judged(lines)
	if fullReliability() {
		wantEv, wantDl = kit.Expected(st)
	}
	addr := kit.StartBroker(t)
	kit.Produce(t, addr, lines)
	wh := openWarehouse(t)

	proxy, err := faultnet.Start(addr, opts)
	require.NoError(t, err)
	defer proxy.Close()

	cfg := config(addr, "g", wh)
	cfg.FlushBytes = 512 << 10
	cfg.ClientOpts = []kgo.Opt{
		kgo.Dialer(proxy.Dial),
		kgo.FetchMaxBytes(256 << 10),
		kgo.FetchMaxPartitionBytes(64 << 10),
	}
	start := time.Now()
	stats, err := ingest.Run(context.Background(), cfg)
	elapsed := time.Since(start)
	require.NoError(t, err, "ingest rides through network faults")
	proxy.Pause()
	ns := proxy.Stats()

	// The faults hit the consumer's own connections: every one went through the proxy, and
	// they carried the whole stream.
	require.Zero(t, ns.Bypassed, "no connection bypassed the proxy")
	require.Greater(t, ns.Conns, int64(1), "dropped connections were dialled again")
	require.Greater(t, ns.ToClient, int64(len(lines))*20, "the records came through the proxy")
	require.GreaterOrEqual(t, ns.Total(), int64(5), "faults were injected")
	require.Positive(t, ns.OnBusy, "faults hit connections that carried data")
	assert.Equal(t, int64(len(lines)), stats.Records, "every record judged once")

	gotEv, gotDl := kit.Counts(t, wh)
	lost, dup := difference(wantEv, gotEv, wantDl, gotDl)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)
	report := kit.RequireIntact(t, wh)

	// Kafka's group offsets, committed after the tables', are never ahead of them.
	adm := kadm.NewClient(mustClient(t, addr))
	committed, err := adm.FetchOffsets(context.Background(), "g")
	require.NoError(t, err)
	require.NoError(t, committed.Error())
	stored := map[string]warehouse.Offsets{}
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		tbl, err := wh.Load(context.Background(), name)
		require.NoError(t, err)
		stored[name] = warehouse.OffsetsOf(tbl)
	}
	partitions := 0
	committed.Each(func(o kadm.OffsetResponse) {
		tp := warehouse.TopicPartition{Topic: o.Topic, Partition: o.Partition}
		partitions++
		assert.LessOrEqual(t, o.At, stored[warehouse.EventsLog][tp], "group offset of %s beyond the event log's", tp)
		assert.LessOrEqual(t, o.At, stored[warehouse.DeadLetters][tp], "group offset of %s beyond the dead letters'", tp)
	})
	require.Positive(t, partitions, "the group committed its offsets")

	logFigures(t, "network", map[string]any{
		"form": form(), "seed": opts.Seed, "lines": len(lines), "fault_interval_ms": opts.Interval.Milliseconds(),
		"max_stall_ms": opts.MaxStall.Milliseconds(), "faults": ns.Faults, "faults_total": ns.Total(),
		"faults_on_busy": ns.OnBusy, "connections": ns.Conns, "bytes_to_client": ns.ToClient,
		"bytes_to_server": ns.ToServer, "records": stats.Records, "events_stored": report.Rows[warehouse.EventsLog],
		"dead_letters_stored": report.Rows[warehouse.DeadLetters], "commits": stats.Commits,
		"restarts": 0, "lost": lost, "duplicated": dup, "seconds": elapsed.Seconds(),
	})
}

// difference counts the rows missing from got and those beyond want, over events and dead
// letters, for the figures (the assertions compare the maps themselves).
func difference(wantEv, gotEv, wantDl, gotDl map[string]int64) (lost, extra int64) {
	for _, m := range [][2]map[string]int64{{wantEv, gotEv}, {wantDl, gotDl}} {
		keys := map[string]bool{}
		for k := range m[0] {
			keys[k] = true
		}
		for k := range m[1] {
			keys[k] = true
		}
		for k := range keys {
			d := m[1][k] - m[0][k]
			if d < 0 {
				lost -= d
			} else {
				extra += d
			}
		}
	}
	return lost, extra
}

// form names the form of the reliability tests that runs.
func form() string {
	if fullReliability() {
		return "full"
	}
	return "short"
}

// mustClient is a plain client of the broker, closed when the test ends.
func mustClient(t *testing.T, addr string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}
