//go:build !duckdb_arrow

package writerbench

import "context"

// DuckDBWriters is empty without the duckdb_arrow build tag, which duckdb-go's Arrow interface
// needs.
func DuckDBWriters(context.Context) ([]Writer, error) { return nil, nil }
