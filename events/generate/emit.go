package generate

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
)

// Rates of the hard cases, per emitted event.
const (
	rateDuplicate   = 0.004  // the same bytes again
	rateRespelled   = 0.001  // the same content with other key order, spacing and number spelling
	rateConflict    = 0.0005 // the same event_id with other content
	rateCorrection  = 0.006  // a correction of a recent event (corrections are corrected too)
	rateRetraction  = 0.0015 // a retraction of a recent event or correction
	rateOrphan      = 0.0002 // a correction whose target never arrives
	rateCrossType   = 0.0002 // a correction naming an event of another type
	rateUnknown     = 0.01   // unknown payload fields
	rateUTC         = 0.15   // timestamps written in UTC ("Z") rather than +07:00
	ringSize        = 2048   // recent events that hard cases pick from
	tooLargePerLine = 100000 // at most one too_large line per this many events (they are 1 MiB)
)

// recent is an event the stream already holds, kept for later hard cases.
type recent struct {
	ev  events.Event
	raw []byte
}

type gen struct {
	rng  *rand.Rand
	w    *bufio.Writer
	opts Options
	k    int
	err  error

	buf      []byte
	lines    int64
	bytes    int64
	dups     int64
	accepted [32]int64
	rejected map[events.Reason]int64
	hard     map[string]int64

	ring  [ringSize]recent
	ringN int
	seq   uint64

	badTurn  int
	tooLarge int64

	world
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) intn(n int) int { return g.rng.IntN(n) }

// id returns a new event id with the given source prefix.
func (g *gen) id(prefix string) string {
	g.seq++
	return prefix + "-" + strconv.FormatUint(g.seq*2654435761%(1<<40)+g.seq<<40, 36)
}

func (g *gen) write(line []byte) {
	if g.err != nil {
		return
	}
	_, g.err = g.w.Write(line)
	if g.err == nil {
		g.err = g.w.WriteByte('\n')
	}
	g.lines++
	g.bytes += int64(len(line)) + 1
}

// emit writes a new valid event and, now and then, a hard case built from it or from a recent
// event.
func (g *gen) emit(e events.Event) {
	if g.chance(rateUTC) {
		e.OccurredAt = e.OccurredAt.UTC()
		e.RecordedAt = e.RecordedAt.UTC()
	}
	if g.chance(rateUnknown) && e.Type != events.AdminUnitRegistered {
		e.RawPayload = []byte(`{"ghi_chu":"nhập từ bảng tính","x_import_batch":` + strconv.Itoa(g.intn(500)) + `}`)
		e.Unknown = []string{"ghi_chu", "x_import_batch"}
		g.hard["unknown_payload_fields"]++
	}
	g.buf = events.AppendJSON(g.buf[:0], &e)
	g.write(g.buf)
	g.accepted[e.Type]++

	if g.opts.BadRate > 0 && g.chance(g.opts.BadRate) {
		g.bad(g.buf)
	}
	if !correctable(e.Type) {
		return
	}
	// Ring slots keep their byte slices, so a steady stream allocates no copies.
	slot := &g.ring[g.ringN%ringSize]
	slot.ev = e
	slot.raw = append(slot.raw[:0], g.buf...)
	g.ringN++
	g.hardCases(e.Type)
}

// correctable reports whether hard cases may use events of type t. Unit events shape the
// hierarchy, and retractions are not facts: both stay clean.
func correctable(t events.Type) bool {
	switch t {
	case events.AdminUnitRegistered, events.AdminUnitRenamed, events.AdminUnitMerged,
		events.AdminUnitDissolved, events.AdminUnitSplit, events.EventRetracted:
		return false
	}
	return true
}

func (g *gen) pick() *recent {
	n := min(g.ringN, ringSize)
	return &g.ring[g.intn(n)]
}

