package kafkaio

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
)

// startBroker starts a development broker for one test.
func startBroker(t *testing.T, cfg BrokerConfig) *Broker {
	t.Helper()
	b, err := StartBroker(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

// consume reads records from the start of topic until it has want of them, and then a little
// longer to catch any record too many.
func consume(t *testing.T, addr, topic string, want int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "consumed %d of %d records", len(recs), want)
		fs.EachError(func(topic string, p int32, err error) { require.NoError(t, err, "%s/%d", topic, p) })
		recs = append(recs, fs.Records()...)
	}
	extra, cancelExtra := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancelExtra()
	recs = append(recs, cl.PollFetches(extra).Records()...)
	return recs
}

// generated returns the first n lines of the generated stream for seed 1, with bad lines.
func generated(t *testing.T, n int) []byte {
	t.Helper()
	w := &firstLines{n: n}
	// The generator stops with the writer's error once it has the lines.
	_, err := generate.Generate(t.Context(), w, generate.Options{Seed: 1, Scale: generate.Small, BadRate: 0.01})
	require.Error(t, err)
	require.Zero(t, w.n)
	return w.buf.Bytes()
}

var errEnough = errors.New("enough lines")

// firstLines keeps the first n lines written to it and then stops the writer.
type firstLines struct {
	buf bytes.Buffer
	n   int
}

func (f *firstLines) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		if f.n == 0 {
			return 0, errEnough
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			f.buf.Write(rest)
			break
		}
		f.buf.Write(rest[:i+1])
		rest = rest[i+1:]
		f.n--
	}
	return len(p), nil
}

// lines splits an NDJSON stream the way the producer reads it.
func lines(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var out [][]byte
	r := ndjson.NewReader(bytes.NewReader(stream))
	for {
		line, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, bytes.Clone(line))
	}
}

