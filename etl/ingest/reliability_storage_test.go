package ingest_test

import (
	"context"
	"fmt"
	iofs "io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest/faultfs"
	"github.com/thanhhoa-ntm/ntm/events/generate"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// storageFault is one way the storage breaks under an ingest run: a data file write (through
// the file system seam, ingest.Config.FS) or a table commit (through ingest.Config.Committer).
type storageFault struct {
	name string
	err  error
	// file, when set, breaks the file system; its Match is filled in from deadLetters.
	file        *faultfs.Fault
	deadLetters bool // the file fault hits dead-letter files only
	// commit, when set, breaks the n-th commit of a table.
	commit *commitFault
}

// commitFault fails the n-th commit of a table: before it reaches the table (nothing is
// committed, as when iceberg-go cannot write a manifest on a full disk), or after it landed
// (the caller hears an error while the snapshot is there, as when the sync after the metadata
// write fails): ingest cannot tell which, and must be right either way.
type commitFault struct {
	table string
	n     int
	after bool
}

// kind names the fault for the figures.
func (f storageFault) kind() string {
	errName := "ENOSPC"
	if f.err == syscall.EIO {
		errName = "EIO"
	}
	switch {
	case f.commit != nil && f.commit.after:
		return errName + " after commit to " + f.commit.table
	case f.commit != nil:
		return errName + " at commit to " + f.commit.table
	case f.file.AtCreate:
		return errName + " at create of " + f.target()
	default:
		return errName + " mid-file in " + f.target()
	}
}

func (f storageFault) target() string {
	if f.deadLetters {
		return "dead-letter file"
	}
	return "data file"
}

// faultyCommitter commits through the warehouse, breaks as its fault says, and counts the
// commits ingest attempts once anything broke (there must be none).
type faultyCommitter struct {
	wh     *warehouse.Warehouse
	fault  *commitFault
	err    error
	broken func() bool // whether another fault (the file system's) has struck

	mu         sync.Mutex
	commits    map[string]int
	struck     bool
	afterFault int
}

func (c *faultyCommitter) Commit(ctx context.Context, name string, cm warehouse.Commit) (warehouse.CommitResult, error) {
	c.mu.Lock()
	if c.struck || (c.broken != nil && c.broken()) {
		c.afterFault++
	}
	c.commits[name]++
	hit := c.fault != nil && !c.struck && c.fault.table == name && c.fault.n == c.commits[name]
	if hit {
		c.struck = true
	}
	c.mu.Unlock()
	if hit && !c.fault.after {
		return warehouse.CommitResult{}, fmt.Errorf("warehouse: commit to %s: add files: %w", name,
			&iofs.PathError{Op: "write", Path: filepath.Join(c.wh.Dir(), "iceberg", name, "metadata", "snap.avro"), Err: c.err})
	}
	res, err := c.wh.Commit(ctx, name, cm)
	if hit && err == nil {
		return res, fmt.Errorf("warehouse: syncfs: %w", &iofs.PathError{Op: "sync", Path: c.wh.Dir(), Err: c.err})
	}
	return res, err
}

func (c *faultyCommitter) Struck() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.struck
}

// storageRun is what one ingest run under a storage fault did.
type storageRun struct {
	err        error
	stats      ingest.Stats
	fs         faultfs.Stats
	struck     bool
	afterFault int // commits attempted after the fault struck
	pollsAfter int // polls of Kafka after the fault struck
}

