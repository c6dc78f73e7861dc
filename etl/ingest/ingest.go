// Package ingest is the Kafka consumer of the warehouse: it reads the event topic in a consumer
// group, judges every record against the event contract, and commits accepted events to the
// event log table and rejected input to the dead-letter table, exactly once.
//
// Exactly once, in short: the tables, not Kafka, hold the truth of what has been consumed.
// Every commit of a table carries, per Kafka partition, the next offset it has judged; a
// partition is resumed from the tables' offsets on assignment, each table skips the records
// below its own offset, and Kafka's group offsets are committed only after the tables', for
// monitoring. A commit asserts the snapshot it was built on and the offsets it started from,
// so a writer that lost a partition to another can never commit it twice.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/dedupe"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/internal/fsx"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

// Config configures an ingest run.
type Config struct {
	Brokers       []string
	Topics        []string
	Group         string
	Warehouse     *warehouse.Warehouse
	UntilCaughtUp bool          // exit once everything up to the end offsets seen at start is committed
	FlushBytes    int64         // flush when the buffered events reach this size (default 64 MiB)
	FlushInterval time.Duration // flush at least this often while records arrive (default 5 s)
	Workers       int           // decoding goroutines (default GOMAXPROCS)
	Log           *slog.Logger
	// ClientOpts are extra franz-go options (tests shorten the group timeouts with them).
	ClientOpts []kgo.Opt
	// Crashpoint, when set, is called at the moments of a flush where a crash leaves the most
	// to clean up, with the moment's name: "file" after each data file is written, "written"
	// after all of them (before any commit), "events" after the event log's commit and before
	// the dead letters', "committed" after both (before Kafka's group offsets). The crash tests
	// kill the process there.
	Crashpoint func(point string)
	// Progress, when set, is called from the consume loop after each poll with the records
	// consumed so far and the current lag (for progress bars).
	Progress func(records, lag int64)
	// FS is the file system the data files (events and dead letters) are written through
	// (default batch.OSFS); the storage fault tests fail its writes.
	FS batch.FS
	// Committer commits the written files to the tables (default the Warehouse); the storage
	// fault tests fail its commits.
	Committer Committer
	// OnCommit, when set, runs after commits, off the consume path: 5 seconds after a commit
	// and then at most every 30 seconds, and once more after the last commit before Run
	// returns. ntm rewrites the DuckDB database file for outside clients there; an error is
	// logged, never fatal, since the tables already hold the commit.
	OnCommit func(ctx context.Context) error
	// Registerer, when set, receives ingest's metrics (records, accepted, duplicates, rejected
	// by reason, commits, files, stale batches, flush durations).
	Registerer prometheus.Registerer
}

// Committer commits files to a warehouse table; *warehouse.Warehouse is the real one.
type Committer interface {
	Commit(ctx context.Context, name string, c warehouse.Commit) (warehouse.CommitResult, error)
}

// Stats counts what a run did.
type Stats struct {
	Records    int64
	Accepted   int64
	Duplicates int64
	Rejected   map[events.Reason]int64
	Commits    int64
	Files      int64
	Stale      int64 // batches discarded because another writer had committed their records
}

