package warehouse

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// A snapshot's list of data files never changes, but reading it from the manifests costs a read
// and an Avro decode of every manifest: 110 ms for the 2,500 files of 144 commits at scale
// large, most of the start of every ntm sql. So Current keeps each listing it reads in the
// warehouse's cache folder, named by table and snapshot ID, and reads it from there next time.
// The manifests stay the truth: ntm verify reads them and reports a cached listing that
// differs (listingMismatch), and a listing that cannot be read is read from them again.

// keepListings is how many cached listings a table keeps: the newest, and some before it that
// sessions of earlier snapshots may still ask for.
const keepListings = 4

func (w *Warehouse) listingPath(name string, snapshotID int64) string {
	return filepath.Join(w.dir, "cache", "files", fmt.Sprintf("%s-%d.json", name, snapshotID))
}

// listing is a cached list of a snapshot's files, with paths relative to the warehouse, so that
// it stays right when the warehouse folder moves.
type listing struct {
	Table    string        `json:"table"`
	Snapshot int64         `json:"snapshot"`
	Files    []listingFile `json:"files"`
}

type listingFile struct {
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	Records     int64  `json:"records"`
	Partition   string `json:"partition,omitempty"`
	Snapshot    int64  `json:"snapshot"`
	CommittedAt int64  `json:"committed_at_us"`
	Rewritten   bool   `json:"rewritten,omitempty"`
}

// snapshotFiles lists the data files of the snapshot snapshotID of table name (t): from its
// cached listing when there is a readable one, otherwise from the manifests, then caching them.
// Caching is best effort: a reader that may not write the warehouse still gets the list.
func (w *Warehouse) snapshotFiles(ctx context.Context, name string, t *table.Table, snapshotID int64) ([]DataFile, error) {
	if files, ok := w.cachedFiles(name, snapshotID); ok {
		return files, nil
	}
	files, err := Files(ctx, t, snapshotID)
	if err != nil {
		return nil, err
	}
	_ = w.cacheFiles(name, snapshotID, files)
	return files, nil
}

// cachedFiles reads the cached listing of a snapshot, if there is one that is whole and its own.
func (w *Warehouse) cachedFiles(name string, snapshotID int64) ([]DataFile, bool) {
	b, err := os.ReadFile(w.listingPath(name, snapshotID))
	if err != nil {
		return nil, false
	}
	var l listing
	if json.Unmarshal(b, &l) != nil || l.Table != name || l.Snapshot != snapshotID {
		return nil, false
	}
	files := make([]DataFile, len(l.Files))
	for i, f := range l.Files {
		if filepath.IsAbs(f.Path) || strings.HasPrefix(filepath.Clean(f.Path), "..") {
			return nil, false
		}
		files[i] = DataFile{Path: filepath.Join(w.dir, f.Path), Size: f.Size, Records: f.Records, Partition: f.Partition,
			Snapshot: f.Snapshot, CommittedAt: time.UnixMicro(f.CommittedAt).UTC(), Rewritten: f.Rewritten}
	}
	return files, true
}

// cacheFiles writes the listing of a snapshot (complete, or not at all) and removes the table's
// listings but the newest keepListings.
func (w *Warehouse) cacheFiles(name string, snapshotID int64, files []DataFile) error {
	l := listing{Table: name, Snapshot: snapshotID, Files: make([]listingFile, len(files))}
	for i, f := range files {
		rel, err := filepath.Rel(w.dir, f.Path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("warehouse: %s is outside the warehouse", f.Path)
		}
		l.Files[i] = listingFile{Path: rel, Size: f.Size, Records: f.Records, Partition: f.Partition,
			Snapshot: f.Snapshot, CommittedAt: f.CommittedAt.UnixMicro(), Rewritten: f.Rewritten}
	}
	path := w.listingPath(name, snapshotID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := fsx.WriteWith(path, 0o644, func(out io.Writer) error { return json.NewEncoder(out).Encode(l) }); err != nil {
		return err
	}
	return w.pruneListings(name)
}

func (w *Warehouse) pruneListings(name string) error {
	dir := filepath.Dir(w.listingPath(name, 0))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	type entry struct {
		name string
		mod  time.Time
	}
	var mine []entry
	for _, e := range entries {
		if info, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), name+"-") && strings.HasSuffix(e.Name(), ".json") {
			mine = append(mine, entry{e.Name(), info.ModTime()})
		}
	}
	slices.SortFunc(mine, func(a, b entry) int { return cmp.Compare(b.mod.UnixNano(), a.mod.UnixNano()) })
	var errs []error
	for _, e := range mine[min(len(mine), keepListings):] {
		if err := os.Remove(filepath.Join(dir, e.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// listingMismatch says how the cached listing of a snapshot differs from the files its
// manifests list, or "" when it agrees or there is none.
func (w *Warehouse) listingMismatch(name string, snapshotID int64, files []DataFile) string {
	cached, ok := w.cachedFiles(name, snapshotID)
	if !ok {
		return ""
	}
	byPath := make(map[string]DataFile, len(files))
	for _, f := range files {
		byPath[f.Path] = f
	}
	if len(cached) != len(files) {
		return fmt.Sprintf("the cached listing %s holds %d files, the manifests %d", w.listingPath(name, snapshotID), len(cached), len(files))
	}
	for _, c := range cached {
		f, ok := byPath[c.Path]
		if !ok || !f.CommittedAt.Equal(c.CommittedAt) || f.Size != c.Size || f.Records != c.Records ||
			f.Partition != c.Partition || f.Snapshot != c.Snapshot || f.Rewritten != c.Rewritten {
			return fmt.Sprintf("the cached listing %s differs from the manifests at %s", w.listingPath(name, snapshotID), c.Path)
		}
	}
	return ""
}
