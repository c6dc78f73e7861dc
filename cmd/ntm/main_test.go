package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// ntm runs the command line in process and returns its exit code, stdout and stderr.
func ntm(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestGenerateStatsShowEveryTypeAndReason(t *testing.T) {
	file := filepath.Join(t.TempDir(), "events.ndjson")
	code, out, stderr := ntm(t, "", "generate", "--seed", "1", "--scale", "small", "--bad-rate", "0.01", "--out", file, "--stats")
	require.Equal(t, exitOK, code, stderr)
	for _, ty := range events.Types() {
		require.Regexp(t, `(?m)^`+ty.String()+` +[1-9][0-9]*$`, out)
	}
	for _, r := range events.Reasons() {
		require.Regexp(t, `(?m)^`+string(r)+` +[1-9][0-9]*$`, out)
	}

	// validate judges the file independently and must agree with the generator line for line.
	code, vout, stderr := ntm(t, "", "validate", file)
	require.Equal(t, exitOK, code, stderr)
	genCounts, valCounts := countLines(out), countLines(vout)
	var names []string
	for _, ty := range events.Types() {
		names = append(names, ty.String())
	}
	for _, r := range events.Reasons() {
		names = append(names, string(r))
	}
	for _, name := range names {
		require.NotEmpty(t, genCounts[name], "%s", name)
		require.Equal(t, genCounts[name], valCounts[name], "%s", name)
	}

	code, _, stderr = ntm(t, "", "validate", "--strict", file)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "would be rejected")
}

// countLines reads the "name   count" rows of a summary, keyed by name.
func countLines(summary string) map[string]string {
	rows := map[string]string{}
	for _, line := range strings.Split(summary, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && !strings.Contains(f[0], "/") && strings.Trim(f[1], "0123456789") == "" {
			rows[f[0]] = f[1]
		}
	}
	return rows
}

func TestGenerateToStdoutIsDeterministic(t *testing.T) {
	_, a, _ := ntm(t, "", "generate", "--seed", "5")
	_, b, _ := ntm(t, "", "generate", "--seed", "5")
	require.Greater(t, len(a), 1_000_000)
	require.True(t, a == b, "same seed, same bytes")
}

func TestValidateReadsStdin(t *testing.T) {
	in := `{"event_id":"a","event_type":"survey.response","schema_version":1,"occurred_at":"2025-03-01T08:00:00+07:00","recorded_at":"2025-03-01T08:00:00Z","source":{"level":"commune","unit_code":"15814","system":"app"},"unit_code":"15814","payload":{"survey_id":"s1","satisfaction":5}}

   
{"event_id":"a","event_type":"survey.response","schema_version":1,"occurred_at":"2025-03-01T08:00:00+07:00","recorded_at":"2025-03-01T08:00:00Z","source":{"level":"commune","unit_code":"15814","system":"app"},"unit_code":"15814","payload":{"survey_id":"s1","satisfaction":4}}
[1,2]
`
	code, out, stderr := ntm(t, in, "validate", "-")
	require.Equal(t, exitOK, code, stderr)
	rows := countLines(out)
	require.Equal(t, "1", rows["survey.response"])
	require.Equal(t, "1", rows["conflicting_duplicate"])
	require.Equal(t, "1", rows["not_object"])
	require.Contains(t, out, "e.g. line 5:", "line numbers count blank lines too")
}

