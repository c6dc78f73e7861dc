package queries_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/warehouse/batch"
	"github.com/thanhhoa-ntm/ntm/warehouse/compaction"
)

// assessment is a criterion.assessed line; ref is its decision_ref, left out when empty.
func assessment(id, ref string) []byte {
	refMember := ""
	if ref != "" {
		refMember = fmt.Sprintf(`,"decision_ref":%q`, ref)
	}
	return fmt.Appendf(nil, `{"event_id":%q,"event_type":"criterion.assessed","schema_version":1,"occurred_at":"2025-06-01T09:00:00+07:00",`+
		`"recorded_at":"2025-06-01T10:00:00+07:00","source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"14758",`+
		`"payload":{"criteria_set":"commune_ntm","criterion":"8","indicator":"8.4","met":true,"assessed_on":"2025-06-01"%s}}`, id, refMember)
}

// A warehouse written by a version whose field table lacked criterion.assessed's decision_ref
// (simulated: the column is dropped from the table, and its files are written without it)
// gains the column when this version opens it: a new field ID, the old files read as null, the
// new events keep their values, and a compaction merges old and new files.
func TestSchemaEvolutionAddsAFieldsColumn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	// The older version's warehouse: no decision_ref column, one file of two assessments.
	old, err := warehouse.Open(ctx, dir, true)
	require.NoError(t, err)
	tbl, err := old.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	tx := tbl.NewTransaction()
	require.NoError(t, tx.UpdateSchema(true, false).DeleteColumn([]string{"decision_ref"}).Commit())
	tbl, err = tx.Commit(ctx)
	require.NoError(t, err)
	_, found := tbl.Schema().FindFieldByName("decision_ref")
	require.False(t, found)
	oldIDs := fieldIDs(tbl.Schema())

	arrowSchema, err := batch.ArrowSchema(tbl)
	require.NoError(t, err)
	require.Equal(t, []string{"decision_ref"}, batch.MissingColumns(arrowSchema), "ingest would refuse this table")
	b := batch.NewEvents(memory.DefaultAllocator, arrowSchema, events.CriterionAssessed)
	for i, id := range []string{"old-1", "old-2"} {
		ev, err := events.Decode(assessment(id, ""))
		require.NoError(t, err)
		b.Append(&ev, uint64(i+1), batch.Origin{Topic: "old", Partition: 0, Offset: int64(i)})
	}
	rec := b.Build(time.Now())
	oldFile := filepath.Join(old.DataDir(warehouse.EventsLog), "event_type=criterion.assessed", "old-version.parquet")
	_, err = batch.WriteFile(oldFile, rec)
	rec.Release()
	b.Release()
	require.NoError(t, err)
	fileSchema, err := batch.FileSchema(oldFile)
	require.NoError(t, err)
	require.Empty(t, fileSchema.FieldIndices("decision_ref"), "the old file has no decision_ref column")
	tx = tbl.NewTransaction()
	require.NoError(t, tx.AddFiles(ctx, []string{oldFile}, nil, false))
	_, err = tx.Commit(ctx)
	require.NoError(t, err)
	// The older version's ingest wrote the schema file that readers list first, without the column.
	empty := array.NewRecordBuilder(memory.DefaultAllocator, arrowSchema)
	emptyRec := empty.NewRecordBatch()
	_, err = batch.WriteFile(old.SchemaFile(warehouse.EventsLog), emptyRec)
	emptyRec.Release()
	empty.Release()
	require.NoError(t, err)
	require.NoError(t, old.Close())

	// This version opens it: the column comes back as a new optional field.
	f := &fixture{addr: kit.StartBroker(t)}
	f.wh, err = warehouse.Open(ctx, dir, true)
	require.NoError(t, err)
	t.Cleanup(func() { f.wh.Close() })
	tbl, err = f.wh.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	ref, found := tbl.Schema().FindFieldByName("decision_ref")
	require.True(t, found)
	require.False(t, ref.Required)
	for name, id := range oldIDs {
		have, ok := tbl.Schema().FindFieldByName(name)
		require.True(t, ok, name)
		require.Equal(t, id, have.ID, "%s keeps its field ID", name)
		require.Less(t, id, ref.ID, "the new column has a new field ID")
	}
	reopened, err := warehouse.Open(ctx, dir, true)
	require.NoError(t, err)
	require.NoError(t, reopened.Close())
	again, err := f.wh.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	require.Equal(t, tbl.Schema().ID, again.Schema().ID, "opening an evolved table changes nothing")

	// New events through the real ingest, with and without the field.
	f.ingestLines(t, [][]byte{assessment("new-1", "QĐ-12/UBND"), assessment("new-2", "")})
	schemaFile, err := batch.FileSchema(f.wh.SchemaFile(warehouse.EventsLog))
	require.NoError(t, err)
	require.Len(t, schemaFile.FieldIndices("decision_ref"), 1, "ingest rewrote the schema file with the new column")
	want := []string{"new-1=QĐ-12/UBND", "new-2=<null>", "old-1=<null>", "old-2=<null>"}
	require.Equal(t, want, decisionRefs(t, f))

	// Compaction merges the old file (without the column) and the new ones (with it).
	res, err := compaction.Run(ctx, f.wh, compaction.Options{Tables: []string{warehouse.EventsLog}, MinFiles: 2,
		Merge: func(ctx context.Context, out string, sources []string, meta map[string]string) (int64, error) {
			return batch.Merge(ctx, memory.DefaultAllocator, out, sources, meta)
		}})
	require.NoError(t, err)
	require.Positive(t, res[0].Replaced)
	require.Equal(t, want, decisionRefs(t, f))
}

