package writerbench

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

// The variants copy warehouse/batch's writer properties: with every setting as there, the copy writes
// the same bytes as batch.WriteFile, so that a variant differs from production in its one
// setting only.
func TestPropertiesCopyProduction(t *testing.T) {
	ctx := context.Background()
	d, err := Load(ctx, t.TempDir(), memory.NewGoAllocator(), Options{Scale: generate.Small, Seed: 1, FlushBytes: 4 << 20})
	require.NoError(t, err)
	defer d.Release()
	dir := t.TempDir()
	same := pqarrowWriter(true, false, false)
	for _, tb := range d.Tables {
		a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
		_, err := batch.WriteFile(a, tb.Record)
		require.NoError(t, err)
		_, err = same(ctx, b, tb)
		require.NoError(t, err)
		want, err := os.ReadFile(a)
		require.NoError(t, err)
		got, err := os.ReadFile(b)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s: the copied properties write other bytes than batch.WriteFile", tb.Type)
		require.NoError(t, os.Remove(a))
		require.NoError(t, os.Remove(b))
	}
}