// A file saved by a Windows editor starts with a UTF-8 byte order mark; its first event counts.
func TestValidateAcceptsALeadingBOM(t *testing.T) {
	ev := `{"event_id":"a","event_type":"survey.response","schema_version":1,"occurred_at":"2025-03-01T08:00:00+07:00","recorded_at":"2025-03-01T08:00:00Z","source":{"level":"commune","unit_code":"15814","system":"app"},"unit_code":"15814","payload":{"survey_id":"s1","satisfaction":5}}`
	file := filepath.Join(t.TempDir(), "bom.ndjson")
	require.NoError(t, os.WriteFile(file, []byte("\uFEFF"+ev+"\r\n"), 0o644))
	code, out, stderr := ntm(t, "", "validate", "--strict", file)
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "1", countLines(out)["survey.response"])

	// A BOM elsewhere is not skipped: the line is not JSON, and says so.
	code, out, _ = ntm(t, ev+"\n\uFEFF"+strings.Replace(ev, `"a"`, `"b"`, 1)+"\n", "validate", "-")
	require.Equal(t, exitOK, code)
	require.Equal(t, "1", countLines(out)["survey.response"])
	require.Equal(t, "1", countLines(out)["not_json"])
	require.Contains(t, out, "e.g. line 2:")
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, ""},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"bad scale", []string{"generate", "--scale", "huge"}, "unknown scale"},
		{"bad rate", []string{"generate", "--bad-rate", "1.5"}, "outside 0..1"},
		{"stray argument", []string{"generate", "extra"}, "unexpected argument"},
		{"unknown flag", []string{"generate", "--nope"}, "flag provided but not defined"},
		{"two files", []string{"validate", "a", "b"}, "give one file"},
		{"compact without warehouse", []string{"compact"}, "--warehouse is required"},
		{"compact bad table", []string{"compact", "--warehouse", "w", "--table", "events"}, "use events_log, dead_letters or all"},
		{"compact bad size", []string{"compact", "--warehouse", "w", "--target-size", "big"}, "--target-size"},
		{"bad known-at", []string{"indicators", "--warehouse", "w", "--period", "2025", "--known-at", "2025-13-01"}, "nor a date (e.g. 2025-12-31)"},
		{"compact one file", []string{"compact", "--warehouse", "w", "--min-files", "1"}, "at least 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := ntm(t, "", tc.args...)
			require.Equal(t, exitUsage, code)
			require.Contains(t, stderr, tc.want)
		})
	}
}

func TestMissingFileIsAFailure(t *testing.T) {
	code, _, stderr := ntm(t, "", "validate", filepath.Join(t.TempDir(), "absent.ndjson"))
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "open the event file")
}

func TestFlagsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("NTM_SEED", "9")
	t.Setenv("NTM_OUT", filepath.Join(dir, "env.ndjson"))
	code, _, stderr := ntm(t, "", "generate")
	require.Equal(t, exitOK, code, stderr)
	fromEnv, err := os.ReadFile(filepath.Join(dir, "env.ndjson"))
	require.NoError(t, err)

	code, _, stderr = ntm(t, "", "generate", "--seed", "9", "--out", filepath.Join(dir, "flag.ndjson"))
	require.Equal(t, exitOK, code, stderr)
	fromFlag, err := os.ReadFile(filepath.Join(dir, "flag.ndjson"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(fromEnv, fromFlag), "NTM_SEED=9 acts as --seed 9")

	t.Setenv("NTM_SCALE", "enormous")
	code, _, stderr = ntm(t, "", "generate")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "unknown scale")
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		t.Run(args[0], func(t *testing.T) {
			code, out, stderr := ntm(t, "", args...)
			require.Equal(t, exitOK, code, stderr)
			require.Regexp(t, `^ntm \S.* \(go1\.[0-9]+\S*, DuckDB v[0-9]+\.[0-9]+\.[0-9]+\S*\)\n$`, out)
		})
	}
	code, _, stderr := ntm(t, "", "version", "extra")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "unexpected argument")
}

