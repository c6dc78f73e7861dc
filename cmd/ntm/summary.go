package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
)

// summary is what generate --stats and validate print about a stream.
type summary struct {
	title      string
	lines      int64
	accepted   map[events.Type]int64
	duplicates int64
	rejected   map[events.Reason]int64
	examples   map[events.Reason]ndjson.Example
	hard       map[string]int64
}

func printSummary(w io.Writer, s summary) {
	fmt.Fprintf(w, "%s\n\n", s.title)
	fmt.Fprintf(w, "%-36s %12s\n", "loại sự kiện / event type", "hợp lệ / valid")
	var total int64
	for _, t := range events.Types() {
		fmt.Fprintf(w, "%-36s %12d\n", t, s.accepted[t])
		total += s.accepted[t]
	}
	fmt.Fprintf(w, "%-36s %12d\n", "tổng / total (distinct event_id)", total)
	fmt.Fprintf(w, "%-36s %12d\n\n", "trùng lặp / duplicates (dropped)", s.duplicates)

	fmt.Fprintf(w, "%-36s %12s\n", "lý do loại / rejection reason", "dòng / lines")
	var rejected int64
	for _, r := range events.Reasons() {
		fmt.Fprintf(w, "%-36s %12d", r, s.rejected[r])
		if ex, ok := s.examples[r]; ok {
			fmt.Fprintf(w, "   e.g. line %d: %s", ex.Line, ex.Message)
		}
		fmt.Fprintln(w)
		rejected += s.rejected[r]
	}
	fmt.Fprintf(w, "%-36s %12d\n", "tổng / total rejected", rejected)
	fmt.Fprintf(w, "%-36s %12d\n", "số dòng / lines", s.lines)
	if len(s.hard) > 0 {
		fmt.Fprintf(w, "\n%-36s %12s\n", "tình huống khó / hard cases", "số / count")
		names := make([]string, 0, len(s.hard))
		for name := range s.hard {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			fmt.Fprintf(w, "%-36s %12d\n", name, s.hard[name])
		}
	}
}
