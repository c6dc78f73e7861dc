// Package faultfs is a file system for data file writers (batch.FS) that fails like a disk
// that fills up or breaks: from a chosen write on, every write fails with a chosen error
// (syscall.ENOSPC, syscall.EIO), the first failing one after writing part of its bytes (a
// short write, leaving a half-written file behind), and every later create fails too, as a
// full disk stays full. Removing files still works, as it does on a full disk.
package faultfs

import (
	"io"
	iofs "io/fs"
	"sync"

	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

// Fault says when and how the file system breaks.
type Fault struct {
	// Err is the error the failing calls return, in an *fs.PathError as the os package's.
	Err error
	// File is the file, counting from 1 among those Match accepts, from which on the file
	// system breaks; 0 never breaks.
	File int
	// AtCreate breaks the creation of that file instead of a write to it.
	AtCreate bool
	// After is how many bytes of a file are written before the write that fails; that write
	// stores what fits below After and then fails. It is the first write that takes file File,
	// or a later one if that file stays smaller, past After.
	After int64
	// Match chooses the files that count and fail (default all).
	Match func(path string) bool
}

// FS is a batch.FS over the real one that breaks as its Fault says.
type FS struct {
	fault Fault
	real  batch.FS

	mu      sync.Mutex
	created int   // matching files created
	bytes   int64 // bytes written to matching files
	broken  bool  // the fault has struck: every later create and write of a matching file fails
	failed  Stats
}

// Stats counts what the file system did.
type Stats struct {
	Created     int   `json:"files_created"`
	Bytes       int64 `json:"bytes_written"`
	FailedOpen  int   `json:"failed_creates"`
	FailedWrite int   `json:"failed_writes"`
	ShortWrites int   `json:"short_writes"` // failing writes that stored part of their bytes
}

// New returns a file system that breaks as f says.
func New(f Fault) *FS {
	if f.Match == nil {
		f.Match = func(string) bool { return true }
	}
	return &FS{fault: f, real: batch.OSFS{}}
}

// Stats returns the counts so far.
func (fs *FS) Stats() Stats {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	s := fs.failed
	s.Created, s.Bytes = fs.created, fs.bytes
	return s
}

// Broken reports whether the fault has struck.
func (fs *FS) Broken() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.broken
}

// Create creates the file, unless the file system is broken or breaks now.
func (fs *FS) Create(path string) (io.WriteCloser, error) {
	if !fs.fault.Match(path) {
		return fs.real.Create(path)
	}
	fs.mu.Lock()
	fs.created++
	n := fs.created
	if n == fs.fault.File && fs.fault.AtCreate {
		fs.broken = true
	}
	if fs.broken {
		fs.failed.FailedOpen++
		fs.mu.Unlock()
		return nil, &iofs.PathError{Op: "open", Path: path, Err: fs.fault.Err}
	}
	fs.mu.Unlock()
	f, err := fs.real.Create(path)
	if err != nil {
		return nil, err
	}
	return &file{fs: fs, path: path, f: f, breaks: fs.fault.File > 0 && n >= fs.fault.File}, nil
}

// Remove removes the file.
func (fs *FS) Remove(path string) error { return fs.real.Remove(path) }

// file is a file being written through FS.
type file struct {
	fs      *FS
	path    string
	f       io.WriteCloser
	breaks  bool // writing this file past After breaks the file system
	written int64
}

func (f *file) Write(p []byte) (int, error) {
	fs := f.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !fs.broken && f.breaks && f.written+int64(len(p)) > fs.fault.After {
		fs.broken = true
		keep := max(0, fs.fault.After-f.written)
		n, err := f.f.Write(p[:keep])
		f.written += int64(n)
		fs.bytes += int64(n)
		fs.failed.FailedWrite++
		if n > 0 {
			fs.failed.ShortWrites++
		}
		if err != nil {
			return n, err
		}
		return n, &iofs.PathError{Op: "write", Path: f.path, Err: fs.fault.Err}
	}
	if fs.broken {
		fs.failed.FailedWrite++
		return 0, &iofs.PathError{Op: "write", Path: f.path, Err: fs.fault.Err}
	}
	n, err := f.f.Write(p)
	f.written += int64(n)
	fs.bytes += int64(n)
	return n, err
}

func (f *file) Close() error { return f.f.Close() }