func (g *gen) hardCases(t events.Type) {
	r := g.rng.Float64()
	switch {
	case r < rateDuplicate:
		g.write(g.pick().raw)
		g.dups++
		g.hard["exact_duplicates"]++
	case r < rateDuplicate+rateRespelled:
		g.write(respell(g.pick().raw))
		g.dups++
		g.hard["respelled_duplicates"]++
	case r < rateDuplicate+rateRespelled+rateConflict:
		old := g.pick()
		e := old.ev
		g.mutate(&e)
		g.buf = events.AppendJSON(g.buf[:0], &e)
		g.write(g.buf)
		g.rejected[events.ConflictingDuplicate]++
	case r < rateDuplicate+rateRespelled+rateConflict+rateCorrection:
		old := g.pick()
		e := old.ev
		if e.Corrects != "" {
			g.hard["correction_chains"]++
		}
		e.Corrects = e.ID
		e.ID = g.id("corr")
		e.RecordedAt = e.RecordedAt.Add(time.Duration(1+g.intn(240)) * time.Hour)
		e.RawPayload, e.Unknown = nil, nil
		g.mutate(&e)
		g.hard["corrections"]++
		g.emit(e)
	case r < rateDuplicate+rateRespelled+rateConflict+rateCorrection+rateRetraction:
		old := g.pick()
		e := old.ev
		g.hard["retractions"]++
		// The retraction is reported, on its own date, by the unit that stands then for the
		// retracted event's unit (see gen.source); a correction copies its target's unit, source
		// and date, which hold on that date.
		at := e.RecordedAt.Add(time.Duration(1+g.intn(72)) * time.Hour)
		src := g.source(e.UnitCode, e.Source.System, at)
		g.emit(events.Event{
			ID: g.id("retract"), Type: events.EventRetracted,
			OccurredAt: at,
			RecordedAt: e.RecordedAt.Add(time.Duration(73+g.intn(72)) * time.Hour),
			Source:     src, UnitCode: g.standFor(e.UnitCode, events.DateOf(at)),
			Payload: events.EventRetractedPayload{EventID: e.ID, Reason: "nhập trùng / entered twice"},
		})
	case r < rateDuplicate+rateRespelled+rateConflict+rateCorrection+rateRetraction+rateOrphan:
		e := g.pick().ev
		e.Corrects = "missing-" + strconv.FormatUint(g.seq, 36)
		e.ID = g.id("corr")
		e.RawPayload, e.Unknown = nil, nil
		g.hard["orphan_corrections"]++
		g.emit(e)
	case r < rateDuplicate+rateRespelled+rateConflict+rateCorrection+rateRetraction+rateOrphan+rateCrossType:
		target := g.pick().ev
		e := g.pick().ev
		if target.Type == e.Type {
			return
		}
		e.Corrects = target.ID
		e.ID = g.id("corr")
		e.RawPayload, e.Unknown = nil, nil
		g.hard["cross_type_corrections"]++
		g.emit(e)
	}
}

// mutate changes an event's content the way a correcting source would.
func (g *gen) mutate(e *events.Event) {
	switch p := e.Payload.(type) {
	case events.DossierCompletedPayload:
		p.ProcessedOnline = !p.ProcessedOnline
		e.Payload = p
	case events.CriterionAssessedPayload:
		p.Met = !p.Met
		e.Payload = p
	case events.HouseholdSurveyRecordedPayload:
		p.WithSmartphone = p.Households - p.WithSmartphone/2
		e.Payload = p
	case events.FundingAllocatedPayload:
		p.AmountVND = p.AmountVND/10*9 + 1_000_000
		e.Payload = p
	case events.FundingDisbursedPayload:
		p.AmountVND = p.AmountVND/10*9 + 1_000_000
		e.Payload = p
	case events.SurveyResponsePayload:
		p.Satisfaction = 1 + (p.Satisfaction+1)%5
		e.Payload = p
	case events.TrainingCompletedPayload:
		p.Hours += 4
		e.Payload = p
	case events.OCOPProductRatedPayload:
		p.Stars = 3 + (p.Stars-2)%3
		e.Payload = p
	case events.ConnectivityReportedPayload:
		p.FixedBroadband = !p.FixedBroadband
		e.Payload = p
	default:
		e.OccurredAt = e.OccurredAt.Add(-time.Duration(1+g.intn(3600)) * time.Second)
	}
}

// respell writes the same JSON content another way: members in sorted order, spaces after
// separators, and integers spelled with a fraction (8 → 8.0).
func respell(raw []byte) []byte {
	c := events.AppendCanonical(nil, raw)
	var out []byte
	inString := false
	for i := 0; i < len(c); i++ {
		ch := c[i]
		out = append(out, ch)
		switch {
		case ch == '\\' && inString:
			i++
			out = append(out, c[i])
		case ch == '"':
			inString = !inString
		case !inString && (ch == ',' || ch == ':'):
			out = append(out, ' ')
		case !inString && ch >= '0' && ch <= '9' && (i+1 == len(c) || c[i+1] == ',' || c[i+1] == '}' || c[i+1] == ']'):
			// The canonical form spells integers without a fraction or exponent only when they
			// have no trailing zeros; adding ".0" keeps the value either way.
			if j := bytes.LastIndexAny(out[:len(out)-1], ":,[ "); j >= 0 && bytes.IndexAny(out[j+1:], ".e") < 0 {
				out = append(out, '.', '0')
			}
		}
	}
	return out
}
