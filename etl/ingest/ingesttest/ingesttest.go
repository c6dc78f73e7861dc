// Package ingesttest has the fixtures of the ingest tests: a Kafka-protocol broker on TCP, a
// producer, the generated stream and the counts a warehouse holds. No mocks: the broker is
// kfake over real sockets, and the counts come from DuckDB over the committed Parquet files.
package ingesttest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver, for Counts
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	"github.com/thanhhoa-ntm/ntm/etl/kafkaio"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// Topic is the event topic of the tests.
const Topic = "ntm.events.v1"

// StartBroker starts a broker with the topic in 6 partitions and returns its address.
func StartBroker(t testing.TB) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, Topic), kfake.AllowAutoTopicCreation(),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "8388608"}))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// Produce sends the lines with ntm produce's producer (key = unit_code, zstd, acknowledged).
func Produce(t testing.TB, addr string, lines [][]byte) {
	t.Helper()
	st, err := kafkaio.Produce(context.Background(), []string{addr}, Topic,
		bytes.NewReader(bytes.Join(lines, []byte("\n"))), kafkaio.ProduceOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(len(lines)), st.Acked)
}

// Stream generates a stream and returns its lines (blank ones dropped) and its stats.
func Stream(t testing.TB, scale generate.Scale, badRate float64) ([][]byte, generate.Stats) {
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

// Counts are the rows of the warehouse's current snapshot: events per type, dead letters per reason.
// It reads the snapshot's Parquet files with a plain DuckDB, as ntm verify does: what ingest
// stored is counted without the SQL surface of queries/ (etl imports nothing from there).
func Counts(t testing.TB, wh *warehouse.Warehouse) (map[string]int64, map[string]int64) {
	t.Helper()
	snap, err := wh.Current(context.Background())
	require.NoError(t, err)
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	q := func(table, col string) map[string]int64 {
		out := map[string]int64{}
		files := snap.Tables[table].Files
		if len(files) == 0 {
			return out
		}
		rows, err := db.Query(fmt.Sprintf("SELECT %s, count(*) FROM %s GROUP BY 1", col, warehouse.ParquetSource(files)))
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int64
			require.NoError(t, rows.Scan(&k, &n))
			out[k] = n
		}
		require.NoError(t, rows.Err())
		return out
	}
	return q(warehouse.EventsLog, "event_type"), q(warehouse.DeadLetters, "reason")
}

// DeadLetter is one row of the dead_letters table, as DeadLetters reads it; the optional
// columns are empty (or 0) when null.
type DeadLetter struct {
	Reason, Message, Field string
	Raw                    []byte
	EventID, EventType     string
	Topic                  string
	Partition              int32
	Offset                 int64
	SourceFile             string
	Line                   int64
}

