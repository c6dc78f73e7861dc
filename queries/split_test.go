package queries_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/thanhhoa-ntm/ntm/queries"
)

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		stmts      []string
		pending    bool
	}{
		{name: "one statement", text: "SELECT 1;\n", stmts: []string{"SELECT 1;"}},
		{name: "open statement", text: "SELECT 1,\n", pending: true},
		{name: "two on a line and an open third", text: "SELECT 1; SELECT 2;SELECT\n",
			stmts: []string{"SELECT 1;", "SELECT 2;"}, pending: true},
		{name: "empty statements dropped", text: ";\n -- only a comment;\n;\n"},
		{name: "comment only is not open", text: "-- a note\n"},
		{name: "semicolon in a line comment", text: "SELECT 1 -- one; two\n", pending: true},
		{name: "semicolon in a block comment", text: "SELECT /* ; */ 1;\n", stmts: []string{"SELECT /* ; */ 1;"}},
		{name: "open block comment", text: "/* a;\n", pending: true},
		{name: "semicolon in a string", text: "SELECT 'a;''b';\n", stmts: []string{"SELECT 'a;''b';"}},
		{name: "open string", text: "SELECT 'a;\n", pending: true},
		{name: "semicolon in a quoted identifier", text: "SELECT 1 AS \"x;y\";\n", stmts: []string{"SELECT 1 AS \"x;y\";"}},
		{name: "dollar-quoted string", text: "SELECT $t$a;$$b$t$;\n", stmts: []string{"SELECT $t$a;$$b$t$;"}},
		{name: "a comment's semicolon at a line's end", text: "SELECT 1 -- one;\n, 2;\n", stmts: []string{"SELECT 1 -- one;\n, 2;"}},
		{name: "a macro over lines", text: "CREATE MACRO m(a) AS\n  a + 1;\nSELECT m(1);\n",
			stmts: []string{"CREATE MACRO m(a) AS\n  a + 1;", "SELECT m(1);"}},
		{name: "parameter is not a dollar quote", text: "SELECT $1; SELECT 2;\n", stmts: []string{"SELECT $1;", "SELECT 2;"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, _, pending := queries.SplitStatements(tc.text)
			assert.Equal(t, tc.stmts, stmts)
			assert.Equal(t, tc.pending, pending)
		})
	}
}