// runWithFault ingests into wh until caught up under the fault.
func runWithFault(t *testing.T, addr, group string, wh *warehouse.Warehouse, f storageFault) storageRun {
	t.Helper()
	cfg := config(addr, group, wh)
	cfg.FlushBytes = 128 << 10
	var fsys *faultfs.FS
	if f.file != nil {
		ff := *f.file
		ff.Err = f.err
		dir := wh.DataDir(warehouse.EventsLog)
		if f.deadLetters {
			dir = wh.DataDir(warehouse.DeadLetters)
		}
		ff.Match = func(p string) bool { return strings.HasPrefix(p, dir+string(filepath.Separator)) }
		fsys = faultfs.New(ff)
		cfg.FS = fsys
	}
	broken := func() bool { return fsys != nil && fsys.Broken() }
	cm := &faultyCommitter{wh: wh, fault: f.commit, err: f.err, broken: broken, commits: map[string]int{}}
	cfg.Committer = cm
	var mu sync.Mutex
	polls := 0
	cfg.Progress = func(int64, int64) {
		if broken() || cm.Struck() {
			mu.Lock()
			polls++
			mu.Unlock()
		}
	}
	// A run that loops on the fault instead of stopping is cut off here, and then fails the
	// test: it does not return the fault's error.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var r storageRun
	r.stats, r.err = ingest.Run(ctx, cfg)
	r.struck = broken() || cm.Struck()
	if fsys != nil {
		r.fs = fsys.Stats()
	}
	r.afterFault, r.pollsAfter = cm.afterFault, polls
	return r
}

// requireStopped checks what a run that met the fault did: it reported the fault's error, once,
// wrapped so that errors.Is finds the cause; it neither committed nor consumed after the
// fault; and the warehouse holds only whole commits: verify is clean (every file of the
// snapshots complete, no file outside them, offsets chained), the views read in DuckDB, and no
// count exceeds what the stream holds.
func requireStopped(t *testing.T, r storageRun, f storageFault, wh *warehouse.Warehouse, wantEv, wantDl map[string]int64) warehouse.Report {
	t.Helper()
	require.True(t, r.struck, "the fault struck")
	require.Error(t, r.err)
	require.ErrorIs(t, r.err, f.err, "the error says what broke")
	require.Equal(t, 1, strings.Count(r.err.Error(), f.err.Error()), "one error, not one per retry: %v", r.err)
	require.Zero(t, r.afterFault, "no commit after the fault")
	require.Zero(t, r.pollsAfter, "no polling after the fault")
	report := kit.RequireIntact(t, wh)
	require.Zero(t, report.InFlight, "no file of the failed writer left")
	gotEv, gotDl := kit.Counts(t, wh)
	for k, n := range gotEv {
		require.LessOrEqual(t, n, wantEv[k], "events of type %s", k)
	}
	for k, n := range gotDl {
		require.LessOrEqual(t, n, wantDl[k], "dead letters for %s", k)
	}
	return report
}

