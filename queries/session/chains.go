package session

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Correction chains (DOMAIN.md, "Correction chains"): events linked by `corrects` to an earlier
// event of the same type form one fact, rooted at the member that corrects nothing known. The
// contract sets no depth limit, so the roots are resolved here, once per session's snapshot and
// in time linear in the number of corrections, rather than by a bounded self-join in every query.
//
// The session reads the links once (every correction whose target is stored, with both commit
// times, kept in a table: chainLinksTable), computes each member's root in Go and appends the
// result to the table event_chains,
// which event_facts reads. Time travel (known_at) needs no second pass: a link is known from the
// later of its two events' commits, so an event's root, as a function of known_at, is a step
// function, and the table holds one row per step with the interval [valid_from, valid_to) in
// which it holds. When corrections arrive after their targets, as they almost always do, every
// link is known as soon as its correction is, and each event has exactly one row.

// chainsTable is the DDL of the table of resolved chains; run fills it right after creating it,
// from the links in chainLinksTable.
const chainsTable = `CREATE OR REPLACE TABLE event_chains (
    event_id VARCHAR, event_type VARCHAR, fact_id VARCHAR, recorded_at TIMESTAMPTZ,
    valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ)`

// chainLinksTable holds every correction whose target (an event of the same type) is stored,
// with both events' recorded_at and commit time, and openCorrectionsTable every correction
// whose target is not: a later snapshot links them only to events it adds, so a derived state
// brought forward (derived.go) finds the new links without reading the log again.
const (
	chainLinksTable      = DerivedSchema + ".chain_links"
	openCorrectionsTable = DerivedSchema + ".open_corrections"
)

// linksFromLog are the statements that fill chainLinksTable and openCorrectionsTable from the
// event log of the pinned snapshot.
func linksFromLog() []string {
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + DerivedSchema,
		`CREATE OR REPLACE TEMP TABLE corrections AS
SELECT event_id, event_type, corrects, recorded_at, committed_at FROM events_log_data
WHERE corrects IS NOT NULL AND corrects <> event_id`,
		`CREATE OR REPLACE TABLE ` + chainLinksTable + ` AS
SELECT c.event_id AS cid, c.event_type AS typ, c.recorded_at AS crec, c.committed_at AS ccom,
       t.event_id AS tid, t.recorded_at AS trec, t.committed_at AS tcom
FROM corrections c JOIN (
    SELECT event_id, event_type, recorded_at, committed_at FROM events_log_data
    WHERE event_id IN (SELECT corrects FROM corrections)
) t ON t.event_id = c.corrects AND t.event_type = c.event_type`,
		`CREATE OR REPLACE TABLE ` + openCorrectionsTable + ` AS
SELECT * FROM corrections c ANTI JOIN ` + chainLinksTable + ` l ON l.cid = c.event_id`,
		"DROP TABLE corrections",
	}
}

// chainNode is one event of a chain.
type chainNode struct {
	id, typ     string
	recorded    time.Time
	committed   time.Time
	parent      *chainNode // the event it corrects; nil for a root
	linkKnownAt time.Time  // when the link to parent became known: the later of the two commits
}

// chainStep says that from from on (until the next step) the node's fact is rooted at root.
type chainStep struct {
	from time.Time
	root *chainNode
}

// chainRow is one row of event_chains.
type chainRow struct {
	node     *chainNode
	root     *chainNode
	from, to time.Time // to zero: open-ended
}

// chainGraph collects the links as they are read.
type chainGraph struct {
	nodes map[string]*chainNode
}

func (g *chainGraph) node(id, typ string, recorded, committed time.Time) *chainNode {
	n, ok := g.nodes[id]
	if !ok {
		n = &chainNode{id: id, typ: typ, recorded: recorded, committed: committed}
		g.nodes[id] = n
	}
	return n
}

// link records that child corrects parent. An event corrects one event: a second link for the
// same child (an event_id stored twice, which ntm verify reports) is ignored.
func (g *chainGraph) link(child, parent *chainNode) {
	if child.parent != nil {
		return
	}
	child.parent = parent
	child.linkKnownAt = child.committed
	if parent.committed.After(child.linkKnownAt) {
		child.linkKnownAt = parent.committed
	}
}

