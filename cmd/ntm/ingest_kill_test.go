package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// TestMain lets the test binary stand in for the ntm binary: with NTM_TEST_CHILD=1 it runs
// the command line it was given, as a child process the tests can kill. With
// NTM_TEST_KILL_AFTER_WRITE=N the child kills itself with SIGKILL between writing its N-th
// flush and committing it, the moment a crash leaves files that no snapshot names.
func TestMain(m *testing.M) {
	if os.Getenv("NTM_TEST_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
		if n, err := strconv.Atoi(os.Getenv("NTM_TEST_KILL_AFTER_WRITE")); err == nil {
			writes := 0
			e.afterWrite = func() {
				if writes++; writes == n {
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

// Ingest is killed with SIGKILL at random moments and between writing files and committing
// them, again and again, and restarted each time; at the end every valid event is stored
// exactly once, every invalid line once in the dead letters, and verify is clean.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for a while")
	}
	addr := kit.StartBroker(t)
	lines, st := kit.Stream(t, generate.Small, 0.01)
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

	kills, selfKills := 0, 0
	for i := 0; i < 12; i++ {
		var env []string
		deadline := time.Duration(150+rng.IntN(1200)) * time.Millisecond
		if i%3 == 1 {
			// This run kills itself between writing a flush and committing it.
			env = append(env, fmt.Sprintf("NTM_TEST_KILL_AFTER_WRITE=%d", 1+rng.IntN(4)))
			deadline = time.Minute
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
				i = 12
				continue
			}
			require.True(t, killed(err), "run %d failed: %v\n%s", i, err, stderr.String())
			selfKills++
		case <-time.After(deadline):
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			err := <-exited
			if err == nil {
				continue // it finished just before the signal
			}
			require.True(t, killed(err), "run %d: %v\n%s", i, err, stderr.String())
			kills++
		}
	}
	t.Logf("SIGKILL from outside: %d, between write and commit: %d", kills, selfKills)
	assert.GreaterOrEqual(t, kills+selfKills, 6, "the test must actually crash ingest")

	var stderr bytes.Buffer
	final := child(nil, args...)
	final.Stderr = &stderr
	require.NoError(t, final.Run(), stderr.String())

	wh, err := warehouse.Open(context.Background(), dir, false)
	require.NoError(t, err)
	defer wh.Close()
	wantEv, wantDl := kit.Expected(st)
	gotEv, gotDl := kit.Counts(t, wh)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)

	var out bytes.Buffer
	code := run(context.Background(), []string{"verify", "--warehouse", dir}, nil, &out, &out)
	require.Equal(t, exitOK, code, out.String())
	assert.Contains(t, out.String(), "OK")
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