// Storage faults under ingest: a data or dead-letter file write that fails part way (disk
// full, I/O error), a file that cannot be created, a commit that fails before it lands and one
// that fails after it landed. Each run meets one of them and returns one error that wraps the
// cause and stops (no further commit, no further poll), leaving only whole commits (verify
// clean, the views read in DuckDB); the next run, a restart, meets the next fault, and a last
// run without faults completes the stream with every event once. The short form (CI) breaks 8
// runs over 30 thousand lines; the full form (NTM_RELIABILITY=full) breaks the storage at a
// random moment of every run over the whole small stream, until a run outlives its fault.
func TestIngestStopsOnStorageFaults(t *testing.T) {
	all, st := kit.Stream(t, generate.Small, 0.01)
	lines, wantEv, wantDl := all, map[string]int64(nil), map[string]int64(nil)
	var faults []storageFault
	seed := uint64(0)
	if fullReliability() {
		wantEv, wantDl = kit.Expected(st)
		seed = reliabilitySeed(t)
		faults = randomStorageFaults(seed, 40)
	} else {
		lines = all[:30000]
		wantEv, wantDl = kit.Judged(lines)
		faults = []storageFault{
			{name: "ENOSPC mid-file in the first flush", err: syscall.ENOSPC, file: &faultfs.Fault{File: 1, After: 3000}},
			{name: "EIO mid-file in a later flush", err: syscall.EIO, file: &faultfs.Fault{File: 30, After: 100}},
			{name: "ENOSPC creating a data file", err: syscall.ENOSPC, file: &faultfs.Fault{File: 12, AtCreate: true}},
			{name: "ENOSPC in a dead-letter file", err: syscall.ENOSPC, deadLetters: true, file: &faultfs.Fault{File: 2}},
			{name: "ENOSPC at the event log commit", err: syscall.ENOSPC, commit: &commitFault{table: warehouse.EventsLog, n: 2}},
			{name: "EIO after the event log commit landed", err: syscall.EIO, commit: &commitFault{table: warehouse.EventsLog, n: 2, after: true}},
			{name: "ENOSPC at the dead letters commit", err: syscall.ENOSPC, commit: &commitFault{table: warehouse.DeadLetters, n: 2}},
			{name: "EIO after the dead letters commit landed", err: syscall.EIO, commit: &commitFault{table: warehouse.DeadLetters, n: 1, after: true}},
		}
	}
	addr := kit.StartBroker(t)
	kit.Produce(t, addr, lines)
	wh := openWarehouse(t)

	start := time.Now()
	byKind := map[string]int{}
	restarts := 0
	for _, f := range faults {
		outlived := false
		ok := t.Run(f.name, func(t *testing.T) {
			r := runWithFault(t, addr, "g", wh, f)
			if !r.struck && fullReliability() {
				// A random moment beyond the end of the stream: the run finished first.
				require.NoError(t, r.err)
				outlived = true
				return
			}
			report := requireStopped(t, r, f, wh, wantEv, wantDl)
			restarts++
			byKind[f.kind()]++
			t.Logf("ingest stopped with: %v", r.err)
			logFigures(t, "storage", map[string]any{
				"form": form(), "fault": f.kind(), "files_created": r.fs.Created, "failed_creates": r.fs.FailedOpen,
				"failed_writes": r.fs.FailedWrite, "short_writes": r.fs.ShortWrites, "commits_before_fault": r.stats.Commits,
				"records": r.stats.Records, "events_stored": report.Rows[warehouse.EventsLog],
			})
		})
		if !ok || outlived {
			break
		}
	}
	if t.Failed() {
		return
	}

	last := runUntilCaughtUp(t, config(addr, "g", wh))
	gotEv, gotDl := kit.Counts(t, wh)
	lost, dup := difference(wantEv, gotEv, wantDl, gotDl)
	require.Equal(t, wantEv, gotEv)
	require.Equal(t, wantDl, gotDl)
	final := kit.RequireIntact(t, wh)
	total := 0
	for _, n := range byKind {
		total += n
	}
	require.GreaterOrEqual(t, total, min(len(faults), 5), "the storage broke under several runs")
	logFigures(t, "storage", map[string]any{
		"form": form(), "seed": seed, "lines": len(lines), "faults": byKind, "faults_total": total,
		"restarts": restarts, "records_last_run": last.Records, "events_stored": final.Rows[warehouse.EventsLog],
		"dead_letters_stored": final.Rows[warehouse.DeadLetters], "lost": lost, "duplicated": dup,
		"seconds": time.Since(start).Seconds(),
	})
}

// randomStorageFaults draws n faults: a data or dead-letter file breaking at a random file
// (mid-file or at its creation), or a random commit of a table failing before or after it
// lands, each with ENOSPC or EIO.
func randomStorageFaults(seed uint64, n int) []storageFault {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]storageFault, 0, n)
	for i := range n {
		f := storageFault{err: syscall.ENOSPC}
		if rng.IntN(2) == 0 {
			f.err = syscall.EIO
		}
		if rng.IntN(2) == 0 {
			f.file = &faultfs.Fault{File: 1 + rng.IntN(120), AtCreate: rng.IntN(4) == 0, After: rng.Int64N(20000)}
			if f.deadLetters = rng.IntN(4) == 0; f.deadLetters {
				f.file.File = 1 + rng.IntN(8)
			}
		} else {
			table := warehouse.EventsLog
			if rng.IntN(3) == 0 {
				table = warehouse.DeadLetters
			}
			f.commit = &commitFault{table: table, n: 1 + rng.IntN(8), after: rng.IntN(2) == 0}
		}
		f.name = fmt.Sprintf("%02d %s", i, f.kind())
		out = append(out, f)
	}
	return out
}
