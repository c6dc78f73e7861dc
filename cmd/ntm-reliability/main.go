// Command ntm-reliability runs the reliability and security suite of the warehouse and writes
// RELIABILITY.md from what the tests measured: kills survived, faults injected, bad inputs
// tried, events lost or stored twice. The tests themselves assert every guarantee; this program
// runs them in their full form (NTM_RELIABILITY=full: the medium stream, more kills, more
// faults), runs each fuzz target for a while and runs govulncheck, then collects the figures the
// tests log on lines "RELIABILITY {json}". With --short it runs the short form CI runs.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"
)

// suite is every test of the reliability report, by the sections.
var suite = []testSet{
	{"crashes", "./cmd/ntm/", "TestIngestSurvivesSIGKILL|TestIngestStopsCleanlyOnSIGTERM"},
	{"network", "./etl/ingest/", "TestIngestSurvivesNetworkFaults"},
	{"storage", "./etl/ingest/", "TestIngestStopsOnStorageFaults"},
	{"readers", "./etl/ingest/", "TestReadersSeeOnlyCommittedStates"},
	{"bad_input", "./events/ ./web/gateway/", "TestBadInputStream|TestBadInputLines"},
	{"security", "./web/... ./auth/ ./queries/session/ ./queries/opendata/",
		"TestAuthFailures|TestReporterScopePerLine|TestAppend|TestAuthenticate|TestSQLEndpointRefuses|TestSQLEndpointTimeout|" +
			"TestSQLEndpointTokens|TestSQLEndpointOddValues|TestSecurityHeaders|TestCheckReadOnly|TestLockedSession|" +
			"TestTableFunctionsReviewed|TestPublishSuppressesSmallCountsAndPersons"},
	{"authorization", "./web/... ./events/ ./queries/session/ ./queries/render/ ./queries/opendata/",
		"TestGatewayRefusesWhatATokenMayNotChange|TestGatewayAnswerIsBounded|TestSQLEndpointBounds|TestFarPeriodsAreRefused|" +
			"TestDecodeRejects|TestSessionCannotReadTheSharedTempDirectory|TestPrintableEscapesControls|TestNeutralizeFormula"},
}

// fuzzTargets are run for --fuzztime each.
var fuzzTargets = []fuzzTarget{
	{"./events/", "FuzzDecode", 1},
	{"./web/gateway/", "FuzzGateway", 1},
	// Each input opens a DuckDB session: replaying the seeds alone takes about 30 s.
	{"./web/", "FuzzSQLParams", 4},
	{"./events/", "FuzzPartitionKey", 1},
}

type testSet struct {
	Section string
	Pkgs    string
	Run     string
}

type fuzzTarget struct {
	Pkg  string
	Name string
	// Scale multiplies --fuzztime: a target whose seeds take long to replay needs more.
	Scale int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	short := flag.Bool("short", false, "the short form (CI): small streams, fewer kills and faults, 5 s of fuzzing each")
	out := flag.String("out", "RELIABILITY.md", "where to write the report")
	fuzztime := flag.Duration("fuzztime", 30*time.Second, "how long each fuzz target runs")
	vuln := flag.Bool("govulncheck", true, "run .ci/govulncheck")
	fromLogs := flag.Bool("from-logs", false, "do not run the tests again: read their output from the last run's logs (fuzzing and govulncheck still run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *short {
		*fuzztime = min(*fuzztime, 5*time.Second)
	}
	r := &report{Date: time.Now().UTC().Format("2006-01-02"), Short: *short, FuzzTime: *fuzztime}
	start := time.Now()
	failed := false
	for _, s := range suite {
		log.Info("tests", "section", s.Section, "packages", s.Pkgs, "run", s.Run)
		res, err := runTests(ctx, s, *short, *fromLogs)
		r.Tests = append(r.Tests, res...)
		if err != nil {
			log.Error("tests failed", "section", s.Section, "err", err)
			failed = true
		}
	}
	for _, f := range fuzzTargets {
		log.Info("fuzz", "target", f.Name, "for", *fuzztime*time.Duration(max(1, f.Scale)))
		res := runFuzz(ctx, f, *fuzztime*time.Duration(max(1, f.Scale)))
		r.Fuzz = append(r.Fuzz, res)
		if !res.Passed {
			log.Error("fuzz target failed", "target", f.Name, "output", res.Output)
			failed = true
		}
	}
	if *vuln {
		log.Info("govulncheck")
		r.Vuln = runVuln(ctx)
		if !r.Vuln.Passed {
			log.Error("govulncheck found problems", "output", r.Vuln.Output)
			failed = true
		}
	}
	r.Took = time.Since(start)
	md := r.markdown()
	if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
		log.Error("write report", "err", err)
		os.Exit(1)
	}
	fmt.Print(md)
	if failed {
		os.Exit(1)
	}
}

// testResult is one test function's outcome and the figures it logged.
type testResult struct {
	Section string
	Pkg     string
	Name    string
	Passed  bool
	Seconds float64
	Figures []map[string]any
}