func (c *Config) defaults() {
	if c.FlushBytes <= 0 {
		c.FlushBytes = 64 << 20
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = 5 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.FS == nil {
		c.FS = batch.OSFS{}
	}
	if c.Committer == nil {
		c.Committer = c.Warehouse
	}
}

// ingester is the state of one run. The consume loop owns it; the rebalance callbacks use it
// too, which is safe because with BlockRebalanceOnPoll they never run while the loop processes
// records (polls and callbacks gate each other), and mu makes that explicit.
type ingester struct {
	cfg    Config
	log    *slog.Logger
	wh     *warehouse.Warehouse
	writer *warehouse.Writer
	cl     *kgo.Client
	index  *dedupe.Index

	mu      sync.Mutex
	evSch   *arrow.Schema
	dlSch   *arrow.Schema
	mem     memory.Allocator
	builder map[events.Type]*batch.Events
	dead    *batch.DeadLetters
	pending map[dedupe.Key]uint64 // ids of the unflushed batch
	indexed map[string]bool       // data files whose ids are in the index
	// committed offsets per table, as of our last load or commit
	off map[string]warehouse.Offsets
	// the batch's progress per table: next offset per partition
	next      map[string]warehouse.Offsets
	batchAt   time.Time
	lastSnap  int64 // events_log snapshot the index is caught up with
	fileSeq   int
	stats     Stats
	ends      warehouse.Offsets // end offsets at start, for UntilCaughtUp
	starts    warehouse.Offsets
	workers   []*worker
	verdicts  []verdict
	lastLog   time.Time
	logCount  int64
	hwm       warehouse.Offsets
	position  warehouse.Offsets
	fatal     error
	seekAgain bool

	hook commitHook

	metrics *metrics
	tally   tally // what the batch being built adds to the metrics once committed
}

var tables = []string{warehouse.EventsLog, warehouse.DeadLetters}

// Run consumes until ctx is done (then flushes, commits and returns nil) or, with
// UntilCaughtUp, until everything up to the end offsets seen at start is committed.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	cfg.defaults()
	in := &ingester{cfg: cfg, log: cfg.Log, wh: cfg.Warehouse, mem: memory.NewGoAllocator(),
		builder: map[events.Type]*batch.Events{}, pending: map[dedupe.Key]uint64{}, indexed: map[string]bool{},
		off: map[string]warehouse.Offsets{}, next: map[string]warehouse.Offsets{},
		hwm: warehouse.Offsets{}, position: warehouse.Offsets{}}
	in.stats.Rejected = map[events.Reason]int64{}
	in.metrics = newMetrics(cfg.Registerer)
	in.tally.reset()
	for range cfg.Workers {
		in.workers = append(in.workers, &worker{})
	}
	for name, sch := range map[string]**arrow.Schema{warehouse.EventsLog: &in.evSch, warehouse.DeadLetters: &in.dlSch} {
		t, err := in.wh.Load(ctx, name)
		if err != nil {
			return in.stats, err
		}
		if *sch, err = batch.ArrowSchema(t); err != nil {
			return in.stats, err
		}
	}
	if missing := batch.MissingColumns(in.evSch); len(missing) > 0 {
		return in.stats, fmt.Errorf("ingest: the events_log table lacks the columns %s of this version: open the warehouse with create to add them", strings.Join(missing, ", "))
	}
	if err := writeSchemaFile(cfg.FS, in.wh.SchemaFile(warehouse.EventsLog), in.mem, in.evSch); err != nil {
		return in.stats, err
	}
	var err error
	in.dead = batch.NewDeadLetters(in.mem, in.dlSch)
	defer in.dead.Release()
	defer func() {
		for _, b := range in.builder {
			b.Release()
		}
	}()

	if in.writer, err = in.wh.NewWriter(); err != nil {
		return in.stats, err
	}
	defer in.writer.Close()
	if n, err := in.wh.RemoveOrphans(ctx); err != nil {
		return in.stats, err
	} else if n > 0 {
		in.log.Info("removed files of crashed writers that were never committed", "files", n)
	}
	slot, err := claimIndexSlot(filepath.Join(in.wh.Dir(), "index"))
	if err != nil {
		return in.stats, err
	}
	defer slot.Unlock()
	if in.index, err = dedupe.Open(slot.File().Name()+".d", dedupe.Options{}); err != nil {
		return in.stats, err
	}
	defer in.index.Close()
	for _, f := range in.index.Covered() {
		in.indexed[f] = true
	}
	if err := in.catchUp(ctx); err != nil {
		return in.stats, err
	}
	for _, t := range tables {
		tbl, err := in.wh.Load(ctx, t)
		if err != nil {
			return in.stats, err
		}
		in.off[t] = warehouse.OffsetsOf(tbl)
		in.next[t] = warehouse.Offsets{}
	}

	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxBytes(32 << 20),
		kgo.FetchMaxPartitionBytes(8 << 20),
		kgo.AdjustFetchOffsetsFn(in.adjustOffsets),
		kgo.OnPartitionsRevoked(in.onRevoked),
		kgo.OnPartitionsLost(in.onLost),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	}
	opts = append(opts, cfg.ClientOpts...)
	if in.cl, err = kgo.NewClient(opts...); err != nil {
		return in.stats, fmt.Errorf("ingest: kafka client: %w", err)
	}
	defer in.cl.Close()

	if cfg.UntilCaughtUp {
		if err := in.readEnds(ctx); err != nil {
			return in.stats, err
		}
		in.log.Info("ingest until caught up", "end_offsets", in.ends.String())
	}
	in.hook.start(ctx, cfg.OnCommit, in.log)
	err = in.loop(ctx)
	in.hook.stop()
	if err == nil && cfg.OnCommit != nil && in.stats.Commits > 0 {
		// What follows the commits (the database file) follows the last one before ingest exits.
		if herr := cfg.OnCommit(context.WithoutCancel(ctx)); herr != nil {
			in.log.Warn("commit hook failed", "err", herr)
		}
	}
	if perr := in.index.Persist(in.indexedList()); err == nil && perr != nil {
		err = fmt.Errorf("ingest: persist the event-id index: %w", perr)
	}
	return in.stats, err
}