// breakCycles removes one link of every cycle: events that correct each other in a ring have no
// member that corrects nothing known, so the member with the least event_id is taken as the root.
// Each node has at most one parent, so every walk up either ends at a root or enters one cycle.
func (g *chainGraph) breakCycles() {
	const (
		unseen = iota
		onPath
		done
	)
	state := make(map[*chainNode]int, len(g.nodes))
	var path []*chainNode
	for _, start := range g.nodes {
		path = path[:0]
		n := start
		for n != nil && state[n] == unseen {
			state[n] = onPath
			path = append(path, n)
			n = n.parent
		}
		if n != nil && state[n] == onPath {
			i := slices.Index(path, n)
			least := slices.MinFunc(path[i:], func(a, b *chainNode) int { return cmp.Compare(a.id, b.id) })
			least.parent = nil
		}
		for _, p := range path {
			state[p] = done
		}
	}
}

// resolve computes every node's steps. A node's steps are its own (before its link is known it
// is a root) followed by its parent's from the moment the link is known; each node's steps are
// computed once, from its parent's, so the work is linear in the number of nodes when every
// node has one step, and bounded by the chain's length squared in the worst case (each link of a
// long chain arriving before the one it corrects).
func (g *chainGraph) resolve() []chainRow {
	g.breakCycles()
	steps := make(map[*chainNode][]chainStep, len(g.nodes))
	var path []*chainNode
	for _, start := range g.nodes {
		path = path[:0]
		for n := start; n != nil; n = n.parent {
			if _, ok := steps[n]; ok {
				break
			}
			path = append(path, n)
		}
		for i := len(path) - 1; i >= 0; i-- {
			n := path[i]
			if n.parent == nil {
				steps[n] = []chainStep{{from: n.committed, root: n}}
				continue
			}
			var own []chainStep
			if n.linkKnownAt.After(n.committed) {
				own = append(own, chainStep{from: n.committed, root: n})
			}
			up := steps[n.parent]
			// The parent's step in force when the link becomes known, and those after it.
			j, _ := slices.BinarySearchFunc(up, n.linkKnownAt, func(s chainStep, t time.Time) int { return s.from.Compare(t) })
			if j == len(up) || up[j].from.After(n.linkKnownAt) {
				j-- // up[0].from is the parent's commit, never after the link's
			}
			own = append(own, chainStep{from: n.linkKnownAt, root: up[j].root})
			own = append(own, up[j+1:]...)
			steps[n] = own
		}
	}
	rows := make([]chainRow, 0, len(steps))
	for n, ss := range steps {
		for i, s := range ss {
			r := chainRow{node: n, root: s.root, from: s.from}
			if i+1 < len(ss) {
				r.to = ss[i+1].from
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// fillChains reads the links of the session's snapshot (chainLinksTable), resolves them and
// appends the result to event_chains.
func fillChains(ctx context.Context, db *sql.DB) error {
	g := &chainGraph{nodes: map[string]*chainNode{}}
	rows, err := db.QueryContext(ctx, "SELECT cid, typ, crec, ccom, tid, trec, tcom FROM "+chainLinksTable)
	if err != nil {
		return fmt.Errorf("session: correction chains: %w", err)
	}
	for rows.Next() {
		var cid, typ, tid string
		var crec, ccom, trec, tcom time.Time
		if err := rows.Scan(&cid, &typ, &crec, &ccom, &tid, &trec, &tcom); err != nil {
			rows.Close()
			return fmt.Errorf("session: correction chains: %w", err)
		}
		g.link(g.node(cid, typ, crec, ccom), g.node(tid, typ, trec, tcom))
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("session: correction chains: %w", err)
	}
	if len(g.nodes) == 0 {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "event_chains")
		if err != nil {
			return fmt.Errorf("session: correction chains: %w", err)
		}
		for _, r := range g.resolve() {
			var to any
			if !r.to.IsZero() {
				to = r.to
			}
			if err := a.AppendRow(r.node.id, r.node.typ, r.root.id, r.node.recorded, r.from, to); err != nil {
				a.Close()
				return fmt.Errorf("session: correction chains: %w", err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("session: correction chains: %w", err)
		}
		return nil
	})
}
