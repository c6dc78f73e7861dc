package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// TestMain lets the test binary stand in for the ntm binary: with NTM_TEST_CHILD=1 it runs
// the command line it was given, as a child process the tests can kill. With
// NTM_TEST_KILL_AT=POINT:N the child kills itself with SIGKILL the N-th time ingest reaches
// the crash point POINT of a flush (ingest.Config.Crashpoint): after writing a data file, after
// writing all of them, between the two tables' commits, before committing Kafka's offsets.
func TestMain(m *testing.M) {
	if os.Getenv("NTM_TEST_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		// Its refreshes run as the test binary too, NTM_TEST_CHILD inherited.
		e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, exe: os.Args[0]}
		if at, n, ok := strings.Cut(os.Getenv("NTM_TEST_KILL_AT"), ":"); ok {
			want, _ := strconv.Atoi(n)
			seen := 0
			e.crashpoint = func(point string) {
				if point != at {
					return
				}
				if seen++; seen == want {
					_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
					time.Sleep(time.Minute)
				}
			}
		}
		code := runEnv(ctx, os.Args[1:], e)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// child is ntm run as a separate process.
func child(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "NTM_TEST_CHILD=1"), env...)
	return cmd
}

// Ingest is killed with SIGKILL at random moments and at every crash point of a flush, again
// and again, and restarted each time; at the end every valid event is stored exactly once,
// every invalid line once in the dead letters, and verify is clean. The short form (CI) kills
// 15 times over the small stream; with NTM_RELIABILITY=full, 25 times over the medium stream.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for a while")
	}
	scale, rounds, spread := generate.Small, 15, 1200
	if os.Getenv("NTM_RELIABILITY") == "full" {
		scale, rounds, spread = generate.Medium, 25, 6000
	}
	start := time.Now()
	addr := kit.StartBroker(t)
	lines, st := kit.Stream(t, scale, 0.01)
	kit.Produce(t, addr, lines)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("random kill moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	args := []string{"ingest", "--brokers", addr, "--warehouse", dir, "--group", "g",
		"--until-caught-up", "--flush-mb", "2", "--flush-interval", "200ms",
		// A restarted member takes its partitions back at once instead of waiting for the
		// killed member's session to time out.
		"--instance-id", "ingest-0"}

	// Every third run dies at a random moment from outside; the others kill themselves at a
	// crash point, each point in turn.
	points := []string{"file", "written", "events", "committed"}
	kills := map[string]int{}
	finished := false
	runs := 0
	for i := 0; i < rounds && !finished; i++ {
		runs++
		var env []string
		point := "random"
		deadline := time.Duration(150+rng.IntN(spread)) * time.Millisecond
		if i%3 != 0 {
			point = points[(i-i/3-1)%len(points)]
			env = append(env, fmt.Sprintf("NTM_TEST_KILL_AT=%s:%d", point, 1+rng.IntN(3)))
			deadline = 5 * time.Minute
		}
		cmd := child(env, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err == nil {
				t.Logf("run %d finished before its kill", i)
				finished = true
				continue
			}
			require.True(t, killed(err), "run %d failed: %v\n%s", i, err, stderr.String())
			kills[point]++
		case <-time.After(deadline):
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			err := <-exited
			if err == nil {
				continue // it finished just before the signal
			}
			require.True(t, killed(err), "run %d: %v\n%s", i, err, stderr.String())
			kills[point]++
		}
	}
	total := 0
	for _, n := range kills {
		total += n
	}
	t.Logf("kills by moment: %v", kills)
	// The test must actually crash ingest: half the rounds, or, when two long random runs ate
	// most of the stream and a run finished it early (seen once in CI), every run before it,
	// and a few at the least.
	assert.GreaterOrEqual(t, total, min(rounds/2, runs-1), "the test must actually crash ingest")
	assert.GreaterOrEqual(t, total, 4, "the test must actually crash ingest")

	var stderr bytes.Buffer
	final := child(nil, args...)
	final.Stderr = &stderr
	require.NoError(t, final.Run(), stderr.String())

	ctx := context.Background()
	wh, err := warehouse.Open(ctx, dir, false)
	require.NoError(t, err)
	defer wh.Close()
	wantEv, wantDl := kit.Expected(st)
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)
	// Equal counts per type could hide a loss and a duplicate of the same type: count the
	// copies of each event and of each rejected record too.
	db, _, err := session.Open(ctx, wh)
	require.NoError(t, err)
	defer db.Close()
	var rows, ids, dlRows, dlRecords int64
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT event_id) FROM events_log").Scan(&rows, &ids))
	require.NoError(t, db.QueryRowContext(ctx,
		"SELECT count(*), count(DISTINCT (topic, \"partition\", \"offset\")) FROM dead_letters").Scan(&dlRows, &dlRecords))
	require.Equal(t, ids, rows, "an event stored twice")
	require.Equal(t, dlRecords, dlRows, "a rejected record stored twice")

	var out bytes.Buffer
	code := run(ctx, []string{"verify", "--warehouse", dir}, nil, &out, &out)
	require.Equal(t, exitOK, code, out.String())
	assert.Contains(t, out.String(), "OK")
	var want int64
	for _, n := range wantEv {
		want += n
	}
	recordReliability(t, map[string]any{"section": "crashes", "scale": string(scale), "records": len(lines),
		"kills": total, "kills_by_moment": kills, "events_expected": want, "events_stored": rows,
		"dead_letters": dlRows, "lost": want - ids, "duplicated": rows - ids, "verify": "OK",
		"seconds": time.Since(start).Seconds()})
}

