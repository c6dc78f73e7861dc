package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// registerer is reg as an interface, nil when reg is: ingest then registers nothing.
func registerer(reg *prometheus.Registry) prometheus.Registerer {
	if reg == nil {
		return nil
	}
	return reg
}

// serveMetrics serves reg at addr/metrics until stop is called.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, e env) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Warn("metrics server", "err", err)
		}
	}()
	e.log.Info("serving ingest metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}

func ingestCommand() command {
	return command{
		name:    "ingest",
		usage:   "--brokers B --topic T --group G --warehouse DIR [--until-caught-up]",
		summary: "nạp sự kiện từ Kafka vào kho / consume Kafka into the warehouse, exactly once",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			brokers := fs.String("brokers", "127.0.0.1:9092", "Kafka bootstrap brokers, comma-separated")
			topic := fs.String("topic", "ntm.events.v1", "topics to consume, comma-separated")
			group := fs.String("group", "ntm-ingest", "consumer group: processes with the same group share the partitions")
			dir := fs.String("warehouse", "", "warehouse directory (created when missing)")
			until := fs.Bool("until-caught-up", false, "exit 0 once everything up to the end offsets seen at start is committed")
			flushMB := fs.Int("flush-mb", 64, "flush when the buffered events reach this many MiB")
			flushEvery := fs.Duration("flush-interval", 5*time.Second, "flush at least this often while events arrive")
			instance := fs.String("instance-id", "", "static group membership (Kafka group.instance.id): a restarted process with the same id takes its partitions back at once, without waiting for the session to time out")
			sessionTimeout := fs.Duration("session-timeout", 45*time.Second, "consumer group session timeout")
			metricsAddr := fs.String("metrics-addr", "", "serve ingest's Prometheus metrics at http://HOST:PORT/metrics while it runs (e.g. 127.0.0.1:9464)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *dir == "" {
					return usagef("--warehouse is required: the directory of the warehouse (e.g. --warehouse ./warehouse)")
				}
				if len(splitList(*brokers)) == 0 || len(splitList(*topic)) == 0 || *group == "" {
					return usagef("--brokers, --topic and --group must not be empty")
				}
				// Ingest's memory is bounded by design (flush size, fetch size, the index's
				// memtable); a soft limit keeps the garbage collector from letting the heap
				// double past it. GOMEMLIMIT, when set, wins.
				if os.Getenv("GOMEMLIMIT") == "" {
					debug.SetMemoryLimit(768 << 20)
				}
				wh, err := warehouse.Open(ctx, *dir, true)
				if err != nil {
					return err
				}
				defer wh.Close()
				var reg *prometheus.Registry
				if *metricsAddr != "" {
					reg = prometheus.NewRegistry()
					stop, err := serveMetrics(ctx, *metricsAddr, reg, e)
					if err != nil {
						return err
					}
					defer stop()
				}
				start := time.Now()
				st, err := ingest.Run(ctx, ingest.Config{Registerer: registerer(reg),
					Brokers: splitList(*brokers), Topics: splitList(*topic), Group: *group, Warehouse: wh,
					UntilCaughtUp: *until, FlushBytes: int64(*flushMB) << 20, FlushInterval: *flushEvery, Log: e.log,
					Crashpoint: e.crashpoint, ClientOpts: groupOpts(*instance, *sessionTimeout), OnCommit: refreshHook(e, wh),
				})
				if err != nil {
					return err
				}
				secs := time.Since(start).Seconds()
				e.log.Info("ingest done", "records", st.Records, "accepted", st.Accepted, "duplicates", st.Duplicates,
					"dead_letters", st.Rejected, "commits", st.Commits, "files", st.Files, "seconds", secs,
					"records_per_s", int64(float64(st.Records)/secs), "rss_self_mib", peakRSS()>>20)
				return nil
			}
		},
	}
}

func groupOpts(instance string, session time.Duration) []kgo.Opt {
	opts := []kgo.Opt{kgo.SessionTimeout(session)}
	if instance != "" {
		opts = append(opts, kgo.InstanceID(instance))
	}
	return opts
}

// refreshHook is ingest's commit hook: it writes the derived state of the committed snapshot and
// the clients' database file (ntm refresh, session.WriteDBFile) in a process of its own when
// the binary is known, so that DuckDB's memory for the derivation is never ingest's (ingest
// keeps a flat budget; a refresh takes hundreds of MiB at scale medium, GiBs at large) and a
// refresh that fails or is killed cannot take ingest down. It runs in the process otherwise.
// Its log goes to ingest's.
func refreshHook(e env, wh *warehouse.Warehouse) func(context.Context) error {
	if e.exe == "" {
		return session.DBFileHook(wh)
	}
	return func(ctx context.Context) error {
		cmd := exec.CommandContext(ctx, e.exe, "refresh", "--warehouse", wh.Dir())
		cmd.Stdout = io.Discard // the derived file's path
		cmd.Stderr = e.stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ntm refresh: %w", err)
		}
		return nil
	}
}

// peakRSS is the peak resident memory of this process in bytes: the high-water mark of its own
// memory (VmHWM), not getrusage's maxrss, which on Linux starts from the peak of the process
// that started this one (a vfork and exec hands the parent's high-water mark on), so that ntm
// started by a large process would report that process's memory as its own.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for line := range strings.Lines(string(b)) {
			if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		return ru.Maxrss << 10 // Linux reports KiB
	}
	return 0
}
