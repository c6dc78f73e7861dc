package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Exit codes of the contract: 0 ok, 1 failure, 2 bad usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env holds what a command reads and writes besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	// self is how the user runs ntm, for the commands a command suggests (ntm demo's closing
	// lines): "bin/ntm" after make build, "ntm" when it is on the PATH. Empty means "ntm".
	self string
	// crashpoint is called by ingest at the named moments of a flush (ingest.Config.Crashpoint);
	// only the crash tests set it, to kill the process at such a moment.
	crashpoint func(point string)
	// exe is the ntm binary, for the commands a command runs as processes of their own
	// (ingest's refresh, refreshHook); empty runs them in the process.
	exe string
}

// command is one subcommand of ntm.
type command struct {
	name    string
	usage   string // the argument synopsis
	summary string // one line, Vietnamese / English
	flags   func(fs *flag.FlagSet) func(ctx context.Context, e env, args []string) error
}

// name is how the user runs ntm, to write into a suggested command line.
func (e env) name() string {
	if e.self == "" {
		return "ntm"
	}
	return e.self
}

// invokedAs is the name to suggest for running ntm again, from the arg0 it was started with: as
// typed when it is a bare name (found on the PATH) or a relative path (bin/ntm, ./ntm), since
// that is what works in the user's shell. An absolute path under tmpDir is a binary that go run
// built and will delete, so the suggestion is make build's bin/ntm instead; another absolute
// path is an installed binary and is kept.
func invokedAs(arg0, tmpDir string) string {
	switch {
	case arg0 == "":
		return "ntm"
	case !filepath.IsAbs(arg0):
		return arg0
	case tmpDir != "" && strings.HasPrefix(arg0, filepath.Clean(tmpDir)+string(filepath.Separator)):
		return "bin/ntm"
	}
	return arg0
}

// usageError is bad usage: the message says what to fix, and the exit code is 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func commands() []command {
	return []command{generateCommand(), validateCommand(), ingestCommand(), sqlCommand(), verifyCommand(), brokerCommand(), produceCommand(), indicatorsCommand(), qualityCommand(), publishCommand(), demoCommand(), reportCommand(), serveCommand(), tokenCommand(), compactCommand(), refreshCommand(), versionCommand()}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, `ntm — kho dữ liệu chuyển đổi số trong xây dựng nông thôn mới, tỉnh Thanh Hóa
      the Thanh Hóa data warehouse for digital transformation in new rural areas (NTM)

Cách dùng / usage: ntm <lệnh/command> [cờ/flags]

Lệnh / commands:`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, `
Mỗi cờ cũng đặt được bằng biến môi trường NTM_<CỜ> / every flag can also be set by an
environment variable NTM_<FLAG> (e.g. NTM_SEED). "ntm <command> -h" shows a command's flags;
"ntm --version" prints the version.
Cờ đặt được trước hoặc sau đối số; sau "--" mọi thứ là đối số / flags may come before or after
the arguments (ntm sql "SELECT 1" --warehouse W); after "--" everything is an argument, for a
query or a file name that starts with "-".`)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, env{stdin: stdin, stdout: stdout, stderr: stderr})
}

func runEnv(ctx context.Context, args []string, e env) int {
	stdout, stderr := e.stdout, e.stderr
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	// --version is the conventional spelling that scripts and bug reports try first; it is the
	// version command.
	if args[0] == "--version" || args[0] == "-version" {
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		fs := flag.NewFlagSet("ntm "+c.name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		runFn := c.flags(fs)
		fs.Usage = func() {
			fmt.Fprintf(stderr, "Cách dùng / usage: ntm %s %s\n  %s\n\n", c.name, c.usage, c.summary)
			fs.PrintDefaults()
		}
		if err := applyEnv(fs); err != nil {
			fmt.Fprintln(stderr, "ntm:", err)
			return exitUsage
		}
		flagArgs, positional := splitArgs(fs, args[1:])
		if err := fs.Parse(flagArgs); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		err := runFn(ctx, e, append(fs.Args(), positional...))
		switch {
		case err == nil:
			return exitOK
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "ntm %s: %v\n", c.name, err)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "ntm %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(stderr, "ntm: unknown command %q; run \"ntm help\" to list the commands\n", args[0])
	return exitUsage
}

// splitArgs separates a command's flags from its positional arguments, so that flags may follow
// them as well as precede them (ntm sql "SELECT 1" --warehouse W), which the flag package alone
// does not allow: it stops at the first argument that is not a flag. An argument of one or two
// dashes and a letter is a flag, with the next argument its value unless it is a boolean flag or
// says "=value"; anything else is positional: "-" alone (standard input), a negative number
// (SELECT -1), a query opening with a "-- comment". Everything after "--" is positional, which
// is how any other argument that starts with "-" is given. Flag errors (an unknown flag, a
// missing value) are left to fs.Parse, which reports them in its own words.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case !isFlag(a):
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}

// isFlag reports whether a looks like a flag: one or two dashes, then a letter.
func isFlag(a string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	if len(name) == len(a) || name == "" {
		return false
	}
	c := name[0]
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// applyEnv sets each flag from its environment variable NTM_<FLAG> (dashes become
// underscores), so that flags given on the command line, parsed afterwards, win.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "NTM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q: %w", name, v, e)
			}
		}
	})
	return err
}
