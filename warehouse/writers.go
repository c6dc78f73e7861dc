package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// Writer is a live ingest process's claim on the warehouse. Its data files are named after
// its ID, and it holds an exclusive lock on writers/<id>.lock for as long as it lives, so that
// another process cleaning up after a crash can tell a dead writer's unfinished files (orphans,
// safe to delete) from a live writer's files that are about to be committed.
type Writer struct {
	ID   string
	lock *fsx.Lock
}

// NewWriter registers a new writer.
func (w *Warehouse) NewWriter() (*Writer, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	id := hex.EncodeToString(b[:])
	dir := filepath.Join(w.dir, "writers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	l, err := fsx.TryLock(filepath.Join(dir, id+".lock"), true)
	if err != nil {
		return nil, fmt.Errorf("warehouse: writer lock: %w", err)
	}
	return &Writer{ID: id, lock: l}, nil
}

// Close releases the writer's lock and removes it.
func (wr *Writer) Close() error {
	if wr.lock == nil {
		return nil
	}
	err := os.Remove(wr.lock.File().Name())
	if cerr := wr.lock.Unlock(); err == nil {
		err = cerr
	}
	wr.lock = nil
	return err
}

// writerOf is the writer ID a data file name starts with (<id>-<n>.parquet).
func writerOf(path string) string {
	base := filepath.Base(path)
	id, _, ok := strings.Cut(base, "-")
	if !ok {
		return ""
	}
	return id
}

// alive reports whether the writer id still holds its lock. A writer with no lock file is dead.
func (w *Warehouse) alive(id string) bool {
	return fsx.Held(filepath.Join(w.dir, "writers", id+".lock"))
}

// Orphans lists the data files of the table that no snapshot names: neither the current one
// nor, for the files a compaction replaced, an earlier one. With onlyDead, files of live
// writers (not yet committed, not orphans) are left out.
func (w *Warehouse) Orphans(ctx context.Context, name string, onlyDead bool) ([]string, error) {
	t, err := w.Load(ctx, name)
	if err != nil {
		return nil, err
	}
	files, err := Files(ctx, t, 0)
	if err != nil {
		return nil, err
	}
	named := make(map[string]bool, len(files))
	for _, f := range files {
		named[f.Path] = true
	}
	// Files a compaction replaced are named by earlier snapshots, which readers may still read:
	// compaction.Run deletes them when their time is up.
	replaced, err := Replaced(ctx, t)
	if err != nil {
		return nil, err
	}
	for _, paths := range replaced {
		for _, p := range paths {
			named[p] = true
		}
	}
	all, err := listDataFiles(w.DataDir(name))
	if err != nil {
		return nil, fmt.Errorf("warehouse: list %s: %w", name, err)
	}
	var out []string
	liveness := map[string]bool{}
	for _, p := range all {
		if named[p] {
			continue
		}
		if onlyDead {
			id := writerOf(p)
			live, ok := liveness[id]
			if !ok {
				live = w.alive(id)
				liveness[id] = live
			}
			if live {
				continue
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// RemoveOrphans deletes the data files that dead writers left behind uncommitted (a crash
// between writing a file and committing it), and the lock files of dead writers. It never
// touches a file that a snapshot names or that a live writer may still commit.
func (w *Warehouse) RemoveOrphans(ctx context.Context) (int, error) {
	n := 0
	for _, name := range []string{EventsLog, DeadLetters} {
		orphans, err := w.Orphans(ctx, name, true)
		if err != nil {
			return n, err
		}
		for _, p := range orphans {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return n, fmt.Errorf("warehouse: remove orphan: %w", err)
			}
			n++
		}
	}
	locks, _ := filepath.Glob(filepath.Join(w.dir, "writers", "*.lock"))
	for _, l := range locks {
		id := strings.TrimSuffix(filepath.Base(l), ".lock")
		if !w.alive(id) {
			_ = os.Remove(l)
		}
	}
	return n, nil
}
