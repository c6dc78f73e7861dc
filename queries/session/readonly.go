package session

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// ErrNotReadOnly means a statement would write, attach or change the session.
var ErrNotReadOnly = errors.New("only queries are allowed here")

// readOnlyTypes are the statements a read-only session runs. The session's settings already
// keep it from reading outside the warehouse or changing them; this check also keeps it from
// writing inside the warehouse (COPY … TO over a data file, EXPORT) and from changing its own
// catalog, before anything runs.
var readOnlyTypes = map[duckdb.StmtType]bool{
	duckdb.STATEMENT_TYPE_SELECT:  true,
	duckdb.STATEMENT_TYPE_EXPLAIN: true,
	duckdb.STATEMENT_TYPE_PRAGMA:  true,
	duckdb.STATEMENT_TYPE_CALL:    true,
}

// refusedFunctions are the table functions that a query names like any table but that change
// the session, write files, or run a statement the plan does not show. lock_configuration does
// not stop them: logging with file storage writes its CSV files into any allowed directory,
// which includes the warehouse; the profiling, checkpoint and parser functions switch the
// session; and json_execute_serialized_sql runs the statement it is given only when it runs,
// so that the plan cannot tell what that statement calls. The names are those of the physical
// plan, in upper case. TestTableFunctionsReviewed lists every other table function of this
// DuckDB build as reviewed, so that a new one fails it until someone decides which it is.
var refusedFunctions = map[string]bool{
	"ENABLE_LOGGING": true, "DISABLE_LOGGING": true, "TRUNCATE_DUCKDB_LOGS": true,
	"ENABLE_PROFILING": true, "DISABLE_PROFILING": true,
	"CHECKPOINT": true, "FORCE_CHECKPOINT": true,
	"ENABLE_PEG_PARSER": true, "DISABLE_PEG_PARSER": true,
	"JSON_EXECUTE_SERIALIZED_SQL": true,
}

// CheckReadOnly accepts a statement only when it is a single query that calls none of the
// refused table functions (refusedFunctions): DuckDB's parser tells a single SELECT
// (singleSelect), and any other text is prepared (parsed and bound) to learn its type.
//
// It runs nothing of the statement. The driver's PrepareContext would execute every statement
// of a multi-statement text but the last one, so that "COPY … TO …; SELECT 1" would write
// before its last statement was even checked; Prepare refuses more than one statement instead.
// A SELECT or CALL is then checked on its physical plan (EXPLAIN), which also holds the calls
// hidden in views, lateral joins and query(); a call the optimizer removes never runs. The plan
// of EXPLAIN ANALYZE and PRAGMA statements is not checked: the SQL endpoint refuses them before
// (it takes a single SELECT only), and the local ntm sql accepts them.
func CheckReadOnly(ctx context.Context, db *sql.DB, query string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	single := singleSelect(ctx, conn, query)
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("session: not a DuckDB connection")
		}
		t := duckdb.STATEMENT_TYPE_SELECT
		if !single {
			if t, err = statementType(c, query); err != nil {
				return err
			}
		}
		if !readOnlyTypes[t] {
			return fmt.Errorf("%w (SELECT, EXPLAIN, PRAGMA, CALL): this statement would change files or the session", ErrNotReadOnly)
		}
		if t != duckdb.STATEMENT_TYPE_SELECT && t != duckdb.STATEMENT_TYPE_CALL {
			return nil
		}
		fns, err := planFunctions(ctx, c, query)
		if errors.Is(err, errPragmaPlan) && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(query)), "PRAGMA") {
			// DuckDB prepares PRAGMA show_tables and its like as the SELECT it stands for,
			// but has no EXPLAIN for a PRAGMA: such a statement is a PRAGMA, accepted as
			// PRAGMA statements are.
			return nil
		}
		if err != nil {
			return err
		}
		for _, f := range fns {
			if refusedFunctions[f] {
				return fmt.Errorf("%w: %s changes the session, writes files or runs a hidden statement", ErrNotReadOnly, strings.ToLower(f))
			}
		}
		return nil
	})
}

