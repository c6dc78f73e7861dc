package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/queries/render"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
)

type analyst struct{}

func (analyst) Role(*http.Request) (string, int, error) { return "analyst", http.StatusOK, nil }

// TestValuesRenderAlikeInCLIAndHTTP runs every case of the renderer's contract through ntm sql
// (table, csv, json) and through POST /api/v1/sql, in one query, and checks each surface
// writes each value as the contract says: one renderer, no drift.
func TestValuesRenderAlikeInCLIAndHTTP(t *testing.T) {
	dir := t.TempDir()
	wh, err := warehouse.Open(context.Background(), dir, true)
	require.NoError(t, err)
	exprs := make([]string, len(render.Cases))
	for i, c := range render.Cases {
		exprs[i] = fmt.Sprintf("%s AS c%d", c.Expr, i)
	}
	query := "SELECT " + strings.Join(exprs, ", ")

	// HTTP.
	srv := httptest.NewServer(web.SQLHandler(web.SQLConfig{Warehouse: wh, Auth: analyst{}}))
	defer srv.Close()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var answer struct {
		Rows [][]json.RawMessage `json:"rows"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	require.Len(t, answer.Rows, 1)
	wh.Close()

	// CLI, each format.
	code, jsonOut, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "json", query)
	require.Equal(t, exitOK, code, errOut)
	var cliRows []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(jsonOut), &cliRows))
	require.Len(t, cliRows, 1)
	code, csvOut, errOut := ntm(t, "", "sql", "--warehouse", dir, "--format", "csv", query)
	require.Equal(t, exitOK, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 2)
	// The table: the separator line of dashes gives each column's width.
	code, tableOut, errOut := ntm(t, "", "sql", "--warehouse", dir, query)
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(tableOut, "\n")
	require.GreaterOrEqual(t, len(lines), 3, tableOut)
	row := []rune(lines[2])
	var tables []string
	at := 0
	for _, dashes := range strings.Split(lines[1], "  ") {
		w := len(dashes)
		tables = append(tables, strings.TrimRight(string(row[at:min(at+w, len(row))]), " "))
		at += w + 2
	}
	require.Len(t, tables, len(render.Cases))

	for i, c := range render.Cases {
		t.Run(c.Name, func(t *testing.T) {
			assert.JSONEq(t, c.JSON, string(answer.Rows[0][i]), "HTTP")
			assert.Equal(t, c.JSON, string(cliRows[0][fmt.Sprintf("c%d", i)]), "ntm sql --format json")
			assert.Equal(t, c.CSV, recs[1][i], "ntm sql --format csv")
			assert.Equal(t, c.Table, tables[i], "ntm sql")
		})
	}
}
