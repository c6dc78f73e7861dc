package kafkaio

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestBrokerAddress(t *testing.T) {
	given := freeAddr(t)
	for _, tc := range []struct {
		name, addr string
		want       func(t *testing.T, got string)
	}{
		{"given host and port", given, func(t *testing.T, got string) { require.Equal(t, given, got) }},
		{"any port", "127.0.0.1:0", func(t *testing.T, got string) {
			require.True(t, strings.HasPrefix(got, "127.0.0.1:"), got)
			require.NotEqual(t, "127.0.0.1:0", got)
		}},
		{"every interface advertises loopback", "0.0.0.0:0", func(t *testing.T, got string) {
			require.True(t, strings.HasPrefix(got, "127.0.0.1:"), got)
			require.NotEqual(t, "127.0.0.1:0", got)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBroker(t, BrokerConfig{Addr: tc.addr})
			tc.want(t, b.Addr())
			// The address works as a bootstrap broker.
			st, err := Produce(t.Context(), []string{b.Addr()}, DefaultTopic,
				strings.NewReader(`{"unit_code":"38"}`+"\n"), ProduceOptions{})
			require.NoError(t, err)
			require.Equal(t, int64(1), st.Acked)
		})
	}

	t.Run("address in use", func(t *testing.T) {
		b := startBroker(t, BrokerConfig{})
		_, err := StartBroker(t.Context(), BrokerConfig{Addr: b.Addr()})
		require.ErrorContains(t, err, "listen on "+b.Addr())
	})
	t.Run("bad address", func(t *testing.T) {
		_, err := StartBroker(t.Context(), BrokerConfig{Addr: "localhost"})
		require.ErrorContains(t, err, "listen address")
	})
	t.Run("stops when its context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		b, err := StartBroker(ctx, BrokerConfig{})
		require.NoError(t, err)
		cancel()
		b.Close() // waits for the stop the context began
		_, err = net.Dial("tcp", b.Addr())
		require.Error(t, err, "the port is closed")
	})
}

func TestBrokerDataDirPersistsTheLog(t *testing.T) {
	dir := t.TempDir()
	const topic = "persisted"
	stream := func(from, to int) string {
		var sb strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&sb, `{"event_id":"p%d","unit_code":"%d"}`+"\n", i, 15800+i%13)
		}
		return sb.String()
	}

	b, err := StartBroker(t.Context(), BrokerConfig{DataDir: dir, Partitions: 3})
	require.NoError(t, err)
	st, err := Produce(t.Context(), []string{b.Addr()}, topic, strings.NewReader(stream(0, 1000)), ProduceOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(1000), st.Acked)
	b.Close()

	// Restarted on the same directory, on another port, the broker serves what it had and
	// takes more from a new producer.
	b = startBroker(t, BrokerConfig{DataDir: dir, Partitions: 3})
	st, err = Produce(t.Context(), []string{b.Addr()}, topic, strings.NewReader(stream(1000, 1500)), ProduceOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(500), st.Acked)

	want := strings.Split(strings.TrimSuffix(stream(0, 1500), "\n"), "\n")
	got := consume(t, b.Addr(), topic, len(want))
	var values []string
	partitions := map[int32]bool{}
	for _, r := range got {
		values = append(values, string(r.Value))
		partitions[r.Partition] = true
	}
	require.ElementsMatch(t, want, values)
	require.Len(t, partitions, 3)
}

// helperBrokerEnv, when set to a directory, turns TestHelperBroker into a broker process on
// that directory, for tests that kill it.
const helperBrokerEnv = "KAFKAIO_HELPER_BROKER_DIR"

// TestHelperBroker is not a test: run by startBrokerProcess, it serves a broker on the
// directory in helperBrokerEnv, prints its address, and waits to be killed.
func TestHelperBroker(t *testing.T) {
	dir := os.Getenv(helperBrokerEnv)
	if dir == "" {
		t.Skip("runs only as the helper process of another test")
	}
	b, err := StartBroker(context.Background(), BrokerConfig{DataDir: dir})
	require.NoError(t, err)
	fmt.Println(b.Addr())
	select {}
}

// startBrokerProcess runs a broker on dir in a process of its own and returns its address.
func startBrokerProcess(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBroker$")
	cmd.Env = append(os.Environ(), helperBrokerEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	return cmd, strings.TrimSpace(addr)
}

// TestBrokerDataDirSurvivesAKill checks that what the broker acknowledged is on disk when it
// dies without closing, in a topic created by the producer's first use as in the seed topic.
func TestBrokerDataDirSurvivesAKill(t *testing.T) {
	for _, topic := range []string{DefaultTopic, "created-on-first-use"} {
		t.Run(topic, func(t *testing.T) {
			dir := t.TempDir()
			cmd, addr := startBrokerProcess(t, dir)
			var in strings.Builder
			for i := range 2000 {
				fmt.Fprintf(&in, `{"event_id":"k%d","unit_code":"%d"}`+"\n", i, 15800+i%11)
			}
			st, err := Produce(t.Context(), []string{addr}, topic, strings.NewReader(in.String()), ProduceOptions{})
			require.NoError(t, err)
			require.Equal(t, int64(2000), st.Acked)
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()

			_, addr = startBrokerProcess(t, dir)
			want := strings.Split(strings.TrimSuffix(in.String(), "\n"), "\n")
			var values []string
			for _, r := range consume(t, addr, topic, len(want)) {
				values = append(values, string(r.Value))
			}
			require.ElementsMatch(t, want, values)
		})
	}
}
