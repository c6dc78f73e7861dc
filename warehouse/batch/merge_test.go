package batch_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
)

// Merge keeps the columns of every source (nulls where a source lacks one) and the metadata.
func TestMergeUnionsColumns(t *testing.T) {
	dir := t.TempDir()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	field := func(name string, id int) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true,
			Metadata: arrow.NewMetadata([]string{"PARQUET:field_id"}, []string{strconv.Itoa(id)})}
	}
	write := func(name string, fields []arrow.Field, vals ...string) string {
		b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
		defer b.Release()
		for _, v := range vals {
			for i := range fields {
				b.Field(i).(*array.StringBuilder).Append(v)
			}
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		p := filepath.Join(dir, name)
		_, err := batch.WriteFile(p, rec)
		require.NoError(t, err)
		return p
	}
	a := write("a.parquet", []arrow.Field{field("x", 1)}, "a1", "a2")
	b := write("b.parquet", []arrow.Field{field("x", 1), field("y", 2)}, "b1")
	out := filepath.Join(dir, "out", "m.parquet")
	size, err := batch.Merge(context.Background(), mem, out, []string{a, b}, map[string]string{"k": "v"})
	require.NoError(t, err)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, st.Size(), size)

	pf, err := file.OpenParquetFile(out, false)
	require.NoError(t, err)
	defer pf.Close()
	assert.Equal(t, "v", *pf.MetaData().KeyValueMetadata().FindValue("k"))
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	require.NoError(t, err)
	tbl, err := fr.ReadTable(context.Background())
	require.NoError(t, err)
	defer tbl.Release()
	require.Equal(t, int64(3), tbl.NumRows())
	var xs, ys []string
	for i, dst := range []*[]string{&xs, &ys} {
		for _, c := range tbl.Column(i).Data().Chunks() {
			for j := range c.Len() {
				*dst = append(*dst, c.ValueStr(j))
			}
		}
	}
	assert.Equal(t, []string{"a1", "a2", "b1"}, xs, "sources in order, rows in their order")
	assert.Equal(t, []string{"(null)", "(null)", "b1"}, ys)

	// Sources that disagree on a column cannot be merged, and nothing is left behind.
	c := write("c.parquet", []arrow.Field{field("x", 7)}, "c1")
	_, err = batch.Merge(context.Background(), mem, filepath.Join(dir, "bad.parquet"), []string{a, c}, nil)
	require.Error(t, err)
	assert.NoFileExists(t, filepath.Join(dir, "bad.parquet"))
}