func TestSplitArgs(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("warehouse", "", "")
	fs.Bool("strict", false, "")
	for _, tc := range []struct {
		name              string
		args, flags, rest []string
	}{
		{"flags first", []string{"--warehouse", "w", "q"}, []string{"--warehouse", "w"}, []string{"q"}},
		{"flags after", []string{"q", "--warehouse", "w"}, []string{"--warehouse", "w"}, []string{"q"}},
		{"interspersed", []string{"a", "-strict", "b", "--warehouse=w", "c"}, []string{"-strict", "--warehouse=w"}, []string{"a", "b", "c"}},
		{"a boolean flag takes no value", []string{"--strict", "f"}, []string{"--strict"}, []string{"f"}},
		{"a value may start with a dash", []string{"--warehouse", "-w", "q"}, []string{"--warehouse", "-w"}, []string{"q"}},
		{"a dash alone is standard input", []string{"-", "--strict"}, []string{"--strict"}, []string{"-"}},
		{"after -- everything is positional", []string{"--warehouse", "w", "--", "-1", "--strict"}, []string{"--warehouse", "w"}, []string{"-1", "--strict"}},
		{"-- as a flag's value", []string{"--warehouse", "--", "q", "--strict"}, []string{"--warehouse", "--", "--strict"}, []string{"q"}},
		{"a negative number is an argument", []string{"SELECT", "-1", "--warehouse", "w"}, []string{"--warehouse", "w"}, []string{"SELECT", "-1"}},
		{"a comment is an argument", []string{"-- c\nSELECT 1", "-strict"}, []string{"-strict"}, []string{"-- c\nSELECT 1"}},
		{"three dashes are an argument", []string{"---x"}, nil, []string{"---x"}},
		{"an unknown flag is left to Parse", []string{"q", "--nope", "x"}, []string{"--nope"}, []string{"q", "x"}},
		{"a missing value is left to Parse", []string{"q", "--warehouse"}, []string{"--warehouse"}, []string{"q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags, rest := splitArgs(fs, tc.args)
			require.Equal(t, tc.flags, flags)
			require.Equal(t, tc.rest, rest)
		})
	}
}

// Flags may follow a command's arguments: ntm sql "q" --warehouse W, ntm validate FILE --strict.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	wh, err := warehouse.Open(context.Background(), dir, true)
	require.NoError(t, err)
	wh.Close()

	code, out, stderr := ntm(t, "", "sql", "SELECT 42 AS n", "--warehouse", dir, "--format", "csv")
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "n\n42\n", out)
	// After --, a query may start with a dash, and a flag-like word is part of it.
	code, out, stderr = ntm(t, "", "sql", "--format", "csv", "--warehouse", dir, "--", "-- a comment\nSELECT 7 AS n")
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "n\n7\n", out)
	code, out, stderr = ntm(t, "", "sql", "-- a comment\nSELECT -1 AS n", "--format", "csv", "--warehouse", dir)
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "n\n-1\n", out, "a query opening with a comment needs no --")
	code, out, stderr = ntm(t, "", "sql", "--warehouse", dir, "--", "SELECT", "'--format' AS f")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, "--format")

	file := filepath.Join(t.TempDir(), "bad.ndjson")
	require.NoError(t, os.WriteFile(file, []byte("[1]\n"), 0o644))
	code, _, stderr = ntm(t, "", "validate", file, "--strict")
	require.Equal(t, exitFailure, code, "--strict after the file still counts")
	require.Contains(t, stderr, "would be rejected")
	code, _, stderr = ntm(t, "", "validate", file, "--nope")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "flag provided but not defined: -nope")
}

func TestInvokedAs(t *testing.T) {
	tmp := filepath.Join(string(filepath.Separator), "tmp")
	for _, tc := range []struct{ arg0, want string }{
		{"", "ntm"},
		{"ntm", "ntm"},
		{"bin/ntm", "bin/ntm"},
		{"./ntm", "./ntm"},
		{filepath.Join(tmp, "go-build1", "b001", "exe", "ntm"), "bin/ntm"},
		{filepath.Join(string(filepath.Separator), "usr", "local", "bin", "ntm"), filepath.Join(string(filepath.Separator), "usr", "local", "bin", "ntm")},
		{filepath.Join(string(filepath.Separator), "tmpx", "ntm"), filepath.Join(string(filepath.Separator), "tmpx", "ntm")},
	} {
		require.Equal(t, tc.want, invokedAs(tc.arg0, tmp), tc.arg0)
	}
}

// The demo's closing lines name the binary as the user ran it, so that they paste as they are.
func TestDemoNextCommands(t *testing.T) {
	var b bytes.Buffer
	printDemoNext(&b, env{self: "bin/ntm"}.name(), "ntm-demo/warehouse", "2025")
	require.Equal(t, "Truy vấn / query:     bin/ntm sql --warehouse ntm-demo/warehouse\n"+
		"Chỉ tiêu / indicators: bin/ntm indicators --warehouse ntm-demo/warehouse --period 2025\n", b.String())
	b.Reset()
	printDemoNext(&b, env{}.name(), "w", "2025-Q3")
	require.Contains(t, b.String(), "Truy vấn / query:     ntm sql --warehouse w\n")
}
