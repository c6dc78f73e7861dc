package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

// CheckReadOnly prepares the statement (DuckDB parses and binds it) and accepts it only when
// it is a query.
func CheckReadOnly(ctx context.Context, db *sql.DB, query string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("warehouse: not a DuckDB connection")
		}
		st, err := c.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		s, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("warehouse: not a DuckDB statement")
		}
		t, err := s.StatementType()
		if err != nil {
			return err
		}
		if !readOnlyTypes[t] {
			return fmt.Errorf("%w (SELECT, EXPLAIN, PRAGMA, CALL): this statement would change files or the session", ErrNotReadOnly)
		}
		return nil
	})
}
