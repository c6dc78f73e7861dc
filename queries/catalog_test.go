package queries_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries"
)

// sdmxID is the SDMX identifier pattern (SDMX 2.1 IDType): a code may not contain '.', which
// separates the dimensions of a series key.
var sdmxID = regexp.MustCompile(`^[A-Za-z0-9_@$-]+$`)

func TestCatalogNamesEveryIndicator(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson")
	db := f.db(t)
	cat, err := queries.Catalog(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, cat, 20, "DOMAIN.md defines 20 indicators")

	rows := compute(t, db, "2025", nil)
	computed := map[string]string{}
	for _, r := range rows {
		computed[r.IndicatorID] = r.Target
	}
	codes := map[string]bool{}
	for _, i := range cat {
		assert.Regexp(t, sdmxID, i.SDMXCode, i.ID)
		assert.False(t, codes[i.SDMXCode], "%s: SDMX code %s given twice", i.ID, i.SDMXCode)
		codes[i.SDMXCode] = true
		assert.NotEmpty(t, i.NameVI, i.ID)
		assert.NotEmpty(t, i.NameEN, i.ID)
		assert.NotEmpty(t, i.Definition, i.ID)
		assert.Contains(t, []string{"flow", "stock"}, i.Kind, i.ID)
		target, ok := computed[i.ID]
		if assert.True(t, ok, "%s is computed", i.ID) {
			assert.Equal(t, target, i.Target, "%s: the catalog's target is the one indicators() uses", i.ID)
		}
	}
	assert.Equal(t, "GOV_DOSSIERS_ONLINE_PROVINCE", cat[0].SDMXCode)
	assert.Equal(t, "gov.dossiers_online.province", cat[0].ID)
	assert.Equal(t, "flow", cat[0].Kind)
	assert.Equal(t, "1.00", cat[0].Target)
}

// TestEveryColumnIsDocumented: an analyst's \d (or .schema) explains every column of every
// table and view of a session, in English with the Vietnamese term.
func TestEveryColumnIsDocumented(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "units.ndjson")
	db := f.db(t)
	rows, err := db.Query(`SELECT table_name || '.' || column_name FROM duckdb_columns()
WHERE NOT internal AND schema_name = 'main' AND (comment IS NULL OR comment = '') ORDER BY 1`)
	require.NoError(t, err)
	defer rows.Close()
	var bare []string
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		bare = append(bare, c)
	}
	require.NoError(t, rows.Err())
	assert.Empty(t, bare, "columns without a comment")

	var tables int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM (
    SELECT table_name AS n, comment FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
    UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main')
WHERE comment IS NULL OR comment = ''`).Scan(&tables))
	assert.Zero(t, tables, "tables and views without a comment")
}
