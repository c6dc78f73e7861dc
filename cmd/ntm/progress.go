package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progressBar draws one step's progress on stderr: a bar redrawn in place on a terminal, or a
// line every tenth of the way otherwise (logs, CI).
type progressBar struct {
	w        io.Writer
	label    string
	total    int64
	tty      bool
	last     time.Time
	lastTent int64
	start    time.Time
}

func newProgress(w io.Writer, label string, total int64) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progressBar{w: w, label: label, total: total, tty: tty, start: time.Now(), lastTent: -1}
}

func (p *progressBar) set(done int64) {
	if p.total <= 0 {
		return
	}
	done = min(done, p.total)
	frac := float64(done) / float64(p.total)
	if p.tty {
		if time.Since(p.last) < 100*time.Millisecond && done < p.total {
			return
		}
		p.last = time.Now()
		n := int(frac * 30)
		fmt.Fprintf(p.w, "\r  %-34s [%s%s] %3.0f%%  %d/%d", p.label, strings.Repeat("█", n), strings.Repeat("·", 30-n), 100*frac, done, p.total)
		return
	}
	if tent := int64(frac * 10); tent > p.lastTent {
		p.lastTent = tent
		fmt.Fprintf(p.w, "  %-34s %3.0f%%  %d/%d\n", p.label, 100*frac, done, p.total)
	}
}

func (p *progressBar) finish(note string) {
	p.set(p.total)
	if p.tty {
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "  %-34s xong / done in %.1f s%s\n", p.label, time.Since(p.start).Seconds(), note)
}
