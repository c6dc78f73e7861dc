package main

import (
	"context"

	"github.com/thanhhoa-ntm/ntm/queries/session"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// refreshDBFile is the commit hook of ingest and compaction: it rewrites the warehouse's DuckDB
// file for outside clients, so a committed state shows there without running any ntm command.
func refreshDBFile(wh *warehouse.Warehouse) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := session.WriteDBFile(ctx, wh)
		return err
	}
}
