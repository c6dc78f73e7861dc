package fsx

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFileReplacesWholeFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	require.NoError(t, WriteFile(path, []byte("old"), 0o600))
	require.NoError(t, WriteFile(path, []byte("new"), 0o600))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(b))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the mode is set before the bytes are visible")
	assertOnly(t, dir, "tokens.json")
}

func TestAFailedWriteKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.csv")
	require.NoError(t, WriteFile(path, []byte("a,b\n1,2\n"), 0o644))
	boom := errors.New("the producer failed half way")
	err := WriteWith(path, 0o644, func(w io.Writer) error {
		_, _ = w.Write([]byte("a,b\n3"))
		return boom
	})
	require.ErrorIs(t, err, boom)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "a,b\n1,2\n", string(b), "readers still see the complete old file")
	assertOnly(t, dir, "data.csv")

	require.Error(t, WriteFile(filepath.Join(dir, "missing", "x"), nil, 0o644), "a missing folder is an error, not a panic")
}

func TestReplaceAndRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "db.duckdb.1.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte("file"), 0o644))
	require.NoError(t, SyncFile(tmp))
	require.NoError(t, Replace(tmp, filepath.Join(dir, "db.duckdb")))
	assertOnly(t, dir, "db.duckdb")

	// A writer that died between create and rename leaves .feed.xml.<random>.tmp behind.
	for _, n := range []string{".feed.xml.123.tmp", ".feed.xml.9.tmp", ".other.1.tmp", "feed.xml"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
	}
	require.NoError(t, RemoveTemps(dir, "feed.xml"))
	assertOnly(t, dir, ".other.1.tmp", "db.duckdb", "feed.xml")
}

func TestLocksExcludeOtherHolders(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slot-0")
	assert.False(t, Held(filepath.Join(dir, "absent")), "no lock file: nobody holds it")

	a, err := TryLock(path, true)
	require.NoError(t, err)
	// flock belongs to the open file description, so a second open in this process is a second
	// holder, as another process would be.
	_, err = TryLock(path, true)
	require.ErrorIs(t, err, ErrLocked)
	assert.True(t, Held(path))

	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	_, err = LockWait(ctx, path, false, 10*time.Millisecond)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the wait ends with its context")

	got := make(chan error, 1)
	go func() {
		l, err := LockWait(context.Background(), path, false, 5*time.Millisecond)
		if err == nil {
			err = l.Unlock()
		}
		got <- err
	}()
	require.NoError(t, a.Unlock())
	require.NoError(t, a.Unlock(), "a second Unlock is harmless")
	require.NoError(t, <-got, "the waiter gets the lock once it is released")
	assert.False(t, Held(path))

	d, err := TryLock(dir, false)
	require.NoError(t, err, "a folder can be locked too")
	_, err = TryLock(dir, false)
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, d.Unlock())
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var have []string
	for _, e := range entries {
		have = append(have, e.Name())
	}
	assert.ElementsMatch(t, names, have)
}
