package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/chzyer/readline"

	"github.com/thanhhoa-ntm/ntm/queries"
	"github.com/thanhhoa-ntm/ntm/queries/session"
)

// The shell's prompts: the first for a new statement, the second while one is still open.
const (
	promptNew  = "ntm> "
	promptOpen = "...> "
)

const shellHelp = `Câu lệnh SQL kết thúc bằng ';' và có thể viết trên nhiều dòng.
SQL statements end with ';' and may span lines.

  .tables              liệt kê view, bảng và macro / list the views, tables and macros
  .schema [TÊN/NAME]   cột, kiểu và chú thích của TÊN; không có TÊN: mọi view, macro và chú thích
                       NAME's columns, types and comments; without NAME: every view's and
                       macro's comment
  .mode table|csv|json đổi định dạng kết quả / switch the output format
  .help                trợ giúp này / this help
  .quit, .exit         thoát (hoặc Ctrl-D) / quit (or Ctrl-D)

Ctrl-C huỷ câu lệnh đang gõ hoặc đang chạy / Ctrl-C cancels the statement being typed or run.`

// errAbandoned is returned by a lineSource when the user abandons the statement being typed
// (Ctrl-C at the prompt).
var errAbandoned = errors.New("statement abandoned")

// lineSource returns the shell's next input line without its end of line; open says whether a
// statement is still waiting for its ';'. It returns io.EOF at the end of the input.
type lineSource func(open bool) (string, error)

// stmtContext makes the context one statement runs under.
type stmtContext func(context.Context) (context.Context, context.CancelFunc)

// shellState is the state of one shell: the read-only DuckDB session and the output mode.
type shellState struct {
	db             *sql.DB
	mode           string // table, csv or json
	stdout, stderr io.Writer
	// remember adds an entry to the history; nil when there is none (input that is no terminal).
	remember func(entry string)
}

// shell reads statements ending in ';' and dot commands, and runs each; errors are printed and
// the shell goes on. On a terminal it edits lines with readline and keeps a history; otherwise
// (a pipe, a file) it reads plain lines and prints no prompts.
func shell(ctx context.Context, db *sql.DB, format string, e env) error {
	s := &shellState{db: db, mode: format, stdout: e.stdout, stderr: e.stderr}
	if f, ok := e.stdin.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(e.stderr, "ntm sql: kết thúc câu lệnh bằng ';', .help để xem lệnh, thoát bằng Ctrl-D / end statements with ';', .help lists the commands, quit with Ctrl-D")
		return s.interactive(ctx, &readline.Config{
			Stdin:          readline.NewCancelableStdin(f),
			Stdout:         e.stderr, // the prompts and the echo; results go to e.stdout
			Stderr:         e.stderr,
			HistoryFile:    historyFile(),
			FuncIsTerminal: func() bool { return true },
		})
	}
	return s.run(ctx, plainLines(e.stdin), context.WithCancel)
}

// interactive runs the shell with readline configured by cfg.
//
// Ctrl-C belongs to the shell: at the prompt it abandons the statement being typed (readline
// reads it as a key), and while a statement runs it cancels only that statement. The session
// therefore does not end with the command's context, which main cancels on an interrupt;
// SIGTERM still ends it.
func (s *shellState) interactive(ctx context.Context, cfg *readline.Config) error {
	ctx, stop := signal.NotifyContext(context.WithoutCancel(ctx), syscall.SIGTERM)
	defer stop()
	cfg.Prompt = promptNew
	// The shell saves history itself, a statement at a time, rather than readline a line at a
	// time: recalling a statement typed over several lines must bring back all of it.
	cfg.DisableAutoSaveHistory = true
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return fmt.Errorf("readline: %w", err)
	}
	defer rl.Close()
	s.remember = func(entry string) { _ = rl.SaveHistory(entry) }
	defer func() { s.remember = nil }()
	// Closing readline ends a pending read, so a SIGTERM at the prompt ends the shell.
	unblock := context.AfterFunc(ctx, func() { rl.Close() })
	defer unblock()
	next := func(open bool) (string, error) {
		if open {
			rl.SetPrompt(promptOpen)
		} else {
			rl.SetPrompt(promptNew)
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			return "", errAbandoned
		}
		return line, err
	}
	return s.run(ctx, next, func(ctx context.Context) (context.Context, context.CancelFunc) {
		return signal.NotifyContext(ctx, os.Interrupt)
	})
}