var (
	resultLine = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+) \(([0-9.]+)s\)`)
	runLine    = regexp.MustCompile(`^=== RUN\s+(\S+)`)
	pkgLine    = regexp.MustCompile(`^(ok|FAIL|---)\s+(\S+)`)
)

// runTests runs one section's tests verbosely and parses their results and figures.
func runTests(ctx context.Context, s testSet, short, fromLogs bool) ([]testResult, error) {
	logFile := filepath.Join(os.TempDir(), fmt.Sprintf("ntm-reliability-%s.log", s.Section))
	if fromLogs {
		data, err := os.ReadFile(logFile)
		if err != nil {
			return nil, err
		}
		return parseTests(s, bytes.NewBuffer(data), nil, logFile)
	}
	args := []string{"test", "-count=1", "-v", "-timeout", "60m", "-run", "^(" + s.Run + ")$"}
	args = append(args, strings.Fields(s.Pkgs)...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = os.Environ()
	if !short {
		cmd.Env = append(cmd.Env, "NTM_RELIABILITY=full")
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	runErr := cmd.Run()
	_ = os.WriteFile(logFile, out.Bytes(), 0o644)
	return parseTests(s, &out, runErr, logFile)
}

// parseTests reads go test -v output: each top-level test's result and the figures it logged.
func parseTests(s testSet, out *bytes.Buffer, runErr error, logFile string) ([]testResult, error) {

	var res []testResult
	byName := map[string]*testResult{}
	var order []string
	current := ""
	get := func(name string) *testResult {
		top := strings.SplitN(name, "/", 2)[0]
		if byName[top] == nil {
			byName[top] = &testResult{Section: s.Section, Name: top}
			order = append(order, top)
		}
		return byName[top]
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		l := sc.Text()
		if m := runLine.FindStringSubmatch(l); m != nil {
			current = m[1]
			get(current)
			continue
		}
		if m := resultLine.FindStringSubmatch(l); m != nil && !strings.Contains(m[2], "/") {
			t := get(m[2])
			t.Passed = m[1] == "PASS"
			t.Seconds, _ = parseFloat(m[3])
			if m[1] == "SKIP" {
				t.Passed = false
				t.Figures = append(t.Figures, map[string]any{"skipped": true})
			}
			continue
		}
		if i := strings.Index(l, "RELIABILITY {"); i >= 0 && current != "" {
			var fig map[string]any
			if err := json.Unmarshal([]byte(l[i+len("RELIABILITY "):]), &fig); err == nil {
				t := get(current)
				t.Figures = append(t.Figures, fig)
			}
		}
		if m := pkgLine.FindStringSubmatch(l); m != nil && m[1] != "---" {
			// A package's block of output ends here: its tests are done.
			for _, n := range order {
				byName[n].Pkg = m[2]
				res = append(res, *byName[n])
			}
			byName, order, current = map[string]*testResult{}, nil, ""
		}
	}
	for _, n := range order {
		res = append(res, *byName[n])
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no test matched %q in %s", s.Run, s.Pkgs)
	}
	if runErr != nil {
		return res, fmt.Errorf("go test: %w (see %s)", runErr, logFile)
	}
	return res, nil
}

// fuzzResult is one fuzz target's run.
type fuzzResult struct {
	fuzzTarget
	Passed bool
	Execs  int64
	Corpus string
	Output string
}

var execsLine = regexp.MustCompile(`execs: (\d+)`)

func runFuzz(ctx context.Context, f fuzzTarget, d time.Duration) fuzzResult {
	run := func() ([]byte, error) {
		return exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^$", "-fuzz", "^"+f.Name+"$",
			"-fuzztime", d.String(),
			// Shrinking a megabyte input would stall a short run for a minute.
			"-fuzzminimizetime", "20x", f.Pkg).CombinedOutput()
	}
	out, err := run()
	// Go's fuzzing engine can end a run with "context deadline exceeded" and no failing input
	// when -fuzztime runs out while a worker is still busy (seen once in 20-odd short runs); it
	// found nothing then, so the target runs once more. A real failure names its input
	// ("Failing input written to ...") and is never retried.
	if err != nil && strings.Contains(string(out), "context deadline exceeded") && !strings.Contains(string(out), "Failing input") {
		out, err = run()
	}
	res := fuzzResult{fuzzTarget: f, Passed: err == nil}
	for _, l := range strings.Split(string(out), "\n") {
		if m := execsLine.FindStringSubmatch(l); m != nil {
			res.Execs, _ = parseInt(m[1])
		}
	}
	if !res.Passed {
		res.Output = tail(string(out), 40)
	}
	return res
}

type vulnResult struct {
	Passed bool
	Output string
}

func runVuln(ctx context.Context) vulnResult {
	out, err := exec.CommandContext(ctx, ".ci/govulncheck").CombinedOutput()
	return vulnResult{Passed: err == nil, Output: tail(string(out), 30)}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func parseFloat(s string) (float64, error) {
	var f float64
	_, err := fmt.Sscan(s, &f)
	return f, err
}

func parseInt(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}

// sortedKeys lists a figure's keys in a stable order, the section first.
func sortedKeys(figs []map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, f := range figs {
		for k := range f {
			if !seen[k] && k != "section" {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
