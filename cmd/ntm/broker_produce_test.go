package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/kafkaio"
	"github.com/thanhhoa-ntm/ntm/events/generate"
)

// testBroker starts a development broker for one test.
func testBroker(t *testing.T, cfg kafkaio.BrokerConfig) *kafkaio.Broker {
	t.Helper()
	b, err := kafkaio.StartBroker(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

// consumeValues reads the values on topic from its start until it has want of them, then
// briefly more to catch a record too many.
func consumeValues(t *testing.T, addr, topic string, want int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var values []string
	collect := func(fs kgo.Fetches) {
		fs.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	for len(values) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "consumed %d of %d records", len(values), want)
		collect(fs)
	}
	extra, cancelExtra := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancelExtra()
	collect(cl.PollFetches(extra))
	return values
}

// summaryCount reads one count of produce's summary, by its English label.
func summaryCount(t *testing.T, stderr, label string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)/ ` + regexp.QuoteMeta(label) + ` +([0-9]+)$`).FindStringSubmatch(stderr)
	require.NotNil(t, m, "no %q in\n%s", label, stderr)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// streamLines is an io.Writer that keeps the first n lines written to it, then fails.
type streamLines struct {
	buf bytes.Buffer
	n   int
}

func (s *streamLines) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		if s.n == 0 {
			return 0, fmt.Errorf("enough lines")
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			s.buf.Write(rest)
			break
		}
		s.buf.Write(rest[:i+1])
		rest = rest[i+1:]
		s.n--
	}
	return len(p), nil
}

func TestProduceCommand(t *testing.T) {
	b := testBroker(t, kafkaio.BrokerConfig{})
	w := &streamLines{n: 5000}
	_, err := generate.Generate(t.Context(), w, generate.Options{Seed: 1, Scale: generate.Small, BadRate: 0.01})
	require.Error(t, err, "the writer stops the generator")
	file := filepath.Join(t.TempDir(), "events.ndjson")
	require.NoError(t, os.WriteFile(file, w.buf.Bytes(), 0o644))

	for _, tc := range []struct {
		name, stdin string
		args        []string
		lines       int
	}{
		{"file", "", []string{"--topic", "from-file", file}, 5000},
		{"standard input", "{\"unit_code\":\"38\"}\n\nnot json\n", []string{"--topic", "from-stdin", "-"}, 2},
		{"standard input by default", "{\"unit_code\":\"38\"}\n", []string{"--topic", "default-stdin"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"produce", "--brokers", " " + b.Addr() + ", "}, tc.args...)
			code, _, stderr := ntm(t, tc.stdin, args...)
			require.Equal(t, exitOK, code, stderr)
			require.Equal(t, tc.lines, summaryCount(t, stderr, "lines"))
			require.Equal(t, tc.lines, summaryCount(t, stderr, "acknowledged"))
			require.Equal(t, 0, summaryCount(t, stderr, "refused"))
			require.Contains(t, stderr, "records/s")
			require.Len(t, consumeValues(t, b.Addr(), tc.args[1], tc.lines), tc.lines)
		})
	}

	t.Run("topic from the environment", func(t *testing.T) {
		t.Setenv("NTM_BROKERS", b.Addr())
		t.Setenv("NTM_TOPIC", "from-env")
		code, _, stderr := ntm(t, "{\"unit_code\":\"38\"}\n", "produce")
		require.Equal(t, exitOK, code, stderr)
		require.Equal(t, []string{`{"unit_code":"38"}`}, consumeValues(t, b.Addr(), "from-env", 1))
	})
}

func TestProduceCommandReportsRefusedLines(t *testing.T) {
	b := testBroker(t, kafkaio.BrokerConfig{MaxMessageBytes: 64 << 10})
	// Random bytes, so that compression cannot bring the line under the broker's limit.
	noise := make([]byte, 50<<10)
	_, err := rand.Read(noise)
	require.NoError(t, err)
	big := `{"event_id":"big","unit_code":"15814","payload":{"note":"` + hex.EncodeToString(noise) + `"}}`
	in := `{"event_id":"a","unit_code":"15814"}` + "\n\n" + big + "\n" + `{"event_id":"b","unit_code":"15814"}` + "\n"

	code, _, stderr := ntm(t, in, "produce", "--brokers", b.Addr(), "--topic", "small-limit")
	require.Equal(t, exitFailure, code, stderr)
	require.Equal(t, 3, summaryCount(t, stderr, "lines"))
	require.Equal(t, 2, summaryCount(t, stderr, "acknowledged"))
	require.Equal(t, 1, summaryCount(t, stderr, "refused"))
	require.Regexp(t, fmt.Sprintf(`(?m)^line 3: the record of %d bytes does not fit the limit of 65536 bytes`, len(big)), stderr)
	require.Contains(t, stderr, "the broker refused 1 of 3 lines (MESSAGE_TOO_LARGE: over the 65536-byte record limit)")
	require.ElementsMatch(t, []string{`{"event_id":"a","unit_code":"15814"}`, `{"event_id":"b","unit_code":"15814"}`},
		consumeValues(t, b.Addr(), "small-limit", 2))
}

func TestProduceCommandListsAtMostTwentyRefusals(t *testing.T) {
	b := testBroker(t, kafkaio.BrokerConfig{MaxMessageBytes: 1 << 10})
	var in strings.Builder
	for i := range 25 {
		fmt.Fprintf(&in, `{"event_id":"e%d","unit_code":"38","note":"%s"}`+"\n", i, strings.Repeat("z", 2<<10))
	}
	code, _, stderr := ntm(t, in.String(), "produce", "--brokers", b.Addr(), "--topic", "tiny-limit")
	require.Equal(t, exitFailure, code, stderr)
	require.Equal(t, 25, summaryCount(t, stderr, "refused"))
	require.Len(t, regexp.MustCompile(`(?m)^line [0-9]+: `).FindAllString(stderr, -1), 20)
	require.Contains(t, stderr, "and 5 more refused lines")
	require.Contains(t, stderr, "the broker refused 25 of 25 lines")
}

func TestProduceCommandUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	t.Setenv("NTM_BROKERS", addr) // also checks that the flag's variable is read
	code, _, stderr := ntm(t, "{}\n", "produce")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "reach the brokers")
}

func TestBrokerCommandRunsUntilCanceled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"broker", "--addr", addr, "--partitions", "2", "--data", t.TempDir()},
			strings.NewReader(""), &stdout, &stderr)
	}()
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "the broker listens on --addr")

	// It speaks Kafka: a line produced to it is acknowledged.
	st, err := kafkaio.Produce(t.Context(), []string{addr}, kafkaio.DefaultTopic,
		strings.NewReader(`{"unit_code":"38"}`+"\n"), kafkaio.ProduceOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Acked)

	cancel()
	select {
	case code := <-done:
		require.Equal(t, exitOK, code, stderr.String())
	case <-time.After(5 * time.Second):
		t.Fatal("ntm broker did not stop when its context ended")
	}
	require.Contains(t, stdout.String(), "broker listening on "+addr+" / đang lắng nghe tại "+addr)
	require.Contains(t, stderr.String(), "broker stopped")
	_, err = net.Dial("tcp", addr)
	require.Error(t, err, "the port is closed")
}

func TestBrokerAndProduceUsageErrors(t *testing.T) {
	taken := testBroker(t, kafkaio.BrokerConfig{})
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"broker argument", []string{"broker", "extra"}, exitUsage, "unexpected argument"},
		{"broker address", []string{"broker", "--addr", "localhost"}, exitUsage, "is not HOST:PORT"},
		{"broker partitions", []string{"broker", "--partitions", "0"}, exitUsage, "at least 1"},
		{"broker address in use", []string{"broker", "--addr", taken.Addr()}, exitFailure, "choose another --addr"},
		{"produce two files", []string{"produce", "a", "b"}, exitUsage, "give one file"},
		{"produce no brokers", []string{"produce", "--brokers", " , "}, exitUsage, "--brokers is empty"},
		{"produce no topic", []string{"produce", "--topic", ""}, exitUsage, "--topic is empty"},
		{"produce missing file", []string{"produce", filepath.Join(t.TempDir(), "absent.ndjson")}, exitFailure, "open the event file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := ntm(t, "", tc.args...)
			require.Equal(t, tc.code, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
}
