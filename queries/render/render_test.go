package render_test

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries/render"
)

// TestCases reads each case's value from DuckDB and checks its table cell, CSV field and JSON.
func TestCases(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, c := range render.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rows, err := db.Query("SELECT " + c.Expr + " AS v")
			require.NoError(t, err)
			defer rows.Close()
			res, truncated, err := render.Read(rows, 0)
			require.NoError(t, err)
			assert.False(t, truncated)
			require.Len(t, res.Rows, 1)
			v := res.Rows[0][0]
			assert.Equal(t, c.Table, render.Cell(v, 0), "table")
			var b bytes.Buffer
			cw := csv.NewWriter(&b)
			require.NoError(t, cw.Write([]string{render.Text(v, ""), "x"}))
			cw.Flush()
			back, err := csv.NewReader(&b).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, [][]string{{c.CSV, "x"}}, back, "csv")
			j, err := json.Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, c.JSON, string(j), "json")
			assert.True(t, json.Valid(j))
		})
	}
}

// Read stops at max rows and says more were left.
func TestReadTruncates(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT range AS n FROM range(5)")
	require.NoError(t, err)
	defer rows.Close()
	res, truncated, err := render.Read(rows, 3)
	require.NoError(t, err)
	assert.True(t, truncated)
	assert.Equal(t, [][]any{{render.Number("0")}, {render.Number("1")}, {render.Number("2")}}, res.Rows)
}

// Reporters' text with terminal escape sequences is printed escaped in a table, never raw.
func TestPrintableEscapesControls(t *testing.T) {
	for in, want := range map[string]string{
		"Thiệu Thành":             "Thiệu Thành",
		"a\nb\tc":                 `a\nb\tc`,
		"\x1b]0;owned\x07\x1b[2J": `\x1b]0;owned\a\x1b[2J`,
		"x\u202egnp.exe":          `x\u202egnp.exe`,
		"\u009b31m":               `\u009b31m`,
		string([]byte{0xff, 'a'}): "\ufffda",
	} {
		require.Equal(t, want, render.Printable(in), "%q", in)
		require.Equal(t, want, render.Cell(in, 0), "%q", in)
	}
}