// readEnds records the end (and start) offsets of every partition of the topics.
func (in *ingester) readEnds(ctx context.Context) error {
	adm := kadm.NewClient(in.cl)
	ends, err := adm.ListEndOffsets(ctx, in.cfg.Topics...)
	if err != nil {
		return fmt.Errorf("ingest: list end offsets: %w", err)
	}
	starts, err := adm.ListStartOffsets(ctx, in.cfg.Topics...)
	if err != nil {
		return fmt.Errorf("ingest: list start offsets: %w", err)
	}
	in.ends, in.starts = warehouse.Offsets{}, warehouse.Offsets{}
	var ferr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil && ferr == nil {
			ferr = fmt.Errorf("ingest: end offset of %s/%d: %w", o.Topic, o.Partition, o.Err)
		}
		in.ends[warehouse.TopicPartition{Topic: o.Topic, Partition: o.Partition}] = o.Offset
	})
	starts.Each(func(o kadm.ListedOffset) {
		in.starts[warehouse.TopicPartition{Topic: o.Topic, Partition: o.Partition}] = o.Offset
	})
	return ferr
}

// caughtUp reports whether both tables have judged every record below the end offsets seen at
// start, on every partition (also those another process of the group owns).
func (in *ingester) caughtUp(ctx context.Context) (bool, error) {
	for _, t := range tables {
		tbl, err := in.wh.Load(ctx, t)
		if err != nil {
			return false, err
		}
		off := warehouse.OffsetsOf(tbl)
		for tp, end := range in.ends {
			if end <= in.starts[tp] {
				continue
			}
			if off[tp] < end {
				return false, nil
			}
		}
	}
	return true, nil
}

func (in *ingester) loop(ctx context.Context) error {
	lastCheck := time.Time{}
	for {
		if err := ctx.Err(); err != nil {
			in.mu.Lock()
			ferr := in.flush(context.WithoutCancel(ctx))
			in.mu.Unlock()
			in.cl.AllowRebalance()
			if ferr != nil {
				return ferr
			}
			in.commitKafkaSync(context.WithoutCancel(ctx))
			in.log.Info("ingest stopped", "records", in.stats.Records, "accepted", in.stats.Accepted,
				"duplicates", in.stats.Duplicates, "rejected", in.stats.rejected())
			return nil
		}
		pollCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		fetches := in.cl.PollRecords(pollCtx, 4096)
		cancel()
		if fetches.IsClientClosed() {
			return errors.New("ingest: kafka client closed")
		}
		var fetchErr error
		fetches.EachError(func(t string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			in.log.Warn("fetch error; retrying", "topic", t, "partition", p, "err", err)
			fetchErr = err
		})
		_ = fetchErr // franz-go retries fetches itself; the warning is for the operator

		in.mu.Lock()
		err := in.process(ctx, fetches)
		if err == nil && in.due() {
			err = in.flush(ctx)
		}
		in.mu.Unlock()
		in.cl.AllowRebalance()
		if err != nil {
			if ctx.Err() != nil {
				continue // shutting down: the top of the loop flushes
			}
			return err
		}
		in.progress()
		var lag int64
		for tp, h := range in.hwm {
			lag += max(0, h-in.position[tp])
		}
		in.metrics.lag.Set(float64(lag))
		if in.cfg.Progress != nil {
			in.cfg.Progress(in.stats.Records, lag)
		}
		if in.cfg.UntilCaughtUp && time.Since(lastCheck) > 200*time.Millisecond && in.batchEmpty() {
			lastCheck = time.Now()
			ok, err := in.caughtUp(ctx)
			if err != nil {
				return err
			}
			if ok {
				in.commitKafkaSync(ctx)
				in.log.Info("caught up", "records", in.stats.Records, "accepted", in.stats.Accepted,
					"duplicates", in.stats.Duplicates, "rejected", in.stats.rejected(), "commits", in.stats.Commits)
				return nil
			}
		}
	}
}

func (s Stats) rejected() int64 {
	var n int64
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

func (in *ingester) batchEmpty() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.batchAt.IsZero()
}

// due reports whether the batch should be flushed now: by size, or by age.
func (in *ingester) due() bool {
	if in.batchAt.IsZero() {
		return false
	}
	var bytes int64
	for _, b := range in.builder {
		bytes += b.Bytes()
	}
	bytes += in.dead.Bytes()
	if bytes >= in.cfg.FlushBytes {
		return true
	}
	if time.Since(in.batchAt) >= in.cfg.FlushInterval {
		return true
	}
	// Caught up with the partition ends we have seen: flush now rather than wait, so that
	// a quiet topic's last events do not sit in memory for the whole interval.
	for tp, pos := range in.position {
		if pos < in.hwm[tp] {
			return false
		}
	}
	return true
}

