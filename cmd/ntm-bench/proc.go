package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

// proc is what one child process cost.
type proc struct {
	Wall   time.Duration
	CPU    time.Duration // user + system
	MaxRSS int64         // bytes
	// SelfRSS is the peak of the process alone, without its children (ntm ingest's refreshes),
	// as it reports it; zero when it does not.
	SelfRSS int64
	// RefreshRSS is the largest peak its refresh processes report (ntm ingest's), or zero.
	RefreshRSS int64
}

// child runs name with args, its standard output to stdout (nil discards it) and its standard
// error to the log file, and measures it from the kernel's accounting.
func child(ctx context.Context, logFile io.Writer, stdout io.Writer, env []string, name string, args ...string) (proc, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = stdout
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), env...)
	fmt.Fprintf(logFile, "\n$ %s %s\n", name, strings.Join(args, " "))
	start := time.Now()
	err := cmd.Run()
	p := proc{Wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		p.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		p.MaxRSS = ru.Maxrss << 10 // Linux reports KiB
	}
	if err != nil {
		return p, fmt.Errorf("%s %s: %w (see the bench log)", name, strings.Join(args, " "), err)
	}
	return p, nil
}

// median returns the run with the median wall time; the CPU time and RSS are that run's, and
// the RSS of the report is the largest over all runs (a peak is a peak).
func median(ps []proc) proc {
	if len(ps) == 0 {
		return proc{}
	}
	s := append([]proc(nil), ps...)
	sort.Slice(s, func(i, j int) bool { return s[i].Wall < s[j].Wall })
	m := s[len(s)/2]
	for _, p := range ps {
		m.MaxRSS = max(m.MaxRSS, p.MaxRSS)
		m.SelfRSS = max(m.SelfRSS, p.SelfRSS)
		m.RefreshRSS = max(m.RefreshRSS, p.RefreshRSS)
	}
	return m
}

// repeat runs f n times and returns the median.
func repeat(n int, f func(i int) (proc, error)) (proc, []proc, error) {
	var ps []proc
	for i := range n {
		p, err := f(i)
		if err != nil {
			return proc{}, ps, err
		}
		ps = append(ps, p)
	}
	return median(ps), ps, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
