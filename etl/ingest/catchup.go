package ingest

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/etl/dedupe"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// catchUp teaches the event-id index every event the event log holds that it does not know:
// after a crash (the index keeps only what it persisted), and after other writers' commits.
func (in *ingester) catchUp(ctx context.Context) error {
	t, err := in.wh.Load(ctx, warehouse.EventsLog)
	if err != nil {
		return err
	}
	return in.catchUpTable(ctx, t)
}

func (in *ingester) catchUpTable(ctx context.Context, t *table.Table) error {
	files, err := warehouse.Files(ctx, t, 0)
	if err != nil {
		return err
	}
	n := 0
	var replaced map[int64][]string // per compaction, the files it replaced; read when needed
	for _, f := range files {
		if in.indexed[f.Path] {
			continue
		}
		// A compaction moves rows into new files without changing them: when the index holds
		// every file a compaction replaced, it holds the rows of the files it wrote.
		if f.Rewritten {
			if replaced == nil {
				if replaced, err = warehouse.Replaced(ctx, t); err != nil {
					return err
				}
			}
			if in.indexedAll(replaced[f.Snapshot]) {
				in.indexed[f.Path] = true
				continue
			}
		}
		if err := in.indexFile(ctx, f.Path); err != nil {
			return err
		}
		in.indexed[f.Path] = true
		n++
	}
	if s := t.CurrentSnapshot(); s != nil {
		in.lastSnap = s.SnapshotID
	}
	if n > 0 {
		in.log.Debug("event-id index caught up", "files", n)
	}
	return nil
}

// indexedAll reports whether the index holds the ids of every one of the files (and there is
// at least one).
func (in *ingester) indexedAll(files []string) bool {
	for _, f := range files {
		if !in.indexed[f] {
			return false
		}
	}
	return len(files) > 0
}

// indexFile adds the event ids and content hashes of one events_log data file to the index.
func (in *ingester) indexFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ingest: index %s: %w", path, err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return fmt.Errorf("ingest: index %s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, in.mem)
	if err != nil {
		return fmt.Errorf("ingest: index %s: %w", path, err)
	}
	sc := pf.MetaData().Schema
	idCol, hashCol := sc.ColumnIndexByName("event_id"), sc.ColumnIndexByName("content_hash")
	if idCol < 0 || hashCol < 0 {
		return fmt.Errorf("ingest: index %s: no event_id or content_hash column", path)
	}
	rr, err := fr.GetRecordReader(ctx, []int{idCol, hashCol}, nil)
	if err != nil {
		return fmt.Errorf("ingest: index %s: %w", path, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		ids := rec.Column(rec.Schema().FieldIndices("event_id")[0]).(*array.String)
		hs := rec.Column(rec.Schema().FieldIndices("content_hash")[0]).(*array.Int64)
		for i := range ids.Len() {
			in.index.Add(dedupe.KeyOfString(ids.Value(i)), uint64(hs.Value(i)))
		}
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("ingest: index %s: %w", path, err)
	}
	return nil
}

// indexedList is the sorted list of files whose ids the index holds.
func (in *ingester) indexedList() []string {
	out := make([]string, 0, len(in.indexed))
	for f := range in.indexed {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