func (in *ingester) progress() {
	if time.Since(in.lastLog) < 5*time.Second {
		return
	}
	now := time.Now()
	rate := 0.0
	if !in.lastLog.IsZero() {
		rate = float64(in.stats.Records-in.logCount) / now.Sub(in.lastLog).Seconds()
	}
	var lag int64
	for tp, h := range in.hwm {
		lag += max(0, h-in.position[tp])
	}
	in.lastLog, in.logCount = now, in.stats.Records
	in.log.Info("ingest progress", "records", in.stats.Records, "events_per_s", int64(rate), "lag", lag,
		"accepted", in.stats.Accepted, "duplicates", in.stats.Duplicates, "dead_letters", in.stats.Rejected,
		"commits", in.stats.Commits)
}

// claimIndexSlot locks the first free slot of the index folder. Each ingest process keeps its
// own event-id index (a cache of the event log's ids, rebuilt from the table as needed), so
// processes of one group never share one; a slot a dead process left is reused, and only the
// files committed since it was last persisted are read again.
func claimIndexSlot(dir string) (*fsx.Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ingest: index folder: %w", err)
	}
	for n := 0; n < 1024; n++ {
		l, err := fsx.TryLock(filepath.Join(dir, fmt.Sprintf("slot-%d", n)), true)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, fsx.ErrLocked) {
			return nil, fmt.Errorf("ingest: index slot: %w", err)
		}
	}
	return nil, fmt.Errorf("ingest: no free index slot in %s", dir)
}

// writeSchemaFile writes the empty Parquet file with every column of the event log that readers
// list first (see warehouse.SchemaFile), unless it exists with the table's columns (a table
// evolved to new columns needs a new one); write and rename keep it whole.
func writeSchemaFile(fsys batch.FS, path string, mem memory.Allocator, schema *arrow.Schema) error {
	if have, err := batch.FileSchema(path); err == nil && sameColumns(have, schema) {
		return nil
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	rec := b.NewRecordBatch()
	defer rec.Release()
	// Several ingest processes (or Runs in one process) may start together: each writes its own
	// temporary file, and the renames replace one complete file with another equal one.
	tmp := fmt.Sprintf("%s.%d-%x.tmp", path, os.Getpid(), rand.Uint64())
	if _, err := batch.WriteFileFS(fsys, tmp, rec); err != nil {
		return err
	}
	if err := fsx.SyncFile(tmp); err != nil {
		return fmt.Errorf("ingest: schema file: %w", err)
	}
	if err := fsx.Replace(tmp, path); err != nil {
		return fmt.Errorf("ingest: schema file: %w", err)
	}
	return nil
}

// sameColumns reports whether two schemas have the same column names in the same order.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		if a.Field(i).Name != b.Field(i).Name {
			return false
		}
	}
	return true
}

// commitHook runs Config.OnCommit in the background after commits, 5 seconds after a commit and
// at most every 30 seconds: ingest never waits for it. Rewriting the DuckDB database file binds
// every view (about a second of CPU at scale medium), so more often would take a fifth of
// ingest's CPU, as a profile showed. ntm's hook also writes the derived state (every effective
// event again), whose cost grows with the warehouse: after a run, the hook waits hookSpacing
// times as long as the run took, when that is longer, so that it takes at most about a fifth of
// a core. The final run, after the last commit, is Run's.
// hookSpacing is how many times its last run's duration commitHook waits before the next run.
const hookSpacing = 4

type commitHook struct {
	kick, quit chan struct{}
	done       chan struct{}
}

func (d *commitHook) start(ctx context.Context, fn func(context.Context) error, log *slog.Logger) {
	if fn == nil {
		return
	}
	d.kick, d.quit, d.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(d.done)
		for {
			select {
			case <-d.quit:
				return
			case <-d.kick:
			}
			// Wait a little before running: a run that ends meanwhile runs the hook once at
			// exit instead of twice.
			select {
			case <-d.quit:
				return
			case <-time.After(5 * time.Second):
			}
			start := time.Now()
			if err := fn(context.WithoutCancel(ctx)); err != nil {
				log.Warn("commit hook failed", "err", err)
			}
			select {
			case <-d.quit:
				return
			case <-time.After(max(25*time.Second, hookSpacing*time.Since(start))):
			}
		}
	}()
}

// committed asks for a rewrite; requests while one is pending fold into it.
func (d *commitHook) committed() {
	if d.kick == nil {
		return
	}
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *commitHook) stop() {
	if d.quit == nil {
		return
	}
	close(d.quit)
	<-d.done
}
