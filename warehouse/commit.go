package warehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// TopicPartition names one Kafka partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return fmt.Sprintf("%s/%d", tp.Topic, tp.Partition) }

// offsetPrefix starts the table property (and snapshot summary property) that records, per
// Kafka partition, the next offset the table has not yet judged: every record below it was
// either stored in this table or decided not to belong here. It lives in the table properties
// so that maintenance snapshots (compaction, expiry) keep it, and in each commit's snapshot
// summary so that a snapshot says which records it covers.
const offsetPrefix = "ntm.kafka.offset."

func offsetKey(tp TopicPartition) string {
	return offsetPrefix + tp.Topic + "." + strconv.Itoa(int(tp.Partition))
}

// fromPrefix starts the snapshot summary property that records, per partition, the offset the
// commit started from (-1 when the table had none): with offsetPrefix it gives the range of
// records the commit covers, so that verify can check the ranges chain without gap or overlap.
const fromPrefix = "ntm.kafka.from."

func fromKey(tp TopicPartition) string {
	return fromPrefix + tp.Topic + "." + strconv.Itoa(int(tp.Partition))
}

// parseOffsets reads the properties with prefix as offsets.
func parseOffsets(props map[string]string, prefix string) Offsets {
	out := Offsets{}
	for k, v := range props {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			continue
		}
		p, err1 := strconv.Atoi(rest[i+1:])
		o, err2 := strconv.ParseInt(v, 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out[TopicPartition{rest[:i], int32(p)}] = o
	}
	return out
}

// Offsets are the next offsets to judge, per partition.
type Offsets map[TopicPartition]int64

// OffsetsOf reads the offsets a table has committed.
func OffsetsOf(t *table.Table) Offsets {
	return parseOffsets(t.Properties(), offsetPrefix)
}

// Sorted lists the partitions in order, for stable output.
func (o Offsets) Sorted() []TopicPartition {
	out := make([]TopicPartition, 0, len(o))
	for tp := range o {
		out = append(out, tp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}

// String lists the offsets as topic/partition=offset, in order.
func (o Offsets) String() string {
	var b strings.Builder
	for i, tp := range o.Sorted() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", tp, o[tp])
	}
	return b.String()
}

// Commit is one atomic step of a table: the data files it adds, and for every partition it
// covers, the offset the table was at when the work began (Base, -1 when the table had none)
// and the offset it moves to (Next).
type Commit struct {
	Files []string
	Base  Offsets
	Next  Offsets
	// Summary adds properties to the snapshot summary (counts, the writer).
	Summary map[string]string
	// Check, when set, judges the freshly loaded table before each attempt; an error aborts
	// the commit. The attempt then asserts exactly the snapshot Check saw.
	Check func(t *table.Table) error
}

// ErrStale means that the table moved past the commit's base for some partition: another
// writer (the partition's new owner after a rebalance) has judged those records already. The
// commit's files must be discarded and the records consumed again from the table's offsets.
var ErrStale = errors.New("stale commit: the table has moved past its base offsets")

// CommitResult says what a commit (Commit, RetryCommit) did.
type CommitResult struct {
	Snapshot int64 // the snapshot that holds the commit (the table's current one after a commit that makes none)
	Attempts int   // attempts staged (catalog commits tried, and the attempt a stage refused)
	Already  bool  // an earlier attempt whose outcome was unknown had succeeded
}

// Commit adds the files to the table and moves its offsets, atomically, or returns ErrStale.
//
// Durability: iceberg-go's local file IO never fsyncs. The data files are synced by their
// writer before they are named here; the manifests that AddFiles writes are synced with
// syncfs before the catalog commit writes the new metadata file, and the metadata is synced
// with syncfs after it (RetryCommit). So when Commit returns nil, everything the new snapshot
// names is on stable storage, and a snapshot that is on stable storage never names a file that
// is not.
//
// Concurrency: every commit asserts the snapshot it was built on, so two writers can never
// both commit on the same base; on any failure the table is reloaded (RetryCommit), and the
// commit is judged again against the offsets found there: already applied (an attempt whose
// outcome was unknown did succeed: its token is in the table), still applicable (a new attempt,
// staged and asserted anew on the reloaded table), or stale. A base conflict is never retried:
// the records were judged by another writer, and committing them again would store them twice.
func (w *Warehouse) Commit(ctx context.Context, name string, c Commit) (CommitResult, error) {
	// The token names this commit in its snapshot summary, so that after an attempt whose
	// outcome is unknown, the commit is recognized as applied only if its own snapshot is there,
	// not merely because the offsets match (another writer could have covered the same range).
	token := NewCommitToken()
	if c.Summary == nil {
		c.Summary = map[string]string{}
	}
	c.Summary[commitKey] = token
	judge := func(t *table.Table) error {
		cur := OffsetsOf(t)
		for tp, base := range c.Base {
			have, ok := cur[tp]
			if !ok {
				have = -1
			}
			if have != base {
				return fmt.Errorf("%w: %s %s at %d, commit based on %d", ErrStale, name, tp, have, base)
			}
		}
		if c.Check != nil {
			return c.Check(t)
		}
		return nil
	}
	return w.RetryCommit(ctx, name, Retry{Token: token, Judge: judge}, func(t *table.Table) (*table.Transaction, error) {
		txn, err := stageCommit(ctx, t, c)
		if err != nil {
			// Errors in staging the commit are permanent: the same files would fail again.
			return nil, fmt.Errorf("warehouse: commit to %s: %w", name, err)
		}
		return txn, nil
	})
}

// stageCommit builds one attempt on the table as loaded: it asserts the table's snapshot,
// moves the offsets and adds the files.
func stageCommit(ctx context.Context, t *table.Table, c Commit) (*table.Transaction, error) {
	txn := t.NewTransaction()
	if err := txn.AssertRefSnapshotID(""); err != nil {
		return nil, fmt.Errorf("assert snapshot: %w", err)
	}
	props := iceberg.Properties{}
	summary := iceberg.Properties{}
	for k, v := range c.Summary {
		summary[k] = v
	}
	for tp, n := range c.Next {
		props[offsetKey(tp)] = strconv.FormatInt(n, 10)
		summary[offsetKey(tp)] = props[offsetKey(tp)]
		summary[fromKey(tp)] = strconv.FormatInt(c.Base[tp], 10)
	}
	if err := txn.SetProperties(props); err != nil {
		return nil, fmt.Errorf("set offsets: %w", err)
	}
	// Every commit makes a snapshot, even without files, so that the snapshot reference moves
	// on every commit and the assertion above fences every concurrent writer. The files were
	// written by us and are known to be new: skip the check against existing files.
	// The metadata records each file as a file:// URI under the table location, which moves
	// with the warehouse; the table's file system finds it where the warehouse is now.
	uris := make([]string, len(c.Files))
	for i, p := range c.Files {
		u, err := FileURI(ctx, t, p)
		if err != nil {
			return nil, err
		}
		uris[i] = u
	}
	if err := txn.AddFiles(ctx, uris, summary, true); err != nil {
		return nil, fmt.Errorf("add files: %w", err)
	}
	return txn, nil
}

// sync flushes the warehouse's file system (syncfs), covering files iceberg-go wrote without
// fsync: manifests, manifest lists, metadata.
func (w *Warehouse) sync() error {
	if err := fsx.SyncFS(w.dir); err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	return nil
}
