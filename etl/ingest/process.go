package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go/table"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

func tpOf(r *kgo.Record) warehouse.TopicPartition {
	return warehouse.TopicPartition{Topic: r.Topic, Partition: r.Partition}
}

// process judges the polled records and appends them to the batch.
func (in *ingester) process(ctx context.Context, fetches kgo.Fetches) error {
	recs := make([]*kgo.Record, 0, fetches.NumRecords())
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		tp := warehouse.TopicPartition{Topic: p.Topic, Partition: p.Partition}
		if p.HighWatermark > in.hwm[tp] {
			in.hwm[tp] = p.HighWatermark
		}
		for _, r := range p.Records {
			// A record below the position is one we have seen since the last seek: never twice.
			if pos, ok := in.position[tp]; ok && r.Offset < pos {
				continue
			}
			in.position[tp] = r.Offset + 1
			recs = append(recs, r)
		}
	})
	if len(recs) == 0 {
		return nil
	}
	if cap(in.verdicts) < len(recs) {
		in.verdicts = make([]verdict, len(recs))
	}
	vs := in.verdicts[:len(recs)]
	evOff, dlOff := in.off[warehouse.EventsLog], in.off[warehouse.DeadLetters]
	for i, r := range recs {
		tp := tpOf(r)
		vs[i] = verdict{rec: r}
		vs[i].evSkp = r.Offset < evOff[tp]
		vs[i].dlSkp = r.Offset < dlOff[tp]
		vs[i].skip = vs[i].evSkp && vs[i].dlSkp
	}
	judge(recs, vs, in.workers)

	if in.batchAt.IsZero() {
		in.batchAt = time.Now()
	}
	evNext, dlNext := in.next[warehouse.EventsLog], in.next[warehouse.DeadLetters]
	for i := range vs {
		v := &vs[i]
		r := v.rec
		in.stats.Records++
		in.metrics.records.Inc()
		if v.skip {
			continue
		}
		tp := tpOf(r)
		o := batch.Origin{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}
		switch {
		case v.rej != nil:
			if !v.dlSkp {
				dl := &batch.DeadLetter{Reason: string(v.rej.Reason), Message: v.rej.Message,
					Field: v.rej.Field, Raw: r.Value, Origin: o}
				if gv := v.gw; gv != nil {
					dl.Raw, dl.EventID, dl.EventType, dl.SourceFile, dl.Line = gv.Raw, gv.EventID, gv.EventType, gv.Origin, gv.Line
				}
				in.dead.Append(dl)
				in.stats.Rejected[v.rej.Reason]++
				in.tally.rejected[v.rej.Reason]++
			}
		default:
			h, found := in.pending[v.key]
			if !found {
				var err error
				if h, found, err = in.index.Lookup(v.key); err != nil {
					return fmt.Errorf("ingest: event-id index: %w", err)
				}
			}
			switch {
			case !found:
				if !v.evSkp {
					b := in.builder[v.ev.Type]
					if b == nil {
						b = batch.NewEvents(in.mem, in.evSch, v.ev.Type)
						in.builder[v.ev.Type] = b
					}
					b.Append(&v.ev, v.hash, o)
					in.pending[v.key] = v.hash
					in.stats.Accepted++
				}
			case h == v.hash:
				in.stats.Duplicates++
				in.tally.duplicates++
			default:
				if !v.dlSkp {
					in.dead.Append(&batch.DeadLetter{Reason: string(events.ConflictingDuplicate),
						Message: events.ConflictMessage(v.ev.ID), Field: "event_id", Raw: r.Value,
						EventID: v.ev.ID, EventType: v.ev.Type.String(), Origin: o})
					in.stats.Rejected[events.ConflictingDuplicate]++
					in.tally.rejected[events.ConflictingDuplicate]++
				}
			}
		}
		if !v.evSkp {
			evNext[tp] = r.Offset + 1
		}
		if !v.dlSkp {
			dlNext[tp] = r.Offset + 1
		}
		v.ev, v.gw = events.Event{}, nil // drop references to the record
	}
	return nil
}

// errRace means another writer stored an event_id of this batch after the batch began.
var errRace = fmt.Errorf("%w: another writer stored an event_id of this batch", warehouse.ErrStale)

