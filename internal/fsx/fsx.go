// Package fsx holds the project's one way to replace a file durably and its one way to lock a
// file between processes. Every layer that writes a file readers may open at any moment (token
// files, the event-id index's manifest and runs, the schema file, the DuckDB file, open data,
// report revisions) or that must keep a second process out (writer leases, index slots, the
// report folder) goes through here, so that the rules are written, and fixed, once:
//
//   - a file is written under a temporary name in its own folder, fsynced, renamed over the
//     final name and the folder fsynced: a reader sees the old file or the new one, never a
//     part, and after a crash the new name points at complete bytes or at the old ones;
//   - locks are flock(2) on an open descriptor, released by the kernel when the process dies,
//     so a crashed holder never leaves a lock behind. flock is per machine: writers on several
//     hosts need a lock the shared catalog holds instead.
//
// It imports nothing from the module, so events, warehouse, etl, queries, auth and web may all
// use it.
package fsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// TempSuffix ends the name of every temporary file this package creates, so that a cleanup
// can recognise the leftovers of a writer that died before its rename (see RemoveTemps).
const TempSuffix = ".tmp"

// WriteFile puts data at path durably and atomically, with the given mode (see the package
// documentation). On error the temporary file is removed and the old file, if any, is intact.
func WriteFile(path string, data []byte, mode fs.FileMode) error {
	return WriteWith(path, mode, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith is WriteFile for content produced by write, which gets the temporary file. The
// file is replaced only when write returns nil.
func WriteWith(path string, mode fs.FileMode, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*"+TempSuffix)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreMissing(os.Remove(tmp)))
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", path, err), f.Close())
	}
	if err := write(f); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", path, err), f.Close())
	}
	if err := f.Sync(); err != nil {
		return errors.Join(fmt.Errorf("write %s: fsync: %w", path, err), f.Close())
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return Replace(tmp, path)
}

// ErrUnsynced marks an error of Replace (and so of WriteFile) after the rename: the new file is
// in place and may be the durable state after a crash, although the folder's fsync failed. A
// caller that deletes what the old file named must not do so then.
var ErrUnsynced = errors.New("renamed, but the folder's fsync failed")

// Replace renames the complete file tmp over path and makes the rename durable (fsync of the
// folder). tmp must be in path's folder and already synced (SyncFile) when it was written by
// someone else, such as DuckDB or a Parquet writer.
func Replace(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("replace %s: %w: %w", path, ErrUnsynced, err)
	}
	return nil
}

// SyncFile fsyncs the file at path, for files another library wrote and closed.
func SyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}

// SyncDir fsyncs a folder, so that the renames, creations and removals in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// SyncFS flushes the whole file system that holds dir (syncfs(2)): one call covers every file
// a library wrote without fsync (iceberg-go's manifests and metadata), at the cost of flushing
// unrelated writes of the same file system too.
func SyncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncfs %s: %w", dir, err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", dir, err)
	}
	return nil
}

// RemoveTemps removes the temporary files WriteFile and WriteWith left in dir for the final
// name base (a writer that died between create and rename). Only a process that holds the
// lock guarding dir may call it, since a live writer's temporary file is in use.
func RemoveTemps(dir, base string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	prefix := "." + base + "."
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasPrefix(n, prefix) || !strings.HasSuffix(n, TempSuffix) {
			continue
		}
		if err := ignoreMissing(os.Remove(filepath.Join(dir, n))); err != nil {
			return fmt.Errorf("remove %s: %w", n, err)
		}
	}
	return nil
}

func ignoreMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ErrLocked is returned by TryLock when another descriptor holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is an exclusive flock on one file (or folder), held until Unlock or the process's end.
type Lock struct {
	f *os.File
}

// TryLock takes the lock on path without waiting, creating the file when create is set (a
// folder must exist). It returns an error wrapping ErrLocked when another holder has it.
func TryLock(path string, create bool) (*Lock, error) {
	var f *os.File
	var err error
	if create {
		f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	} else {
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// LockWait takes the lock on path, polling every poll until it is free or ctx is done (flock
// has no wait with a deadline; polling keeps the wait cancellable).
func LockWait(ctx context.Context, path string, create bool, poll time.Duration) (*Lock, error) {
	for {
		l, err := TryLock(path, create)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the lock on %s: %w", path, context.Cause(ctx))
		case <-time.After(poll):
		}
	}
}

// Held reports whether some process holds the lock on the existing file path. It takes and
// releases the lock when it is free, so it suits only liveness probes of lock files whose
// holders never release them while alive.
func Held(path string) bool {
	l, err := TryLock(path, false)
	if err != nil {
		return errors.Is(err, ErrLocked)
	}
	_ = l.Unlock()
	return false
}

// File is the locked descriptor, for holders that keep data in the lock file itself.
func (l *Lock) File() *os.File { return l.f }

// Unlock releases the lock and closes its descriptor. It is safe to call more than once.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
