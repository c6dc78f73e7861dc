package warehouse

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// The format of a compaction (package warehouse/compaction) as the warehouse reads it: a
// compaction merges a table's small data files into bigger ones and commits them as one
// Iceberg "replace" snapshot, whose summary marks it as a compaction (Replaced lists the files
// it replaced, which Orphans does not take for orphans), repeats the table's Kafka offsets, and
// records each merged file's latest commit time (Files reports it as the file's CommittedAt).

// Keys of a compaction snapshot's summary.
const (
	// operationKey marks the snapshots of ntm's own maintenance operations.
	operationKey     = "ntm.operation"
	operationCompact = "compact"
	// committedAtPrefix + a merged file's base name holds the latest commit time of its rows
	// (milliseconds since the epoch).
	committedAtPrefix = "ntm.committed_at."
)

// CommitTimesKey is the Parquet key-value metadata of a merged events_log file that keeps its
// rows' transaction times: "ingested_at:committed_at" pairs (microseconds and milliseconds
// since the epoch) separated by commas, one per commit whose rows the file holds. An ingest
// flush stamps all its rows with one ingested_at, so a row's ingested_at names its commit.
const CommitTimesKey = "ntm.commit_times"

// CompactionSummary is the snapshot summary of a compaction of t named token (Retry.Token):
// it marks the snapshot as a compaction, records for each merged file (by path) the latest
// commit time of its rows, and repeats the table's offsets, which do not move, so that a
// reader of the latest snapshot's summary finds them there too.
func CompactionSummary(t *table.Table, token string, latest map[string]time.Time) iceberg.Properties {
	props := iceberg.Properties{operationKey: operationCompact, commitKey: token}
	for path, at := range latest {
		props[committedAtPrefix+filepath.Base(path)] = strconv.FormatInt(at.UnixMilli(), 10)
	}
	for tp, n := range OffsetsOf(t) {
		props[offsetKey(tp)] = strconv.FormatInt(n, 10)
	}
	return props
}

// FileEntry is a data file of a snapshot with its manifest entry, for maintenance that
// rewrites files.
type FileEntry struct {
	DataFile
	Entry iceberg.ManifestEntry
}

// FileEntries lists the data files of the table's current snapshot with their manifest
// entries.
func FileEntries(ctx context.Context, t *table.Table) ([]FileEntry, error) {
	var out []FileEntry
	err := eachFile(ctx, t, 0, func(f DataFile, e iceberg.ManifestEntry) {
		out = append(out, FileEntry{DataFile: f, Entry: e})
	})
	return out, err
}

// ParseCommitTimes reads a CommitTimesKey value: ingested_at (µs) → committed_at (ms).
func ParseCommitTimes(v string) (map[int64]int64, error) {
	out := map[int64]int64{}
	if v == "" {
		return out, nil
	}
	for _, pair := range strings.Split(v, ",") {
		a, b, ok := strings.Cut(pair, ":")
		in, err1 := strconv.ParseInt(a, 10, 64)
		at, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("warehouse: bad commit time %q", pair)
		}
		out[in] = at
	}
	return out, nil
}

// Replaced lists, per compaction snapshot in the table's history, the data files it replaced.
// Those files are no longer in the table but are not orphans: readers that pinned an earlier
// snapshot may still read them until a later compaction deletes them.
func Replaced(ctx context.Context, t *table.Table) (map[int64][]string, error) {
	out := map[int64][]string{}
	fsys, err := t.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	local := localOf(fsys)
	for s := t.CurrentSnapshot(); s != nil; {
		if s.Summary != nil && s.Summary.Properties[operationKey] == operationCompact {
			manifests, err := s.Manifests(fsys)
			if err != nil {
				return nil, fmt.Errorf("warehouse: manifests of %s: %w", t.Identifier(), err)
			}
			paths := []string{}
			for _, m := range manifests {
				// The entries of the files a snapshot removed are in the manifests it wrote.
				if m.ManifestContent() != iceberg.ManifestContentData || m.SnapshotID() != s.SnapshotID {
					continue
				}
				entries, err := m.FetchEntries(fsys, false)
				if err != nil {
					return nil, fmt.Errorf("warehouse: manifest %s: %w", m.FilePath(), err)
				}
				for _, e := range entries {
					if e.Status() == iceberg.EntryStatusDELETED && e.SnapshotID() == s.SnapshotID {
						paths = append(paths, local(e.DataFile().FilePath()))
					}
				}
			}
			out[s.SnapshotID] = paths
		}
		if s.ParentSnapshotID == nil {
			break
		}
		s = t.Metadata().SnapshotByID(*s.ParentSnapshotID)
	}
	return out, nil
}
