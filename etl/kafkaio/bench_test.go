package kafkaio

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events/generate"
)

// BenchmarkProduce sends the first 100 thousand lines of the generated stream (about 430
// bytes a line) to an in-process broker over TCP, each iteration to the same topic.
func BenchmarkProduce(b *testing.B) {
	const n = 100_000
	w := &firstLines{n: n}
	_, err := generate.Generate(b.Context(), w, generate.Options{Seed: 1, Scale: generate.Small})
	require.Error(b, err)
	require.Zero(b, w.n)
	stream := w.buf.Bytes()
	br, err := StartBroker(b.Context(), BrokerConfig{})
	require.NoError(b, err)
	defer br.Close()

	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	var records int64
	var elapsed time.Duration
	cpu0 := cpuTime(b)
	for b.Loop() {
		st, err := Produce(b.Context(), []string{br.Addr()}, DefaultTopic, bytes.NewReader(stream), ProduceOptions{})
		if err != nil || st.Acked != n {
			b.Fatalf("acked %d of %d: %v", st.Acked, n, err)
		}
		records += st.Acked
		elapsed += st.Elapsed
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
	// CPU time per record (producer and broker together) says more than the rate on a
	// machine shared with other work.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(records), "cpu-ns/record")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
