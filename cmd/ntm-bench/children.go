package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver of DuckDB
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// The yardsticks run in child processes of ntm-bench itself (ntm-bench child NAME ARGS), so
// that each is measured like ntm ingest: its own wall time, CPU time and peak RSS. Each prints
// one line: the number of rows or records it handled.
var children = map[string]func(ctx context.Context, args []string) (int64, error){
	"duckdb-copy": duckdbCopy,
	"consume":     consumeOnly,
	"decode":      decodeOnly,
	"scan":        bareScan,
}

func runChild(ctx context.Context, args []string) error {
	if len(args) == 0 || children[args[0]] == nil {
		return fmt.Errorf("unknown child %q", args)
	}
	n, err := children[args[0]](ctx, args[1:])
	if err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}

// duckdbCopy is DuckDB's own JSON→Parquet: COPY (SELECT * FROM read_json(IN)) TO OUT, zstd. The
// stream holds invalid lines on purpose, which read_json would stop at, so it skips them.
func duckdbCopy(ctx context.Context, args []string) (int64, error) {
	if len(args) != 2 {
		return 0, errors.New("usage: duckdb-copy IN.ndjson OUT.parquet")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "SET memory_limit = '4GB'"); err != nil {
		return 0, err
	}
	var n int64
	q := fmt.Sprintf(`COPY (SELECT * FROM read_json('%s', format = 'newline_delimited', ignore_errors = true))
		TO '%s' (FORMAT parquet, COMPRESSION zstd)`, args[0], args[1])
	err = db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// consumeOnly is the broker's ceiling: a consumer with ingest's fetch settings that only counts
// the records (and touches their bytes) until it reaches the end offsets seen at start.
func consumeOnly(ctx context.Context, args []string) (int64, error) {
	if len(args) != 2 {
		return 0, errors.New("usage: consume BROKER TOPIC")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(args[0]), kgo.ConsumeTopics(args[1]),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(32<<20), kgo.FetchMaxPartitionBytes(8<<20),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, args[1])
	if err != nil {
		return 0, err
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	var n, sum int64
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return n, err
		}
		fs.EachRecord(func(r *kgo.Record) {
			n++
			sum += int64(len(r.Value))
			if end, ok := want[r.Partition]; ok && r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
	}
	if sum == 0 {
		return n, errors.New("no bytes consumed")
	}
	return n, nil
}

// decodeOnly is decoding and validation alone, on every core, over lines already in memory:
// what ingest would cost with free transport and free storage.
func decodeOnly(ctx context.Context, args []string) (int64, error) {
	if len(args) != 1 {
		return 0, errors.New("usage: decode IN.ndjson")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return 0, err
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, sc.Bytes())
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	start := time.Now()
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var valid int64
	chunk := (len(lines) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(len(lines), (w+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d events.Decoder
			var ok int64
			for _, l := range lines[lo:hi] {
				if _, err := d.Decode(l); err == nil {
					ok++
				}
			}
			mu.Lock()
			valid += ok
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "decoded %d lines (%d valid) in %s\n", len(lines), valid, time.Since(start))
	return int64(len(lines)), nil
}

// bareScan reads the event log's typed columns from the current snapshot's files with nothing
// else: the floor under any query of them. It uses the same DuckDB settings as ntm's sessions.
func bareScan(ctx context.Context, args []string) (int64, error) {
	if len(args) != 1 {
		return 0, errors.New("usage: scan WAREHOUSE")
	}
	wh, err := warehouse.Open(ctx, args[0], false)
	if err != nil {
		return 0, err
	}
	defer wh.Close()
	db, snap, err := session.Open(ctx, wh)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	paths := []string{quoteSQL(wh.SchemaFile(warehouse.EventsLog))}
	for _, f := range snap.Tables[warehouse.EventsLog].Files {
		paths = append(paths, quoteSQL(f.Path))
	}
	var aggs []string
	for _, c := range warehouse.EventColumns() {
		switch c.Name {
		case "payload", "content_hash", "kafka_topic", "kafka_partition", "kafka_offset", "ingested_at":
			continue // the indicators never read these
		}
		aggs = append(aggs, fmt.Sprintf(`max("%s")`, c.Name))
	}
	q := fmt.Sprintf("SELECT count(*), %s FROM read_parquet([%s], union_by_name = true)",
		strings.Join(aggs, ", "), strings.Join(paths, ", "))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		return 0, errors.New("no result")
	}
	if err := rows.Scan(ptrs...); err != nil {
		return 0, err
	}
	n, _ := vals[0].(int64)
	return n, rows.Err()
}

func quoteSQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