// plainLines reads lines from r, with no prompts and no editing.
func plainLines(r io.Reader) lineSource {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	return func(bool) (string, error) {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return "", fmt.Errorf("read input: %w", err)
			}
			return "", io.EOF
		}
		return strings.TrimSuffix(sc.Text(), "\r"), nil
	}
}

// historyFile is where the shell keeps its history: $XDG_STATE_HOME/ntm/sql_history, else
// ~/.ntm_sql_history. History is a convenience: when neither can be had there is none ("").
func historyFile() string {
	if state := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(state) {
		dir := filepath.Join(state, "ntm")
		if err := os.MkdirAll(dir, 0o700); err == nil {
			return filepath.Join(dir, "sql_history")
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".ntm_sql_history")
	}
	return ""
}

// run reads lines from next until the end of the input or .quit, and runs each statement and
// dot command under a context from stmt.
func (s *shellState) run(ctx context.Context, next lineSource, stmt stmtContext) error {
	var open strings.Builder // a statement not yet ended by ';'
	var typed []string       // the lines typed since the last history entry
	for {
		line, err := next(open.Len() > 0)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		switch {
		case errors.Is(err, errAbandoned):
			open.Reset()
			typed = typed[:0]
			continue
		case errors.Is(err, io.EOF):
			if open.Len() > 0 {
				fmt.Fprintln(s.stderr, "error: câu lệnh cuối thiếu ';' nên không chạy / the last statement lacks its ';' and was not run")
			}
			return nil
		case err != nil:
			return err
		}
		if open.Len() == 0 {
			if cmd := strings.TrimSpace(line); strings.HasPrefix(cmd, ".") {
				s.record([]string{cmd})
				qctx, cancel := stmt(ctx)
				quit, err := s.dot(qctx, cmd)
				cancel()
				if err != nil {
					fmt.Fprintln(s.stderr, "error:", err)
				}
				if quit {
					return nil
				}
				continue
			}
		}
		open.WriteString(line)
		open.WriteByte('\n')
		typed = append(typed, line)
		stmts, rest, pending := queries.SplitStatements(open.String())
		open.Reset()
		if pending {
			open.WriteString(rest)
		} else {
			s.record(typed)
			typed = typed[:0]
		}
		for _, q := range stmts {
			qctx, cancel := stmt(ctx)
			err := runQuery(qctx, s.db, q, s.mode, s.stdout)
			interrupted := qctx.Err() != nil && ctx.Err() == nil
			cancel()
			if interrupted {
				// The rest of what was typed with it is dropped too.
				fmt.Fprintln(s.stderr, "đã huỷ câu lệnh / statement cancelled")
				break
			}
			if err != nil {
				fmt.Fprintln(s.stderr, "error:", err)
			}
		}
	}
}

// record adds the lines of one finished input (statements, or a dot command) to the history as
// one entry, its lines joined by spaces, since the history file holds an entry a line. A line
// holding "--" may end in a comment, which would swallow the lines joined after it; such input
// is kept a line an entry, as typed. Blank input is not kept.
func (s *shellState) record(lines []string) {
	if s.remember == nil {
		return
	}
	var parts []string
	split := false
	for i, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			parts = append(parts, t)
			split = split || (i < len(lines)-1 && strings.Contains(l, "--"))
		}
	}
	if split {
		for _, p := range parts {
			s.remember(p)
		}
		return
	}
	if len(parts) > 0 {
		s.remember(strings.Join(parts, " "))
	}
}

// dot runs a dot command; quit says the shell should end.
func (s *shellState) dot(ctx context.Context, line string) (quit bool, err error) {
	args := strings.Fields(strings.TrimSuffix(line, ";"))
	switch args[0] {
	case ".quit", ".exit":
		return true, nil
	case ".help":
		fmt.Fprintln(s.stdout, shellHelp)
		return false, nil
	case ".mode":
		switch {
		case len(args) == 1:
			fmt.Fprintln(s.stdout, s.mode)
		case len(args) == 2 && (args[1] == "table" || args[1] == "csv" || args[1] == "json"):
			s.mode = args[1]
		default:
			return false, errors.New(".mode: dùng / use table, csv or json")
		}
		return false, nil
	case ".tables":
		if len(args) != 1 {
			return false, errors.New(".tables takes no argument; see .help")
		}
		return false, s.tables(ctx)
	case ".schema":
		switch len(args) {
		case 1:
			return false, s.views(ctx)
		case 2:
			return false, s.columns(ctx, strings.Trim(args[1], `"`))
		}
		return false, errors.New(".schema takes at most one NAME; see .help")
	}
	return false, fmt.Errorf("lệnh không rõ / unknown command %s; xem / see .help", args[0])
}