// singleSelect reports whether DuckDB's parser reads the query as one SELECT statement, which
// it tells without binding it: binding indicators() alone takes 0.15 s, and the query is bound
// again by its plan (planFunctions) and when it runs. Any other text (CALL, PRAGMA, several
// statements, a syntax error) is left to statementType, which prepares it.
func singleSelect(ctx context.Context, conn *sql.Conn, query string) bool {
	var parsed string
	if err := conn.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST(? AS VARCHAR)) AS VARCHAR)", query).Scan(&parsed); err != nil {
		return false
	}
	var tree struct {
		Error      bool              `json:"error"`
		Statements []json.RawMessage `json:"statements"`
	}
	return json.Unmarshal([]byte(parsed), &tree) == nil && !tree.Error && len(tree.Statements) == 1
}

// statementType prepares the query, which must be a single statement, and returns its type.
func statementType(c *duckdb.Conn, query string) (duckdb.StmtType, error) {
	st, err := c.Prepare(query)
	if err != nil {
		if strings.Contains(err.Error(), "multi-statement") {
			return 0, fmt.Errorf("%w: the text holds several statements (a PIVOT without IN is several): send one at a time", ErrNotReadOnly)
		}
		return 0, err
	}
	defer st.Close()
	s, ok := st.(*duckdb.Stmt)
	if !ok {
		return 0, fmt.Errorf("session: not a DuckDB statement")
	}
	return s.StatementType()
}

// errPragmaPlan is DuckDB's answer to EXPLAIN of a PRAGMA statement. Matching its text fails
// closed: if DuckDB words it otherwise, such a PRAGMA is refused; and only a text that starts
// with PRAGMA is taken for one.
var errPragmaPlan = errors.New("PRAGMA function does not have a function specified")

// planNode is an operator of a physical plan as EXPLAIN (FORMAT json) writes it.
type planNode struct {
	Name      string          `json:"name"`
	Children  []planNode      `json:"children"`
	ExtraInfo json.RawMessage `json:"extra_info"`
}

// planFunctions returns the operator and function names of the query's physical plan.
func planFunctions(ctx context.Context, c *duckdb.Conn, query string) ([]string, error) {
	// EXPLAIN without ANALYZE runs nothing, and Prepare refuses the prefixed text if it were
	// several statements (";SELECT 1" would be) rather than run any of them.
	st, err := c.Prepare("EXPLAIN (FORMAT json) " + query)
	if err != nil {
		if strings.Contains(err.Error(), errPragmaPlan.Error()) {
			return nil, errPragmaPlan
		}
		if strings.Contains(err.Error(), "multi-statement") {
			return nil, fmt.Errorf("%w: the text holds several statements (a PIVOT without IN is several): send one at a time", ErrNotReadOnly)
		}
		return nil, fmt.Errorf("plan the query: %w", err)
	}
	defer st.Close()
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		return nil, fmt.Errorf("session: not a DuckDB statement")
	}
	rows, err := q.QueryContext(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("plan the query: %w", err)
	}
	defer rows.Close()
	// The plan is decoded in one pass into a tree: decoding each level's children again from
	// their raw text cost a pass per level (0.6 s for the 2.6 MB, 35-level plan of indicators()).
	var names []string
	var walk func(nodes []planNode)
	walk = func(nodes []planNode) {
		for _, n := range nodes {
			names = append(names, strings.ToUpper(n.Name))
			var extra struct {
				Function string `json:"Function"`
			}
			// extra_info is an object of strings for most operators; one that is not holds no
			// function name.
			if json.Unmarshal(n.ExtraInfo, &extra) == nil && extra.Function != "" {
				names = append(names, strings.ToUpper(extra.Function))
			}
			walk(n.Children)
		}
	}
	dest := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(dest); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("plan the query: %w", err)
		}
		plan, ok := dest[len(dest)-1].(string)
		if !ok {
			return nil, fmt.Errorf("plan the query: the plan is a %T, not JSON text", dest[len(dest)-1])
		}
		var nodes []planNode
		if err := json.Unmarshal([]byte(plan), &nodes); err != nil {
			return nil, fmt.Errorf("read the query plan: %w", err)
		}
		walk(nodes)
	}
	return names, nil
}
