package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/etl/kafkaio"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// bench is one run of the whole benchmark.
type bench struct {
	cfg    config
	log    *slog.Logger
	self   string // this executable, for the yardstick children
	broker *brokerProc
	blog   *os.File // the children's standard error
	r      *report
}

func run(ctx context.Context, cfg config, log *slog.Logger) (*report, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if cfg.ntm, err = filepath.Abs(cfg.ntm); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.ntm); err != nil {
		return nil, fmt.Errorf("the ntm binary: %w (run make build first)", err)
	}
	if err := os.RemoveAll(cfg.dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return nil, err
	}
	blog, err := os.Create(filepath.Join(cfg.dir, "bench.log"))
	if err != nil {
		return nil, err
	}
	defer blog.Close()
	br, err := startBroker(ctx, cfg.ntm, blog)
	if err != nil {
		return nil, err
	}
	defer br.Close()
	b := &bench{cfg: cfg, log: log, self: self, broker: br, blog: blog, r: newReport(cfg)}
	log.Info("benchmark", "dir", cfg.dir, "scales", cfg.scales, "runs", cfg.runs, "log", blog.Name())

	steps := []struct {
		name string
		on   bool
		f    func(context.Context) error
	}{
		{"ingest small", cfg.has("small"), func(ctx context.Context) error { return b.ingestScale(ctx, "small", false) }},
		{"ingest medium and the yardsticks", cfg.has("medium"), func(ctx context.Context) error { return b.ingestScale(ctx, "medium", true) }},
		{"incremental ingest", cfg.has("medium"), b.incremental},
		{"small flushes and compaction", cfg.has("small"), b.smallFlushes},
		{"large: memory and query scaling", cfg.has("large"), b.large},
		{"parquet writers", cfg.writers, b.writers},
		{"web load", cfg.webLoad, b.webLoad},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		start := time.Now()
		log.Info("step", "name", s.name)
		if err := s.f(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		b.r.Steps = append(b.r.Steps, stepTime{s.name, time.Since(start)})
	}
	return b.r, nil
}

// ntm runs the ntm binary.
func (b *bench) ntm(ctx context.Context, stdout io.Writer, args ...string) (proc, error) {
	return child(ctx, b.blog, stdout, nil, b.cfg.ntm, args...)
}

