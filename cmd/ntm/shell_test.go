package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chzyer/readline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/thanhhoa-ntm/ntm/queries/session"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

func TestShell(t *testing.T) {
	dir, ev, _ := ingested(t, 3000)
	var total int64
	for _, n := range ev {
		total += n
	}

	t.Run("script", func(t *testing.T) {
		script := `.tables
.schema events_log
SELECT event_type,
       count(*) AS n
FROM events_log -- a comment; not the end
GROUP BY 1
ORDER BY 1;
.mode csv
SELECT count(*) AS n, 'a;b' AS s FROM events_log;
SELEC nonsense;
SELECT 1 + 1 AS two;
.quit
SELECT 'after quit' AS x;
`
		code, out, errOut := ntm(t, script, "sql", "--warehouse", dir)
		require.Equal(t, exitOK, code, errOut)

		// .tables: one name a line, sorted, until the header of .schema.
		lines := strings.Split(out, "\n")
		end := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "events_log: ") })
		require.Positive(t, end, out)
		tables := lines[:end]
		assert.True(t, slices.IsSorted(tables), tables)
		for _, name := range []string{"events_log", "dead_letters", "admin_units", "dossier_completed"} {
			assert.Contains(t, tables, name)
		}
		assert.NotContains(t, tables, "duckdb_views", "internal views are not listed")
		for _, macro := range []string{"indicators(p, known_at)", "units_at(on_date, known_at)", "quality_late(start_d, end_d, known_at)"} {
			assert.Contains(t, tables, macro, "the macros are listed with their parameters")
		}
		assert.NotContains(t, tables, "dossier_completed()", "the per-type views' helpers are not")

		// .schema events_log: the view's comment, then each column with its type and comment.
		assert.NotEqual(t, "events_log: ", lines[end], "the view has a comment")
		assert.Regexp(t, `(?m)^  event_id +VARCHAR +\S`, out)

		// The multi-line statement ran in the table mode, the rest in CSV.
		assert.Regexp(t, `(?m)^event_type +n$`, out)
		assert.Contains(t, out, "\nn,s\n"+strconv.FormatInt(total, 10)+",a;b\n")
		assert.Contains(t, out, "\ntwo\n2\n", "the statement after the error still runs")
		assert.NotContains(t, out, "after quit")

		assert.Regexp(t, `(?m)^error: .*SELEC`, errOut)
		assert.Equal(t, 1, strings.Count(errOut, "error:"), errOut)
		assert.NotContains(t, out+errOut, promptNew, "no prompts when the input is not a terminal")
		assert.NotContains(t, out+errOut, promptOpen)
	})

	t.Run("dot commands and mistakes", func(t *testing.T) {
		for _, tc := range []struct {
			name, script string
			out, errOut  []string // substrings expected
		}{
			{name: "unknown dot command", script: ".frobnicate\nSELECT 7 AS seven;\n",
				out: []string{"seven"}, errOut: []string{".frobnicate", ".help"}},
			{name: "help", script: ".help\n",
				out: []string{".tables", ".schema", ".mode table|csv|json", ".quit", "thoát", "quit"}},
			{name: "mode", script: ".mode\n.mode json\n.mode\nSELECT 5 AS five;\n.mode xml\n",
				out: []string{"table\njson\n", `"five": 5`}, errOut: []string{".mode"}},
			{name: "schema without name", script: ".schema\n",
				out: []string{"events_log ", "dead_letters ", "admin_units "}},
			{name: "schema of an unknown name", script: ".schema nowhere\n",
				errOut: []string{"nowhere", ".tables"}},
			{name: "schema lists the macros", script: ".schema\n",
				out: []string{"\nindicators(p, known_at)  ", "\nunits_at(on_date, known_at)  "}},
			{name: "schema of the targets", script: ".schema indicator_targets\n",
				out: []string{"indicator_targets: The plan's 2025 target", "(mã chỉ tiêu)\n", "(mục tiêu đến năm 2025)\n"}},
			{name: "schema of a macro", script: ".schema UNITS_AT\n",
				out: []string{"units_at(on_date, known_at): macro bảng / table macro: FROM units_at(…)\n"}},
			{name: "statements on one line and semicolons in quotes", script: "SELECT 'x;' AS a; SELECT $$y;$$ AS b; ;\n",
				out: []string{"\nx;\n", "\ny;\n"}},
			{name: "last statement without semicolon", script: "SELECT 9 AS nine\n",
				errOut: []string{"';'"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, out, errOut := ntm(t, tc.script, "sql", "--warehouse", dir)
				require.Equal(t, exitOK, code, errOut)
				for _, s := range tc.out {
					assert.Contains(t, out, s)
				}
				for _, s := range tc.errOut {
					assert.Contains(t, errOut, s)
				}
				if len(tc.errOut) == 0 {
					assert.Empty(t, errOut)
				} else {
					assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %s", errOut)
				}
			})
		}
	})

	t.Run("terminal", func(t *testing.T) {
		ctx := context.Background()
		wh, err := warehouse.Open(ctx, dir, false)
		require.NoError(t, err)
		defer wh.Close()
		db, _, err := session.Open(ctx, wh)
		require.NoError(t, err)
		defer db.Close()

		// Keys as a terminal sends them: Enter is CR, Ctrl-C abandons the open statement,
		// Ctrl-D on an empty line quits.
		keys := "SELECT 41 +\r\x03SELECT 1 AS one,\r2 AS two;\r.mode csv\rSELECT 3 AS three;\r\x04"
		in, keyboard := io.Pipe()
		go keyboard.Write([]byte(keys))
		defer keyboard.Close()
		history := filepath.Join(t.TempDir(), "sql_history")
		var out bytes.Buffer
		var screen lockedBuffer
		s := &shellState{db: db, mode: "table", stdout: &out, stderr: &screen}
		require.NoError(t, s.interactive(ctx, &readline.Config{
			Stdin:              in,
			Stdout:             &screen,
			Stderr:             &screen,
			HistoryFile:        history,
			FuncIsTerminal:     func() bool { return true },
			FuncMakeRaw:        func() error { return nil },
			FuncExitRaw:        func() error { return nil },
			FuncGetWidth:       func() int { return 120 },
			FuncOnWidthChanged: func(func()) {},
		}))

		assert.Equal(t, "one  two\n---  ---\n1    2\n(1 rows)\nthree\n3\n", out.String(), "the abandoned statement did not run")
		assert.Contains(t, screen.String(), promptNew)
		assert.Contains(t, screen.String(), promptOpen)
		saved, err := os.ReadFile(history)
		require.NoError(t, err)
		assert.Contains(t, string(saved), "2 AS two;\n.mode csv\n")
		// A statement typed over two lines is one history entry; an abandoned one is none.
		assert.Equal(t, "SELECT 1 AS one, 2 AS two;\n.mode csv\nSELECT 3 AS three;\n", string(saved))
	})
}