// DeadLetters are the rows of the warehouse's current dead_letters snapshot, by topic,
// partition and offset, read with a plain DuckDB as Counts reads them.
func DeadLetters(t testing.TB, wh *warehouse.Warehouse) []DeadLetter {
	t.Helper()
	snap, err := wh.Current(context.Background())
	require.NoError(t, err)
	files := snap.Tables[warehouse.DeadLetters].Files
	if len(files) == 0 {
		return nil
	}
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT reason, message, coalesce(field, ''), raw, coalesce(event_id, ''), coalesce(event_type, ''),
		coalesce(topic, ''), coalesce("partition", -1), coalesce("offset", -1), coalesce(source_file, ''), coalesce(line, 0)
		FROM ` + warehouse.ParquetSource(files) + ` ORDER BY topic, "partition", "offset"`)
	require.NoError(t, err)
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var d DeadLetter
		require.NoError(t, rows.Scan(&d.Reason, &d.Message, &d.Field, &d.Raw, &d.EventID, &d.EventType,
			&d.Topic, &d.Partition, &d.Offset, &d.SourceFile, &d.Line))
		out = append(out, d)
	}
	require.NoError(t, rows.Err())
	return out
}

// Expected are the counts a stream's stats promise: the distinct valid events per type and
// the bad lines per reason.
func Expected(st generate.Stats) (map[string]int64, map[string]int64) {
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

// RequireIntact fails the test unless verify finds the warehouse intact.
func RequireIntact(t testing.TB, wh *warehouse.Warehouse) warehouse.Report {
	t.Helper()
	r, err := wh.Verify(context.Background())
	require.NoError(t, err)
	require.Empty(t, r.Problems)
	return r
}

// Judged are the counts the lines promise when judged one by one in order, as an ingest does:
// for a part of a stream, whose generator stats do not apply.
func Judged(lines [][]byte) (map[string]int64, map[string]int64) {
	t := ndjson.NewTally()
	for i, l := range lines {
		t.Add(l, i+1)
	}
	ev, dl := map[string]int64{}, map[string]int64{}
	for typ, n := range t.Accepted {
		if n > 0 {
			ev[typ.String()] = n
		}
	}
	for r, n := range t.Rejected {
		if n > 0 {
			dl[string(r)] = n
		}
	}
	return ev, dl
}

// Fixture reads the hand-built event sets of queries/testdata/indicators (the made-up province
// of the indicator tests), blank lines dropped, in the order named.
func Fixture(t testing.TB, names ...string) [][]byte {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "..", "..", "queries", "testdata", "indicators")
	var lines [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		for _, l := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
		}
	}
	return lines
}

// Warehouse produces the lines to a new broker and ingests them into a new warehouse, closed
// when the test ends.
func Warehouse(t testing.TB, lines [][]byte) *warehouse.Warehouse {
	t.Helper()
	return WarehouseIn(t, t.TempDir(), lines)
}

// WarehouseIn is Warehouse in the folder dir, which may hold a warehouse already.
func WarehouseIn(t testing.TB, dir string, lines [][]byte) *warehouse.Warehouse {
	t.Helper()
	addr := StartBroker(t)
	Produce(t, addr, lines)
	wh, err := warehouse.Open(context.Background(), dir, true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	_, err = ingest.Run(context.Background(), ingest.Config{Brokers: []string{addr}, Topics: []string{Topic},
		Group: "g", Warehouse: wh, UntilCaughtUp: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	return wh
}

// The sums of FundingPast2to63, worked out by hand: 10,000 allocations of the contract's largest
// amount (10^15 VND) and one of 3 VND; 9,300 disbursements of 10^15 VND, one of 5·10^12 and one
// of 4. Both pass 2^63 = 9223372036854775808, and neither is a float64: a BIGINT or a DOUBLE on
// the way loses them.
const (
	AllocatedPast2to63 = "10000000000000000003"
	DisbursedPast2to63 = "9300005000000000004"
	// RatePast2to63 is DisbursedPast2to63 / AllocatedPast2to63 rounded half-up to 6 decimals:
	// the exact ratio lies 1.2·10^-19 above the half 0.9300005, closer than a float64 can tell.
	RatePast2to63 = "0.930001"
)

// FundingPast2to63 returns the events whose sums are AllocatedPast2to63 and DisbursedPast2to63:
// funding of fiscal year 2025 for district 381 of the made-up province of
// queries/testdata/indicators (ingest units.ndjson with them), dated in March 2025.
func FundingPast2to63() [][]byte {
	const maxVND = 1_000_000_000_000_000
	var lines [][]byte
	add := func(typ string, n int, amount int64) {
		for range n {
			lines = append(lines, fmt.Appendf(nil, `{"event_id":"big-%d","event_type":"funding.%s","schema_version":1,`+
				`"occurred_at":"2025-03-02T09:00:00+07:00","recorded_at":"2025-03-02T10:00:00+07:00",`+
				`"source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"381",`+
				`"payload":{"fiscal_year":2025,"source":"province_budget","task":"digital_government","amount_vnd":%d}}`,
				len(lines), typ, amount))
		}
	}
	add("allocated", 10_000, maxVND)
	add("allocated", 1, 3)
	add("disbursed", 9_300, maxVND)
	add("disbursed", 1, 5_000_000_000_000)
	add("disbursed", 1, 4)
	return lines
}

// Dump is a query's rows as text, one string a row: for comparing two sessions' answers.
func Dump(t testing.TB, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		out = append(out, fmt.Sprint(vals...))
	}
	require.NoError(t, rows.Err())
	return out
}