// yard runs one of this program's yardstick children and returns its count.
func (b *bench) yard(ctx context.Context, args ...string) (proc, int64, error) {
	var out bytes.Buffer
	p, err := child(ctx, b.blog, &out, nil, b.self, append([]string{"child"}, args...)...)
	if err != nil {
		return p, 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	return p, n, err
}

// generate writes the stream of a scale once and returns its path, lines and bytes.
func (b *bench) generate(ctx context.Context, scale string) (string, int64, int64, error) {
	path := filepath.Join(b.cfg.dir, scale+".ndjson")
	if _, err := b.ntm(ctx, nil, "generate", "--scale", scale, "--seed", "1", "--bad-rate", "0.001", "--out", path); err != nil {
		return "", 0, 0, err
	}
	lines, size, err := countLines(path)
	return path, lines, size, err
}

// produce sends bytes [from, to) of a file to a topic.
func (b *bench) produce(ctx context.Context, topic, path string, from, to int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := kafkaio.Produce(ctx, []string{b.broker.Addr()}, topic, io.NewSectionReader(f, from, to-from), kafkaio.ProduceOptions{})
	if err != nil {
		return st.Acked, err
	}
	if st.Refused > 0 {
		return st.Acked, fmt.Errorf("the broker refused %d lines", st.Refused)
	}
	return st.Acked, nil
}

func (b *bench) ingest(ctx context.Context, topic, group, dir string, extra ...string) (proc, error) {
	args := append([]string{"ingest", "--brokers", b.broker.Addr(), "--topic", topic, "--group", group,
		"--instance-id", group, "--warehouse", dir, "--until-caught-up"}, extra...)
	var errOut bytes.Buffer
	p, err := child(ctx, io.MultiWriter(b.blog, &errOut), nil, nil, b.cfg.ntm, args...)
	for _, m := range selfRSS.FindAllSubmatch(errOut.Bytes(), -1) {
		mb, _ := strconv.ParseInt(string(m[2]), 10, 64)
		if string(m[1]) == "refreshed" {
			p.RefreshRSS = max(p.RefreshRSS, mb<<20)
		} else {
			p.SelfRSS = mb << 20
		}
	}
	return p, err
}

// selfRSS finds the peak RSS that ntm ingest reports of itself in its closing log line, and that
// each of its refresh processes reports in its own (forwarded to ingest's log).
var selfRSS = regexp.MustCompile(`msg=("ingest done"|refreshed) .*rss_self_mib=([0-9]+)`)

func (b *bench) ingestScale(ctx context.Context, scale string, yardsticks bool) error {
	path, lines, size, err := b.generate(ctx, scale)
	if err != nil {
		return err
	}
	topic := "bench-" + scale
	if _, err := b.produce(ctx, topic, path, 0, size); err != nil {
		return err
	}
	row := ingestRow{Scale: scale, Events: lines, Bytes: size}
	runs := b.cfg.runs
	var keep string
	row.Proc, row.Runs, err = repeat(runs, func(i int) (proc, error) {
		dir := filepath.Join(b.cfg.dir, fmt.Sprintf("wh-%s-%d", scale, i))
		p, err := b.ingest(ctx, topic, fmt.Sprintf("g-%s-%d", scale, i), dir)
		if err != nil {
			return p, err
		}
		if keep != "" {
			os.RemoveAll(keep)
		}
		keep = dir
		b.log.Info("ingest", "scale", scale, "run", i+1, "wall", p.Wall.Round(time.Millisecond), "events/s", int(float64(lines)/p.Wall.Seconds()), "rss_mib", int(mib(p.MaxRSS)), "self_rss_mib", int(mib(p.SelfRSS)), "refresh_rss_mib", int(mib(p.RefreshRSS)))
		return p, nil
	})
	if err != nil {
		return err
	}
	st, err := storageOf(ctx, keep, lines, size)
	if err != nil {
		return err
	}
	st.Scale = scale
	row.Storage = st
	b.r.Ingest = append(b.r.Ingest, row)
	if !yardsticks {
		return os.RemoveAll(keep)
	}
	b.r.Medium = keep
	y := yardRow{Events: lines, Bytes: size}
	out := filepath.Join(b.cfg.dir, "duckdb.parquet")
	if y.DuckDB, _, err = repeat(runs, func(int) (proc, error) {
		p, n, err := b.yard(ctx, "duckdb-copy", path, out)
		y.DuckDBRows = n
		return p, err
	}); err != nil {
		return err
	}
	if fi, err := os.Stat(out); err == nil {
		y.DuckDBBytes = fi.Size()
	}
	if y.Consume, _, err = repeat(runs, func(int) (proc, error) {
		p, n, err := b.yard(ctx, "consume", b.broker.Addr(), topic)
		if err == nil && n < lines {
			err = fmt.Errorf("consumed %d of %d records", n, lines)
		}
		return p, err
	}); err != nil {
		return err
	}
	if y.Decode, _, err = repeat(runs, func(int) (proc, error) {
		p, _, err := b.yard(ctx, "decode", path)
		return p, err
	}); err != nil {
		return err
	}
	b.r.Yard = &y
	return nil
}

// incremental ingests 99% of the medium stream, answers the indicators, ingests the last 1% and
// answers again.
func (b *bench) incremental(ctx context.Context) error {
	path := filepath.Join(b.cfg.dir, "medium.ndjson")
	offs, _, err := lineOffsets(path, []float64{0.99})
	if err != nil {
		return err
	}
	dir := filepath.Join(b.cfg.dir, "wh-incr")
	var row incrRow
	for i, part := range [][2]int64{{0, offs[0].off}, {offs[0].off, offs[len(offs)-1].off}} {
		n, err := b.produce(ctx, "bench-incr", path, part[0], part[1])
		if err != nil {
			return err
		}
		p, err := b.ingest(ctx, "bench-incr", "g-incr", dir)
		if err != nil {
			return err
		}
		q, err := b.ntm(ctx, nil, "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv")
		if err != nil {
			return err
		}
		row.Events[i], row.Ingest[i], row.Indicators[i] = n, p, q
		b.log.Info("incremental", "part", i, "events", n, "ingest", p.Wall.Round(time.Millisecond), "indicators", q.Wall.Round(time.Millisecond))
	}
	b.r.Incr = &row
	if err := b.derivedFigures(ctx, "medium", dir, row.Events[0]+row.Events[1]); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// smallFlushes ingests the small stream with a flush every 100 ms or MiB, as a day of trickling
// reports would, counts the files, compacts, and counts again.
func (b *bench) smallFlushes(ctx context.Context) error {
	dir := filepath.Join(b.cfg.dir, "wh-flushes")
	p, err := b.ingest(ctx, "bench-small", "g-flushes", dir, "--flush-mb", "1", "--flush-interval", "100ms")
	if err != nil {
		return err
	}
	row := filesRow{Ingest: p}
	if row.Before, err = filesPerTable(ctx, dir); err != nil {
		return err
	}
	// An ntm without the compact command exits 2 on --help; with it, 0.
	if err := exec.CommandContext(ctx, b.cfg.ntm, "compact", "--help").Run(); err != nil {
		b.log.Warn("ntm compact is not available; files after compaction not measured", "err", err)
		b.r.Files = &row
		return nil
	}
	if row.Compact, err = b.ntm(ctx, nil, "compact", "--warehouse", dir); err != nil {
		return err
	}
	if row.After, err = filesPerTable(ctx, dir); err != nil {
		return err
	}
	if _, err := b.ntm(ctx, nil, "verify", "--warehouse", dir); err != nil {
		return fmt.Errorf("verify after compaction: %w", err)
	}
	row.Compacted = true
	b.r.Files = &row
	return os.RemoveAll(dir)
}

// large ingests the large stream in four parts (1/4, 1/4, 49/100, 1/100), and after each of the
// first three answers the indicators and runs the bare scan: the query time at 1×, 2× and 4× the
// data, and the peak RSS of ingest over a long run; after the last, the derived state's figures
// (derivedFigures).
func (b *bench) large(ctx context.Context) error {
	path, lines, size, err := b.generate(ctx, "large")
	if err != nil {
		return err
	}
	offs, _, err := lineOffsets(path, []float64{0.25, 0.5, 0.99})
	if err != nil {
		return err
	}
	dir := filepath.Join(b.cfg.dir, "wh-large")
	bounds := []int64{0, offs[0].off, offs[1].off, offs[2].off, size}
	var total int64
	row := ingestRow{Scale: "large", Events: lines, Bytes: size}
	for i := range 4 {
		n, err := b.produce(ctx, "bench-large", path, bounds[i], bounds[i+1])
		if err != nil {
			return err
		}
		total += n
		p, err := b.ingest(ctx, "bench-large", "g-large", dir)
		if err != nil {
			return err
		}
		row.Runs = append(row.Runs, p)
		row.Proc.Wall += p.Wall
		row.Proc.CPU += p.CPU
		row.Proc.MaxRSS = max(row.Proc.MaxRSS, p.MaxRSS)
		row.Proc.SelfRSS = max(row.Proc.SelfRSS, p.SelfRSS)
		row.Proc.RefreshRSS = max(row.Proc.RefreshRSS, p.RefreshRSS)
		b.log.Info("large ingest", "part", i+1, "events", n, "wall", p.Wall.Round(time.Millisecond), "rss_mib", int(mib(p.MaxRSS)), "self_rss_mib", int(mib(p.SelfRSS)), "refresh_rss_mib", int(mib(p.RefreshRSS)))
		if i == 3 {
			if err := b.derivedFigures(ctx, "large", dir, total); err != nil {
				return err
			}
			break
		}
		scan, _, err := b.yard(ctx, "scan", dir)
		if err != nil {
			return err
		}
		csv := filepath.Join(b.cfg.dir, fmt.Sprintf("indicators-large-%d.csv", i))
		f, err := os.Create(csv)
		if err != nil {
			return err
		}
		q, err := b.ntm(ctx, f, "indicators", "--warehouse", dir, "--period", "2025", "--format", "csv")
		f.Close()
		if err != nil {
			return err
		}
		b.log.Info("large queries", "events", total, "scan", scan.Wall.Round(time.Millisecond), "indicators", q.Wall.Round(time.Millisecond), "rss_mib", int(mib(q.MaxRSS)))
		b.r.Queries = append(b.r.Queries, queryRow{Factor: []int{1, 2, 4}[i], Events: total, Scan: scan, Indicators: q})
	}
	st, err := storageOf(ctx, dir, lines, size)
	if err != nil {
		return err
	}
	st.Scale = "large"
	row.Storage = st
	b.r.Ingest = append(b.r.Ingest, row)
	return nil
}

// writers runs the Parquet writer benchmarks of warehouse/batch/writerbench and keeps their output.
func (b *bench) writers(ctx context.Context) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "test", "-tags", "duckdb_arrow", "-count", "1", "-run", "^$",
		"-bench", "Writer", "-benchtime", "3x", "./warehouse/batch/writerbench/")
	cmd.Stdout = &out
	cmd.Stderr = b.blog
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("writer benchmarks: %w\n%s", err, out.String())
	}
	b.r.Writers = out.String()
	return nil
}