func TestProduceDeliversEveryLineAsIs(t *testing.T) {
	b := startBroker(t, BrokerConfig{})
	big := `{"event_id":"big","unit_code":"15814","payload":{"note":"` + strings.Repeat("x", 3<<19) + `"}}`
	invalid := []string{
		`not json at all`,
		`{"event_id":"no-unit","payload":{}}`,
		`{"unit_code":15814}`,
		`[{"unit_code":"15814"}]`,
		`{"unit_code":"15814",`,
		"\"unit_code\"",
	}
	var in bytes.Buffer
	in.Write(generated(t, 20_000))
	in.WriteString("\n   \n" + big + "\r\n")
	for _, l := range invalid {
		in.WriteString(l + "\n")
	}
	in.WriteString(`{"unit_code":"15814-001","event_id":"last"}`) // no final newline
	want := lines(t, in.Bytes())
	require.Len(t, want, 20_000+1+len(invalid)+1)

	var progress []ProduceStats
	st, err := Produce(t.Context(), []string{b.Addr()}, DefaultTopic, bytes.NewReader(in.Bytes()),
		ProduceOptions{Progress: func(s ProduceStats) { progress = append(progress, s) }, ProgressInterval: time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, int64(len(want)), st.Lines)
	require.Equal(t, int64(len(want)), st.Acked)
	require.Zero(t, st.Refused)
	require.Empty(t, st.LineErrors)
	require.Equal(t, int32(DefaultMaxRecordBytes), st.RecordLimit, "the broker allows more than the producer's own cap")
	require.NotEmpty(t, progress)

	got := consume(t, b.Addr(), DefaultTopic, len(want))
	require.Len(t, got, len(want), "each line exactly once")
	count := map[string]int{}
	var bytesSent int64
	for _, l := range want {
		count[string(l)]++
		bytesSent += int64(len(l))
	}
	require.Equal(t, bytesSent, st.Bytes)
	var d events.Decoder
	keyed := 0
	for _, r := range got {
		v := string(r.Value)
		require.Positive(t, count[v], "a record that is no line, or a line twice: %.200q", v)
		count[v]--
		require.Equal(t, events.PartitionKey(r.Value), r.Key, "%.200q", v)
		if ev, err := d.Decode(r.Value); err == nil {
			require.Equal(t, ev.UnitCode, string(r.Key))
			keyed++
		}
	}
	require.Greater(t, keyed, 19_000)
	for _, l := range invalid {
		require.Zero(t, count[l])
	}

	byValue := map[string]*kgo.Record{}
	for _, r := range got {
		byValue[string(r.Value)] = r
	}
	require.Contains(t, byValue, big, "a 1.5 MiB line reaches the consumer, which rejects it")
	require.Equal(t, "15814", string(byValue[big].Key))
	for _, l := range invalid {
		require.Contains(t, byValue, l)
		require.Nil(t, byValue[l].Key, "%s", l)
	}
	require.Equal(t, "15814-001", string(byValue[`{"unit_code":"15814-001","event_id":"last"}`].Key))
}

func TestProduceReportsRefusedLines(t *testing.T) {
	for _, tc := range []struct {
		name          string
		skipDiscovery bool
	}{
		{"limit read from the broker", false},
		// Without the broker's limit the producer builds batches the broker refuses
		// whole; the good lines in them must still arrive, sent again alone.
		{"limit unknown", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBroker(t, BrokerConfig{MaxMessageBytes: 64 << 10})
			var in strings.Builder
			var want []string
			// The big lines are random, so that compression does not bring them under the
			// broker's limit, which counts compressed bytes.
			noise := make([]byte, 50<<10)
			_, err := rand.Read(noise)
			require.NoError(t, err)
			big := `{"event_id":"big","unit_code":"15803","payload":{"note":"` + hex.EncodeToString(noise) + `"}}`
			// Line 7 is blank: 300 lines are read from 301, and the big ones are 6 and 251.
			for n := 1; n <= 301; n++ {
				switch n {
				case 7:
					in.WriteString("\n")
				case 6, 251:
					in.WriteString(big + "\n")
				default:
					line := fmt.Sprintf(`{"event_id":"e%d","unit_code":"%d","payload":{"n":%d}}`, n, 15800+n%7, n)
					want = append(want, line)
					in.WriteString(line + "\n")
				}
			}
			st, err := Produce(t.Context(), []string{b.Addr()}, "refusals", strings.NewReader(in.String()),
				ProduceOptions{skipDiscovery: tc.skipDiscovery})
			require.NoError(t, err, "a refused line does not stop the stream")
			require.Equal(t, int64(300), st.Lines)
			require.Equal(t, int64(2), st.Refused)
			require.Equal(t, int64(len(want)), st.Acked)
			require.Len(t, st.LineErrors, 2)
			require.Equal(t, 6, st.LineErrors[0].Line)
			require.Equal(t, 251, st.LineErrors[1].Line)
			for _, le := range st.LineErrors {
				require.ErrorIs(t, le, kerr.MessageTooLarge)
			}
			if !tc.skipDiscovery {
				require.Equal(t, int32(64<<10), st.RecordLimit)
				require.Contains(t, st.LineErrors[0].Error(), "limit of 65536 bytes (the broker's message.max.bytes)")
			}

			got := consume(t, b.Addr(), "refusals", len(want))
			require.Len(t, got, len(want))
			var values []string
			for _, r := range got {
				values = append(values, string(r.Value))
			}
			require.ElementsMatch(t, want, values)
		})
	}
}

func TestProduceFailures(t *testing.T) {
	t.Run("unreachable broker", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		_, err = Produce(t.Context(), []string{addr}, DefaultTopic, strings.NewReader("{}\n"),
			ProduceOptions{ConnectTimeout: 500 * time.Millisecond})
		require.ErrorContains(t, err, "reach the brokers")
	})
	t.Run("canceled while the input blocks", func(t *testing.T) {
		b := startBroker(t, BrokerConfig{})
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			for i := range 100 {
				fmt.Fprintf(pw, `{"event_id":"c%d","unit_code":"38"}`+"\n", i)
			}
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		st, err := Produce(ctx, []string{b.Addr()}, "canceled", pr, ProduceOptions{})
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, int64(100), st.Lines)
	})
	t.Run("no brokers", func(t *testing.T) {
		_, err := Produce(t.Context(), nil, DefaultTopic, strings.NewReader(""), ProduceOptions{})
		require.ErrorContains(t, err, "no brokers")
	})
}