func fieldIDs(s *iceberg.Schema) map[string]int {
	out := map[string]int{}
	for _, f := range s.Fields() {
		out[f.Name] = f.ID
	}
	return out
}

// decisionRefs reads the assessments' decision_ref through the SQL surface, both from the
// stored log and from the type's view of effective events.
func decisionRefs(t *testing.T, f *fixture) []string {
	t.Helper()
	db := f.db(t)
	var out []string
	for _, q := range []string{
		"SELECT event_id || '=' || coalesce(decision_ref, '<null>') FROM events_log_data WHERE event_type = 'criterion.assessed' ORDER BY event_id",
		"SELECT event_id || '=' || coalesce(decision_ref, '<null>') FROM criterion_assessed ORDER BY event_id",
	} {
		rows, err := db.QueryContext(context.Background(), q)
		require.NoError(t, err)
		var got []string
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			got = append(got, s)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		if out != nil {
			require.Equal(t, out, got, q)
		}
		out = got
	}
	return out
}

// v2Lines are a dissolution and a split, as contract v2 sends them.
var v2Lines = [][]byte{
	[]byte(`{"event_id":"v2-dissolve","event_type":"admin_unit.dissolved","schema_version":2,"occurred_at":"2025-07-01T00:00:00+07:00",` +
		`"recorded_at":"2025-07-01T08:00:00+07:00","source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"398",` +
		`"payload":{"code":"398"}}`),
	[]byte(`{"event_id":"v2-split","event_type":"admin_unit.split","schema_version":2,"occurred_at":"2025-07-01T00:00:00+07:00",` +
		`"recorded_at":"2025-07-01T08:00:00+07:00","source":{"level":"province","unit_code":"38","system":"ntm-test"},"unit_code":"15772",` +
		`"payload":{"from_code":"15772","into":[{"code":"15772","name":"Thiệu Hóa","kind":"xã","parent_code":"38","share":0.5},` +
		`{"code":"15796","name":"Thiệu Quang","kind":"xã","parent_code":"38","share":0.25},` +
		`{"code":"15835","name":"Thiệu Trung","kind":"xã","parent_code":"38","share":0.25}]}}`),
}

// A warehouse written before contract v2 lacks the columns of its two types; this version adds
// them when it opens it (into's members as parallel lists, into_shares a list of doubles), and
// the split's parts read back in order through the SQL surface, zipped by unnest.
func TestSchemaEvolutionAddsTheV2Columns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	v2 := []string{"from_code", "into_codes", "into_names", "into_kinds", "into_parent_codes", "into_shares"}

	old, err := warehouse.Open(ctx, dir, true)
	require.NoError(t, err)
	tbl, err := old.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	tx := tbl.NewTransaction()
	up := tx.UpdateSchema(true, false)
	for _, name := range v2 {
		up.DeleteColumn([]string{name})
	}
	require.NoError(t, up.Commit())
	tbl, err = tx.Commit(ctx)
	require.NoError(t, err)
	for _, name := range v2 {
		_, found := tbl.Schema().FindFieldByName(name)
		require.False(t, found, name)
	}
	oldIDs := fieldIDs(tbl.Schema())
	require.NoError(t, old.Close())

	f := &fixture{addr: kit.StartBroker(t)}
	f.wh, err = warehouse.Open(ctx, dir, true)
	require.NoError(t, err)
	t.Cleanup(func() { f.wh.Close() })
	tbl, err = f.wh.Load(ctx, warehouse.EventsLog)
	require.NoError(t, err)
	for _, name := range v2 {
		col, found := tbl.Schema().FindFieldByName(name)
		require.True(t, found, name)
		require.False(t, col.Required, name)
		for _, id := range oldIDs {
			require.Less(t, id, col.ID, "%s has a new field ID", name)
		}
	}
	shares, _ := tbl.Schema().FindFieldByName("into_shares")
	require.Equal(t, iceberg.ListType{ElementID: shares.Type.(*iceberg.ListType).ElementID, Element: iceberg.PrimitiveTypes.Float64}, *shares.Type.(*iceberg.ListType))

	f.ingestLines(t, v2Lines)
	_, dead := kit.Counts(t, f.wh)
	require.Empty(t, dead)
	db := f.db(t)
	var code string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT code FROM admin_unit_dissolved").Scan(&code))
	require.Equal(t, "398", code)
	rows, err := db.QueryContext(ctx, `SELECT from_code, unnest(into_codes), unnest(into_names), unnest(into_kinds),
		unnest(into_parent_codes), unnest(into_shares) FROM admin_unit_split`)
	require.NoError(t, err)
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var from, code, name, kind, parent string
		var share float64
		require.NoError(t, rows.Scan(&from, &code, &name, &kind, &parent, &share))
		parts = append(parts, fmt.Sprintf("%s→%s %s %s %s %g", from, code, name, kind, parent, share))
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"15772→15772 Thiệu Hóa xã 38 0.5", "15772→15796 Thiệu Quang xã 38 0.25", "15772→15835 Thiệu Trung xã 38 0.25"}, parts)
}
