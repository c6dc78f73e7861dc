// Package generate writes a realistic, deterministic event stream for Thanh Hóa province: the
// real administrative units from 2022 to 2025 with villages synthesized under every commune,
// every event type of the contract, progress toward the plan's 2025 targets that differs between
// districts, and the hard cases an ingest must get right (duplicates, conflicts, correction
// chains, retractions, timestamps across local midnight, late registrations, the reorganization
// of 2025-07-01 as contract v2 says it (the district level dissolved, the communes merged and
// split, and every later event reported by the new communes), unknown payload fields and, on
// request, invalid lines of every reason code).
//
// The stream is NDJSON in time order month by month. The same options always give the same
// bytes, and memory stays flat at any scale: state is kept per unit and per entity, never per
// event.
package generate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/thanhhoa-ntm/ntm/events"
)

// Scale is the size of a generated stream.
type Scale string

// The scales: about 200 thousand, 2 million and 20 million events.
const (
	Small  Scale = "small"
	Medium Scale = "medium"
	Large  Scale = "large"
)

// ParseScale returns the scale named s.
func ParseScale(s string) (Scale, error) {
	switch Scale(s) {
	case Small, Medium, Large:
		return Scale(s), nil
	}
	return "", fmt.Errorf("unknown scale %q: use small, medium or large", s)
}

// factor multiplies the flow volumes (dossiers and survey responses), which are most of the
// events; everything tied to units and entities stays at its real size.
func (s Scale) factor() int {
	switch s {
	case Medium:
		return 17
	case Large:
		return 172
	}
	return 1
}

// Options says what to generate.
type Options struct {
	Seed  uint64
	Scale Scale
	// BadRate is the share of extra invalid lines, one per reason code in turn (0 for none).
	BadRate float64
}

// Stats counts what a stream holds, as an ingest should see it.
type Stats struct {
	Lines int64 // lines written
	Bytes int64 // bytes written
	// Accepted counts, per type, the distinct events an ingest stores (each event_id once).
	Accepted map[events.Type]int64
	// Duplicates counts redeliveries of an event already in the stream with the same content
	// (byte for byte, or spelled differently): an ingest drops them.
	Duplicates int64
	// Rejected counts, per reason, the lines an ingest must put in its dead letters.
	Rejected map[events.Reason]int64
	// Hard counts the hard cases by name (corrections, chains, retractions, ...).
	Hard map[string]int64
}

// AcceptedTotal is the number of distinct valid events.
func (s Stats) AcceptedTotal() int64 {
	var n int64
	for _, c := range s.Accepted {
		n += c
	}
	return n
}

// RejectedTotal is the number of lines to be rejected.
func (s Stats) RejectedTotal() int64 {
	var n int64
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

// Generate writes the stream for opts to w and returns its statistics.
func Generate(ctx context.Context, w io.Writer, opts Options) (Stats, error) {
	if opts.Scale == "" {
		opts.Scale = Small
	}
	if _, err := ParseScale(string(opts.Scale)); err != nil {
		return Stats{}, err
	}
	if opts.BadRate < 0 || opts.BadRate > 1 {
		return Stats{}, fmt.Errorf("bad rate %v is outside 0..1", opts.BadRate)
	}
	g := &gen{
		rng:  rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
		w:    bufio.NewWriterSize(w, 1<<20),
		opts: opts,
		k:    opts.Scale.factor(),
		hard: map[string]int64{},
	}
	if err := g.run(ctx); err != nil {
		return g.stats(), err
	}
	if err := g.w.Flush(); err != nil {
		return g.stats(), fmt.Errorf("write stream: %w", err)
	}
	return g.stats(), g.err
}

func (g *gen) stats() Stats {
	s := Stats{Lines: g.lines, Bytes: g.bytes, Duplicates: g.dups,
		Accepted: map[events.Type]int64{}, Rejected: map[events.Reason]int64{}, Hard: g.hard}
	for _, t := range events.Types() {
		if g.accepted[t] > 0 {
			s.Accepted[t] = g.accepted[t]
		}
	}
	for _, r := range events.Reasons() {
		if n := g.rejected[r]; n > 0 {
			s.Rejected[r] = n
		}
	}
	return s
}