// webLoad runs the web service's load benchmark (web.TestLoad) and keeps the figures it logs.
func (b *bench) webLoad(ctx context.Context) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "test", "-count", "1", "-run", "^TestLoad$", "-v", "-timeout", "20m",
		"./web/", "-load", "-load.think", "100ms")
	cmd.Stdout = &out
	cmd.Stderr = b.blog
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("web load benchmark: %w\n%s", err, out.String())
	}
	b.r.WebLoad = out.String()
	return nil
}

// offset is a line boundary of a file.
type offset struct {
	line int64
	off  int64
}

// lineOffsets finds the line boundaries nearest after each fraction of the lines, and the end.
func lineOffsets(path string, fractions []float64) ([]offset, int64, error) {
	lines, size, err := countLines(path)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var out []offset
	r := bufio.NewReaderSize(f, 1<<20)
	var line, off int64
	for _, fr := range fractions {
		want := int64(fr * float64(lines))
		for line < want {
			l, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				off += int64(len(l))
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			off += int64(len(l))
			line++
		}
		out = append(out, offset{line, off})
	}
	return append(out, offset{lines, size}), lines, nil
}

func countLines(path string) (int64, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, 4<<20)
	var lines, size int64
	for {
		n, err := f.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		size += int64(n)
		if err == io.EOF {
			return lines, size, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
}

// storageOf measures a warehouse against its input.
func storageOf(ctx context.Context, dir string, events, ndjson int64) (storageRow, error) {
	tables, err := dirBytes(filepath.Join(dir, "iceberg"))
	if err != nil {
		return storageRow{}, err
	}
	all, err := dirBytes(dir)
	if err != nil {
		return storageRow{}, err
	}
	files, err := filesPerTable(ctx, dir)
	return storageRow{Events: events, NDJSON: ndjson, Tables: tables, All: all, Files: files}, err
}

func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

func filesPerTable(ctx context.Context, dir string) (map[string]int, error) {
	wh, err := warehouse.Open(ctx, dir, false)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	snap, err := wh.Current(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for name, t := range snap.Tables {
		out[name] = len(t.Files)
	}
	return out, nil
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// brokerProc is the development broker (ntm broker) as a process of its own. It holds every
// produced record, gigabytes at scale large; in this process it would make every child's peak
// RSS look as large, since Linux hands a process's high-water mark on to the children it starts
// (a vfork and exec, as Go's os/exec does, records the parent's peak as the child's).
type brokerProc struct {
	cmd  *exec.Cmd
	addr string
}

func startBroker(ctx context.Context, ntm string, logFile io.Writer) (*brokerProc, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(ctx, ntm, "broker", "--addr", addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ntm broker: %w", err)
	}
	b := &brokerProc{cmd: cmd, addr: addr}
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return b, nil
		}
		if time.Now().After(deadline) {
			b.Close()
			return nil, fmt.Errorf("ntm broker at %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *brokerProc) Addr() string { return b.addr }

// Close stops the broker as Ctrl-C would.
func (b *brokerProc) Close() {
	_ = b.cmd.Process.Signal(os.Interrupt)
	_ = b.cmd.Wait()
}