// recordReliability logs a figure for RELIABILITY.md: make reliability collects the lines.
func recordReliability(t *testing.T, fields map[string]any) {
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	t.Logf("RELIABILITY %s", b)
}

func killed(err error) bool {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// Without --until-caught-up, ingest runs until SIGTERM, then commits what it holds and exits
// 0; the group's Kafka offsets, committed after the tables', reach the end of every partition.
func TestIngestStopsCleanlyOnSIGTERM(t *testing.T) {
	addr := kit.StartBroker(t)
	lines, _ := kit.Stream(t, generate.Small, 0.01)
	lines = lines[:30000]
	kit.Produce(t, addr, lines)
	dir := t.TempDir()
	cmd := child(nil, "ingest", "--brokers", addr, "--warehouse", dir, "--group", "g", "--flush-interval", "300ms")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())

	// Wait until the tables hold every record, then ask it to stop.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(context.Background(), kit.Topic)
	require.NoError(t, err)
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	require.Equal(t, int64(len(lines)), total)
	require.Eventually(t, func() bool {
		wh, err := warehouse.Open(context.Background(), dir, false)
		if err != nil {
			return false
		}
		defer wh.Close()
		snap, err := wh.Current(context.Background())
		if err != nil {
			return false
		}
		var n int64
		for _, o := range snap.Tables[warehouse.DeadLetters].Offsets {
			n += o
		}
		return n == total
	}, time.Minute, 100*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), stderr.String())
	assert.Contains(t, stderr.String(), "ingest stopped")

	committed, err := adm.FetchOffsetsForTopics(context.Background(), "g", kit.Topic)
	require.NoError(t, err)
	ends.Each(func(o kadm.ListedOffset) {
		c, ok := committed.Lookup(o.Topic, o.Partition)
		require.True(t, ok)
		assert.Equal(t, o.Offset, c.At, "partition %d", o.Partition)
	})

	wh, err := warehouse.Open(context.Background(), dir, false)
	require.NoError(t, err)
	defer wh.Close()
	ev, dl := kit.Judged(lines)
	gotEv, gotDl := kit.Counts(t, wh)
	assert.Equal(t, ev, gotEv)
	assert.Equal(t, dl, gotDl)
}
