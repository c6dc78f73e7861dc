package session

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// reviewedFunctions are the table functions of this DuckDB build that a read-only session may
// call: they read the catalog, the settings, generated rows, or files (which the session's
// allowed_directories confine to the warehouse); query() and query_table() bind their
// statement at once, so that the plan CheckReadOnly reads holds what they call; arrow_scan
// takes pointers, which SQL cannot make.
var reviewedFunctions = []string{
	"arrow_scan", "arrow_scan_dumb", "check_peg_parser",
	"duckdb_approx_database_count", "duckdb_columns", "duckdb_connection_count", "duckdb_constraints",
	"duckdb_coordinate_systems", "duckdb_databases", "duckdb_dependencies", "duckdb_extensions",
	"duckdb_external_file_cache", "duckdb_functions", "duckdb_indexes", "duckdb_keywords",
	"duckdb_log_contexts", "duckdb_logs", "duckdb_memory", "duckdb_optimizers",
	"duckdb_prepared_statements", "duckdb_schemas", "duckdb_secret_types", "duckdb_secrets",
	"duckdb_sequences", "duckdb_settings", "duckdb_table_sample", "duckdb_tables",
	"duckdb_temporary_files", "duckdb_types", "duckdb_variables", "duckdb_views",
	"generate_series", "glob", "icu_calendar_names", "json_each", "json_tree",
	"parquet_bloom_probe", "parquet_file_metadata", "parquet_full_metadata", "parquet_kv_metadata",
	"parquet_metadata", "parquet_scan", "parquet_schema", "pg_timezone_names",
	"pragma_collations", "pragma_database_size", "pragma_metadata_info", "pragma_platform",
	"pragma_show", "pragma_storage_info", "pragma_table_info", "pragma_user_agent", "pragma_version",
	"query", "query_table", "range", "read_blob", "read_csv", "read_csv_auto", "read_duckdb",
	"read_json", "read_json_auto", "read_json_objects", "read_json_objects_auto", "read_ndjson",
	"read_ndjson_auto", "read_ndjson_objects", "read_parquet", "read_text", "repeat", "repeat_row",
	"seq_scan", "sniff_csv", "sql_auto_complete", "summary", "test_all_types", "test_vector_types",
	"unnest", "which_secret",
}

// TestTableFunctionsReviewed checks that every table function of the session is either
// reviewed as read-only or refused by CheckReadOnly, and that every refused one exists. A
// DuckDB upgrade that adds a table function fails here until someone reads what it does and
// puts it in one list or the other.
func TestTableFunctionsReviewed(t *testing.T) {
	w, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	defer w.Close()
	db, _, err := Open(context.Background(), w)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'table' ORDER BY 1")
	require.NoError(t, err)
	defer rows.Close()
	var all []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		all = append(all, name)
	}
	require.NoError(t, rows.Err())
	require.Greater(t, len(all), 50, "the catalog lists the table functions")

	var unreviewed []string
	for _, name := range all {
		if !slices.Contains(reviewedFunctions, name) && !refusedFunctions[strings.ToUpper(name)] {
			unreviewed = append(unreviewed, name)
		}
	}
	require.Empty(t, unreviewed, "table functions neither reviewed as read-only nor refused")
	for name := range refusedFunctions {
		require.Contains(t, all, strings.ToLower(name), "a refused function that this DuckDB does not have")
		require.NotContains(t, reviewedFunctions, strings.ToLower(name))
	}
}
