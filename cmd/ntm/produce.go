package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/thanhhoa-ntm/ntm/etl/kafkaio"
)

// maxListedRefusals is how many refused lines produce lists before it only counts them.
const maxListedRefusals = 20

func produceCommand() command {
	return command{
		name:    "produce",
		usage:   "[--brokers HOST:PORT,...] [--topic T] [FILE|-]",
		summary: "gửi tệp sự kiện NDJSON vào Kafka / send NDJSON events to Kafka as is, one record per line, key = unit_code",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			brokers := fs.String("brokers", "127.0.0.1:9092", "Kafka bootstrap brokers, comma-separated")
			topic := fs.String("topic", kafkaio.DefaultTopic, "topic to produce to")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 1 {
					return usagef("give one file (or - for standard input), not %d", len(args))
				}
				var seeds []string
				for _, b := range strings.Split(*brokers, ",") {
					if b = strings.TrimSpace(b); b != "" {
						seeds = append(seeds, b)
					}
				}
				if len(seeds) == 0 {
					return usagef("--brokers is empty; give HOST:PORT of at least one broker")
				}
				if *topic == "" {
					return usagef("--topic is empty; the events topic is %s", kafkaio.DefaultTopic)
				}
				var in io.Reader = e.stdin
				name := "standard input"
				if len(args) == 1 && args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return fmt.Errorf("open the event file: %w", err)
					}
					defer f.Close()
					in, name = f, args[0]
				}

				// Progress lines and the Kafka client's log both write to stderr from
				// other goroutines than this one, so they share a lock.
				stderr := &lockedWriter{w: e.stderr}
				log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
				var last kafkaio.ProduceStats
				progress := func(s kafkaio.ProduceStats) {
					rate := float64(s.Lines-last.Lines) / (s.Elapsed - last.Elapsed).Seconds()
					last = s
					fmt.Fprintf(stderr, "… %d dòng / lines read, %d đã xác nhận / acknowledged, %.0f dòng/giây / lines/s\n",
						s.Lines, s.Acked, rate)
				}
				st, err := kafkaio.Produce(ctx, seeds, *topic, in, kafkaio.ProduceOptions{Progress: progress, Logger: log})
				bw := bufio.NewWriter(e.stderr)
				printProduceSummary(bw, name, *topic, st)
				if ferr := bw.Flush(); err == nil && ferr != nil {
					err = ferr
				}
				if err != nil {
					return fmt.Errorf("produce %s to %s at %s: %w", name, *topic, strings.Join(seeds, ","), err)
				}
				if st.Refused > 0 {
					return fmt.Errorf("the broker refused %d of %d lines (%s); they are listed above, and every other line was delivered",
						st.Refused, st.Lines, refusalReasons(st))
				}
				return nil
			}
		},
	}
}

func printProduceSummary(w io.Writer, name, topic string, st kafkaio.ProduceStats) {
	fmt.Fprintf(w, "Gửi / produced %s to %s\n", name, topic)
	row := func(label, value string) { fmt.Fprintf(w, "%-36s %12s\n", label, value) }
	row("số dòng / lines", fmt.Sprint(st.Lines))
	row("đã xác nhận / acknowledged", fmt.Sprint(st.Acked))
	row("bị từ chối / refused", fmt.Sprint(st.Refused))
	row("MB", fmt.Sprintf("%.1f", float64(st.Bytes)/1e6))
	row("giây / seconds", fmt.Sprintf("%.2f", st.Elapsed.Seconds()))
	row("bản ghi/giây / records/s", fmt.Sprintf("%.0f", st.RecordsPerSecond()))
	for i, le := range st.LineErrors {
		if i == maxListedRefusals {
			break
		}
		fmt.Fprintf(w, "line %d: %v\n", le.Line, le.Err)
	}
	if more := st.Refused - int64(min(len(st.LineErrors), maxListedRefusals)); more > 0 {
		fmt.Fprintf(w, "… và %d dòng bị từ chối khác / and %d more refused lines\n", more, more)
	}
}

// refusalReasons names the broker's reasons among the listed refusals, most frequent first,
// e.g. "MESSAGE_TOO_LARGE: over the 65536-byte record limit".
func refusalReasons(st kafkaio.ProduceStats) string {
	count := map[string]int{}
	for _, le := range st.LineErrors {
		reason := "refused"
		var ke *kerr.Error
		if errors.As(le.Err, &ke) {
			reason = ke.Message
		}
		if errors.Is(le.Err, kerr.MessageTooLarge) {
			reason += fmt.Sprintf(": over the %d-byte record limit", st.RecordLimit)
		}
		count[reason]++
	}
	reasons := make([]string, 0, len(count))
	for r := range count {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	return strings.Join(reasons, "; ")
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
