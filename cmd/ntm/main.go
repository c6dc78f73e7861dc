// Command ntm is the Thanh Hóa NTM data warehouse: it generates, validates, ingests, queries and
// publishes the province's digital-transformation events.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// NTM_CPUPROFILE=FILE writes a CPU profile of the command, for performance work.
	if path := os.Getenv("NTM_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ntm: NTM_CPUPROFILE:", err)
			os.Exit(exitFailure)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	exe, err := os.Executable()
	if err != nil {
		exe = "" // the refresh after ingest's commits then runs in the process
	}
	code := runEnv(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, self: invokedAs(os.Args[0], os.TempDir()), exe: exe})
	stop()
	if code != exitOK {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}
