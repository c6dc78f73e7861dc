package faultfs_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest/faultfs"
)

// The chosen file breaks after After bytes with a short write that leaves them on disk; from
// then on every create and write of a matching file fails, and files that do not match are
// untouched.
func TestBreaksAndStaysBroken(t *testing.T) {
	dir := t.TempDir()
	fs := faultfs.New(faultfs.Fault{Err: syscall.ENOSPC, File: 2, After: 5,
		Match: func(p string) bool { return filepath.Ext(p) == ".parquet" }})
	path := func(name string) string { return filepath.Join(dir, "sub", name) }

	a, err := fs.Create(path("a.parquet"))
	require.NoError(t, err)
	_, err = a.Write([]byte("0123456789"))
	require.NoError(t, err, "the first file is whole so far")

	b, err := fs.Create(path("b.parquet"))
	require.NoError(t, err)
	n, err := b.Write([]byte("0123456789"))
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Equal(t, 5, n, "a short write")
	require.NoError(t, b.Close())
	got, err := os.ReadFile(path("b.parquet"))
	require.NoError(t, err)
	require.Equal(t, "01234", string(got), "the half-written file is on disk")
	_, err = a.Write([]byte("x"))
	require.ErrorIs(t, err, syscall.ENOSPC, "files already open fail too")
	require.NoError(t, a.Close())

	_, err = fs.Create(path("c.parquet"))
	require.ErrorIs(t, err, syscall.ENOSPC, "a full disk stays full")
	other, err := fs.Create(path("schema.tmp"))
	require.NoError(t, err, "files that do not match are not broken")
	require.NoError(t, other.Close())
	require.NoError(t, fs.Remove(path("b.parquet")))

	s := fs.Stats()
	require.Equal(t, 3, s.Created)
	require.Equal(t, 1, s.FailedOpen)
	require.Equal(t, 1, s.ShortWrites)
	require.Equal(t, int64(15), s.Bytes)
}