func TestShellHistoryEntries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string
	}{
		{"one line", []string{"SELECT 1;"}, []string{"SELECT 1;"}},
		{"lines joined", []string{"SELECT 1 AS one,", "   2 AS two", "", "FROM t;"}, []string{"SELECT 1 AS one, 2 AS two FROM t;"}},
		{"a comment at the end may stay", []string{"SELECT 1,", "2; -- two"}, []string{"SELECT 1, 2; -- two"}},
		// Joined, the comment would swallow what follows it: one entry a line instead.
		{"a comment inside", []string{"SELECT 1, -- one", "2;"}, []string{"SELECT 1, -- one", "2;"}},
		{"blank", []string{"  ", ""}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			s := &shellState{remember: func(e string) { got = append(got, e) }}
			s.record(tc.lines)
			assert.Equal(t, tc.want, got)
		})
	}
	// Without a terminal there is no history.
	(&shellState{}).record([]string{"SELECT 1;"})
}

func TestShellHistoryFile(t *testing.T) {
	home, state := t.TempDir(), t.TempDir()
	for _, tc := range []struct{ name, xdg, want string }{
		{name: "XDG state", xdg: state, want: filepath.Join(state, "ntm", "sql_history")},
		{name: "home", xdg: "", want: filepath.Join(home, ".ntm_sql_history")},
		{name: "relative XDG state is ignored", xdg: "relative/state", want: filepath.Join(home, ".ntm_sql_history")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("XDG_STATE_HOME", tc.xdg)
			assert.Equal(t, tc.want, historyFile())
			assert.DirExists(t, filepath.Dir(tc.want))
		})
	}
}

// lockedBuffer is a buffer that readline's goroutines may write to at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