func (in *ingester) crashpoint(point string) {
	if in.cfg.Crashpoint != nil {
		in.cfg.Crashpoint(point)
	}
}

// flush writes the batch's files and commits them, first to the event log, then to the dead
// letters. A stale batch (another writer committed its records first) is discarded and its
// partitions are consumed again from the tables' offsets.
func (in *ingester) flush(ctx context.Context) error {
	// After a fatal error the batch is half spent (its builders emptied into files that were
	// removed, or a table committed and the other not): flushing it again would commit offsets
	// without their rows. Only a restart, which resumes from the tables, may go on.
	if in.fatal != nil {
		return in.fatal
	}
	if in.batchAt.IsZero() {
		return nil
	}
	now := time.Now().UTC()
	t0 := time.Now()
	var evFiles, dlFiles []string
	var evRows, dlRows int64
	types := make([]events.Type, 0, len(in.builder))
	for t, b := range in.builder {
		if b.Len() > 0 {
			types = append(types, t)
		}
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	// Each type's rows make one file, and the files are independent: they are built and
	// written on every core (the Parquet encoding and compression are most of a flush).
	type job struct {
		path  string
		build func() arrow.RecordBatch
		err   error
	}
	var jobs []job
	add := func(dir string, build func() arrow.RecordBatch) string {
		in.fileSeq++
		p := filepath.Join(dir, fmt.Sprintf("%s-%06d.parquet", in.writer.ID, in.fileSeq))
		jobs = append(jobs, job{path: p, build: build})
		return p
	}
	for _, t := range types {
		b := in.builder[t]
		evRows += int64(b.Len())
		evFiles = append(evFiles, add(filepath.Join(in.wh.DataDir(warehouse.EventsLog), "event_type="+t.String()),
			func() arrow.RecordBatch { return b.Build(now) }))
	}
	if in.dead.Len() > 0 {
		dlRows = int64(in.dead.Len())
		dlFiles = append(dlFiles, add(in.wh.DataDir(warehouse.DeadLetters), func() arrow.RecordBatch { return in.dead.Build(now) }))
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next atomic.Int64
	)
	for range min(in.cfg.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				j := &jobs[i]
				rec := j.build()
				_, j.err = batch.WriteFileFS(in.cfg.FS, j.path, rec)
				rec.Release()
				if j.err == nil {
					mu.Lock()
					in.crashpoint("file")
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, j := range jobs {
		if j.err != nil {
			// No file of a failed batch may outlive it: the files written whole go too (a failed
			// one removed itself), so nothing half done is left for a reader or the orphan sweep.
			for _, k := range jobs {
				if k.err == nil {
					_ = in.cfg.FS.Remove(k.path)
				}
			}
			return in.fail(fmt.Errorf("ingest: flush: %w", j.err))
		}
	}
	in.crashpoint("written")

	tWrite := time.Since(t0)
	summary := func(rows int64) map[string]string {
		return map[string]string{"ntm.writer": in.writer.ID, "ntm.rows": strconv.FormatInt(rows, 10)}
	}
	evCommit := in.commitFor(warehouse.EventsLog, evFiles, summary(evRows))
	evCommit.Check = in.checkOthers
	res, err := in.cfg.Committer.Commit(ctx, warehouse.EventsLog, evCommit)
	if err != nil {
		return in.abandon(ctx, err, append(evFiles, dlFiles...))
	}
	in.lastSnap = res.Snapshot
	for k, h := range in.pending {
		in.index.Add(k, h)
	}
	for _, f := range evFiles {
		in.indexed[f] = true
	}
	clear(in.pending)
	in.applied(warehouse.EventsLog)
	tEv := time.Since(t0)
	in.crashpoint("events")

	if _, err := in.cfg.Committer.Commit(ctx, warehouse.DeadLetters, in.commitFor(warehouse.DeadLetters, dlFiles, summary(dlRows))); err != nil {
		return in.abandon(ctx, err, dlFiles)
	}
	in.applied(warehouse.DeadLetters)
	in.crashpoint("committed")
	in.stats.Commits++
	in.stats.Files += int64(len(evFiles) + len(dlFiles))
	in.countCommit(evRows, dlRows, len(evFiles)+len(dlFiles), time.Since(t0))
	in.batchAt = time.Time{}
	in.log.Debug("committed", "events", evRows, "dead_letters", dlRows, "files", len(evFiles)+len(dlFiles),
		"snapshot", res.Snapshot, "write", tWrite, "events_commit", tEv-tWrite, "dead_commit", time.Since(t0)-tEv)

	if in.index.Full() {
		if err := in.index.Persist(in.indexedList()); err != nil {
			return in.fail(fmt.Errorf("ingest: persist the event-id index: %w", err))
		}
	}
	in.commitKafka(ctx)
	in.hook.committed()
	return nil
}

func (in *ingester) fail(err error) error {
	in.fatal = err
	return err
}

// commitFor builds the commit of one table from the batch's progress.
func (in *ingester) commitFor(name string, files []string, summary map[string]string) warehouse.Commit {
	c := warehouse.Commit{Files: files, Base: warehouse.Offsets{}, Next: warehouse.Offsets{}, Summary: summary}
	for tp, n := range in.next[name] {
		base, ok := in.off[name][tp]
		if !ok {
			base = -1
		}
		c.Base[tp] = base
		c.Next[tp] = n
	}
	return c
}

// applied moves a table's committed offsets forward after its commit.
func (in *ingester) applied(name string) {
	for tp, n := range in.next[name] {
		in.off[name][tp] = n
	}
	clear(in.next[name])
}

// abandon handles a failed commit. A stale batch is discarded and consumed again; any other
// error is fatal: the process stops consuming and reports it, and a restart resumes from the
// tables, so nothing is lost.
func (in *ingester) abandon(ctx context.Context, err error, files []string) error {
	if !errors.Is(err, warehouse.ErrStale) {
		in.removeUncommitted(context.WithoutCancel(ctx), files)
		return in.fail(fmt.Errorf("ingest: commit: %w", err))
	}
	// A stale commit was refused before it was attempted: its files are named nowhere.
	for _, f := range files {
		_ = os.Remove(f)
	}
	in.stats.Stale++
	in.metrics.stale.Inc()
	in.tally.reset()
	in.log.Info("batch discarded: another writer committed these records first; consuming them again", "reason", err)
	clear(in.pending)
	for _, t := range tables {
		clear(in.next[t])
	}
	for _, b := range in.builder {
		if b.Len() > 0 {
			b.Build(time.Now()).Release()
		}
	}
	if in.dead.Len() > 0 {
		in.dead.Build(time.Now()).Release()
	}
	in.batchAt = time.Time{}
	if err := in.catchUp(ctx); err != nil {
		return in.fail(err)
	}
	return in.reseek(ctx)
}

// removeUncommitted removes those of the files that no table's current snapshot names. After
// a failed commit the outcome may be unknown (the commit may have landed before the error was
// seen), so the files are judged against the tables, never removed blindly; if the tables
// cannot be read, the files stay for the orphan sweep of the next start, which judges them the
// same way.
func (in *ingester) removeUncommitted(ctx context.Context, files []string) {
	named := map[string]bool{}
	for _, name := range tables {
		t, err := in.wh.Load(ctx, name)
		if err != nil {
			return
		}
		fs, err := warehouse.Files(ctx, t, 0)
		if err != nil {
			return
		}
		for _, f := range fs {
			named[f.Path] = true
		}
	}
	for _, f := range files {
		if !named[f] {
			_ = in.cfg.FS.Remove(f)
		}
	}
}

// reseek reloads the tables' offsets and moves every partition we consume back to them.
func (in *ingester) reseek(ctx context.Context) error {
	for _, t := range tables {
		tbl, err := in.wh.Load(ctx, t)
		if err != nil {
			return in.fail(err)
		}
		in.off[t] = warehouse.OffsetsOf(tbl)
	}
	var missing []string
	set := map[string]map[int32]kgo.EpochOffset{}
	for tp := range in.position {
		o, ok := in.resume(tp)
		if !ok {
			missing = append(missing, tp.Topic)
			continue
		}
		if set[tp.Topic] == nil {
			set[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		set[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o}
		in.position[tp] = o
	}
	if len(missing) > 0 {
		starts, err := kadm.NewClient(in.cl).ListStartOffsets(ctx, missing...)
		if err != nil {
			return in.fail(fmt.Errorf("ingest: list start offsets: %w", err))
		}
		for tp := range in.position {
			if _, ok := in.resume(tp); ok {
				continue
			}
			if lo, ok := starts.Lookup(tp.Topic, tp.Partition); ok {
				if set[tp.Topic] == nil {
					set[tp.Topic] = map[int32]kgo.EpochOffset{}
				}
				set[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: lo.Offset}
				in.position[tp] = lo.Offset
			}
		}
	}
	in.cl.SetOffsets(set)
	return nil
}

// resume is where a partition continues: the lower of the tables' offsets, since each table
// skips what it has judged already. It is not known when a table has never seen the partition.
func (in *ingester) resume(tp warehouse.TopicPartition) (int64, bool) {
	lo := int64(-1)
	for _, t := range tables {
		o, ok := in.off[t][tp]
		if !ok {
			return 0, false
		}
		if lo < 0 || o < lo {
			lo = o
		}
	}
	return lo, true
}

// adjustOffsets starts every newly assigned partition at the tables' offsets, not Kafka's.
func (in *ingester) adjustOffsets(ctx context.Context, assigned map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, t := range tables {
		tbl, err := in.wh.Load(ctx, t)
		if err != nil {
			return nil, err
		}
		in.off[t] = warehouse.OffsetsOf(tbl)
	}
	for topic, parts := range assigned {
		for p := range parts {
			tp := warehouse.TopicPartition{Topic: topic, Partition: p}
			delete(in.position, tp)
			if o, ok := in.resume(tp); ok {
				parts[p] = kgo.NewOffset().At(o).WithEpoch(-1)
			} else {
				parts[p] = kgo.NewOffset().AtStart()
			}
			in.log.Info("partition assigned", "topic", topic, "partition", p, "from", parts[p].EpochOffset().Offset)
		}
	}
	return assigned, nil
}

// onRevoked commits everything consumed from the partitions before they are released.
func (in *ingester) onRevoked(ctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.fatal != nil {
		return
	}
	if err := in.flush(ctx); err != nil {
		in.log.Error("flush before releasing partitions failed; the next owner consumes them again", "err", err)
	}
	for topic, ps := range revoked {
		for _, p := range ps {
			tp := warehouse.TopicPartition{Topic: topic, Partition: p}
			delete(in.position, tp)
			delete(in.hwm, tp)
		}
	}
}

// onLost tries the same as onRevoked: if another member already committed the partitions, the
// offsets fence the commit off and the batch is discarded.
func (in *ingester) onLost(ctx context.Context, cl *kgo.Client, lost map[string][]int32) {
	in.onRevoked(ctx, cl, lost)
}

// checkOthers runs before each commit attempt on the table it will commit on: when another
// writer committed since our index last caught up, the index learns its events, and the batch
// is stale if it holds one of them.
func (in *ingester) checkOthers(t *table.Table) error {
	s := t.CurrentSnapshot()
	if s == nil || s.SnapshotID == in.lastSnap {
		return nil
	}
	if err := in.catchUpTable(context.Background(), t); err != nil {
		return err
	}
	for k := range in.pending {
		if _, found, err := in.index.Lookup(k); err != nil {
			return err
		} else if found {
			return errRace
		}
	}
	return nil
}

// commitKafka commits the tables' progress to the consumer group, asynchronously: the group's
// offsets are for monitoring (lag) and for other tools; ingest itself resumes from the tables.
func (in *ingester) commitKafka(ctx context.Context) { in.commitKafkaMode(ctx, false) }

// commitKafkaSync commits the group's offsets and waits for the answer: before exiting.
func (in *ingester) commitKafkaSync(ctx context.Context) { in.commitKafkaMode(ctx, true) }

func (in *ingester) commitKafkaMode(ctx context.Context, wait bool) {
	set := map[string]map[int32]kgo.EpochOffset{}
	for tp := range in.position {
		if o, ok := in.resume(tp); ok {
			if set[tp.Topic] == nil {
				set[tp.Topic] = map[int32]kgo.EpochOffset{}
			}
			set[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o}
		}
	}
	if len(set) == 0 {
		return
	}
	done := func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, _ *kmsg.OffsetCommitResponse, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			in.log.Warn("kafka offset commit failed (the tables hold the offsets; only lag monitoring lags)", "err", err)
		}
	}
	if wait {
		in.cl.CommitOffsetsSync(ctx, set, done)
		return
	}
	in.cl.CommitOffsets(ctx, set, done)
}
