package main

import (
	"fmt"
	"strings"
	"time"
)

// report is one run of the suite.
type report struct {
	Date     string
	Short    bool
	FuzzTime time.Duration
	Tests    []testResult
	Fuzz     []fuzzResult
	Vuln     vulnResult
	Took     time.Duration
}

// sum adds a numeric figure over every test's figures, for keys matching pred.
func (r *report) sum(pred func(key string) bool) int64 { return r.sumIn("", pred) }

// sumIn is sum over one section's tests ("" for all).
func (r *report) sumIn(section string, pred func(key string) bool) int64 {
	var n int64
	for _, t := range r.Tests {
		if section != "" && t.Section != section {
			continue
		}
		for _, f := range t.Figures {
			for k, v := range f {
				if x, ok := v.(float64); ok && pred(k) {
					n += int64(x)
				}
			}
		}
	}
	return n
}

func is(names ...string) func(string) bool {
	return func(k string) bool {
		for _, n := range names {
			if k == n {
				return true
			}
		}
		return false
	}
}

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	form := "full form (`NTM_RELIABILITY=full`: the medium stream, 25 kills, longer fault schedules)"
	if r.Short {
		form = "short form (what CI runs)"
	}
	w("# Reliability and security\n\n")
	w("Written by `make reliability` (`go run ./cmd/ntm-reliability`) on %s, %s, in %s. ", r.Date, form, r.Took.Round(time.Second))
	w("Every figure is what a test measured and logged in this run; each test also asserts its guarantee, so a figure here comes from a passing test unless the table says otherwise.\n\n")

	passed, total := 0, 0
	for _, t := range r.Tests {
		total++
		if t.Passed {
			passed++
		}
	}
	var execs int64
	fuzzOK := true
	for _, f := range r.Fuzz {
		execs += f.Execs
		fuzzOK = fuzzOK && f.Passed
	}
	lost := r.sum(is("lost", "events_lost"))
	dup := r.sum(is("duplicated", "events_duplicated"))
	w("## Summary\n\n| | |\n|---|---|\n")
	w("| tests passed | %d of %d |\n", passed, total)
	w("| SIGKILLs of `ntm ingest` survived | %d |\n", r.sumIn("crashes", is("kills")))
	w("| network faults injected (drops, stalls, resets) | %d |\n", r.sumIn("network", is("faults_total")))
	w("| storage faults injected (ENOSPC, EIO, short writes, failed commits) | %d |\n", r.sumIn("storage", is("faults_total")))
	w("| bad inputs tried (decoder and gateway tables) | %d |\n", r.sumIn("bad_input", is("inputs_tried")))
	w("| fuzz executions | %d over %d targets, %s each or more (%s) |\n", execs, len(r.Fuzz), r.FuzzTime, okText(fuzzOK))
	w("| events lost | %d |\n| events stored twice | %d |\n", lost, dup)
	if r.Vuln.Output != "" || r.Vuln.Passed {
		w("| govulncheck ./... | %s |\n", okText(r.Vuln.Passed))
	}
	w("\n")

	sections := []struct{ key, title string }{
		{"crashes", "1. Crashes: SIGKILL of `ntm ingest` and restart"},
		{"network", "2. Network faults between ingest and the broker"},
		{"storage", "3. Storage faults"},
		{"readers", "4. Readers during writes"},
		{"bad_input", "5. Bad input"},
		{"security", "6. Security"},
		{"authorization", "7. Authorization by content, bounds on every answer and value (issue 19)"},
	}
	for _, s := range sections {
		w("## %s\n\n", s.title)
		w("| test | package | result | seconds |\n|---|---|---|---:|\n")
		var figs []map[string]any
		for _, t := range r.Tests {
			if t.Section != s.key {
				continue
			}
			res := "passed"
			if !t.Passed {
				res = "**failed**"
			}
			w("| `%s` | `%s` | %s | %.1f |\n", t.Name, t.Pkg, res, t.Seconds)
			for _, f := range t.Figures {
				g := map[string]any{"test": t.Name}
				for k, v := range f {
					g[k] = v
				}
				figs = append(figs, g)
			}
		}
		if len(figs) > 0 {
			keys := sortedKeys(figs)
			w("\nFigures:\n\n| %s |\n|%s\n", strings.Join(keys, " | "), strings.Repeat("---|", len(keys)))
			for _, f := range figs {
				cells := make([]string, len(keys))
				for i, k := range keys {
					cells[i] = cell(f[k])
				}
				w("| %s |\n", strings.Join(cells, " | "))
			}
		}
		w("\n")
	}

	w("## Fuzzing\n\n| target | package | time | executions | result |\n|---|---|---|---:|---|\n")
	for _, f := range r.Fuzz {
		w("| `%s` | `%s` | %s | %d | %s |\n", f.Name, f.Pkg, r.FuzzTime*time.Duration(max(1, f.Scale)), f.Execs, okText(f.Passed))
	}
	w("\n## govulncheck\n\n```\n%s\n```\n", r.Vuln.Output)
	return b.String()
}

func okText(ok bool) string {
	if ok {
		return "clean"
	}
	return "**failed**"
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%.2f", x)
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys([]map[string]any{x}) {
			parts = append(parts, fmt.Sprintf("%s %s", k, cell(x[k])))
		}
		return strings.Join(parts, ", ")
	default:
		return strings.ReplaceAll(fmt.Sprint(x), "|", "\\|")
	}
}