// relations are the views and tables users query: DuckDB's own catalog views are internal, and
// the schema of a derived state's tables of effective events (session.DerivedSchema) holds what
// the per-type views read, as events_by_type does.
const relations = `SELECT view_name AS name, coalesce(comment, '') AS comment FROM duckdb_views() WHERE NOT internal
UNION ALL
SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE NOT internal AND schema_name <> '` + session.DerivedSchema + `'`

// macros are the session's macros that users call (indicators(p, known_at), units_at,
// quality_*, ...), each named with its parameters; the events_by_type schema holds only the
// per-type views' helpers. A macro without a comment says what kind it is.
const macros = `SELECT function_name || '(' || array_to_string(parameters, ', ') || ')' AS name,
       coalesce(comment, CASE function_type WHEN 'table_macro' THEN 'macro bảng / table macro: FROM ' || function_name || '(…)'
                                            ELSE 'macro / scalar macro' END) AS comment,
       function_name
FROM duckdb_functions()
WHERE NOT internal AND function_type IN ('macro', 'table_macro') AND schema_name = 'main'`

// listed is what .tables and .schema list: the views, the tables and the macros.
const listed = relations + "\nUNION ALL\nSELECT name, comment FROM (" + macros + ")"

// tables prints the name of each view and table, and each macro with its parameters, one a
// line, sorted.
func (s *shellState) tables(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT name FROM ("+listed+") ORDER BY name")
	if err != nil {
		return fmt.Errorf(".tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf(".tables: %w", err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf(".tables: %w", err)
	}
	for _, n := range names {
		fmt.Fprintln(s.stdout, n)
	}
	return nil
}

// views prints every view, table and macro with its comment.
func (s *shellState) views(ctx context.Context) error {
	lines, err := s.query(ctx, "SELECT DISTINCT name, comment FROM ("+listed+") ORDER BY name")
	if err != nil {
		return fmt.Errorf(".schema: %w", err)
	}
	return s.aligned(lines)
}

// columns prints the comment of the view or table name, then each of its columns with its type
// and comment. Names match as DuckDB matches identifiers: regardless of case.
func (s *shellState) columns(ctx context.Context, name string) error {
	about, err := s.query(ctx, "SELECT name, comment FROM ("+relations+") WHERE lower(name) = lower(?)", name)
	if err != nil {
		return fmt.Errorf(".schema: %w", err)
	}
	if len(about) == 0 {
		// A macro has no columns to list until it is called: its parameters and comment say
		// how to call it.
		m, err := s.query(ctx, "SELECT DISTINCT name, comment FROM ("+macros+") WHERE lower(function_name) = lower(?) ORDER BY name", name)
		if err != nil {
			return fmt.Errorf(".schema: %w", err)
		}
		if len(m) == 0 {
			return fmt.Errorf(".schema: không có view, bảng hay macro / no view, table or macro named %q; see .tables", name)
		}
		for _, r := range m {
			fmt.Fprintf(s.stdout, "%s: %s\n", r[0], r[1])
		}
		return nil
	}
	cols, err := s.query(ctx, `SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
WHERE NOT internal AND lower(table_name) = lower(?) ORDER BY column_index`, name)
	if err != nil {
		return fmt.Errorf(".schema: %w", err)
	}
	fmt.Fprintf(s.stdout, "%s: %s\n", about[0][0], about[0][1])
	for i := range cols {
		cols[i][0] = "  " + cols[i][0]
	}
	return s.aligned(cols)
}

// query returns every row of a query whose columns are all text.
func (s *shellState) query(ctx context.Context, query string, args ...any) ([][]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		r := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// aligned prints rows in aligned columns; the last column, a comment, is never cut.
func (s *shellState) aligned(rows [][]string) error {
	tw := tabwriter.NewWriter(s.stdout, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
