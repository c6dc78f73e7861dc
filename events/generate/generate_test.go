package generate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
)

// smallStream is the small stream of seed 7 with 1% bad lines, generated once for the tests
// that read it.
var smallStream = sync.OnceValues(func() (*bytes.Buffer, Stats) {
	var buf bytes.Buffer
	st, err := Generate(context.Background(), &buf, Options{Seed: 7, Scale: Small, BadRate: 0.01})
	if err != nil {
		panic(err)
	}
	return &buf, st
})

// decoded is one line of the stream with its verdict.
type decoded struct {
	line []byte
	ev   events.Event
	rej  *events.Rejection
}

func eachLine(t *testing.T, stream []byte, fn func(d decoded)) {
	t.Helper()
	r := ndjson.NewReader(bytes.NewReader(stream))
	for {
		line, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err)
		ev, err := events.Decode(line)
		d := decoded{line: line, ev: ev}
		if err != nil {
			rej, ok := errors.AsType[*events.Rejection](err)
			require.True(t, ok, "Decode returned %T", err)
			d.rej = rej
		}
		fn(d)
	}
}

func TestDeterministic(t *testing.T) {
	sum := func(seed uint64) [32]byte {
		h := sha256.New()
		_, err := Generate(context.Background(), h, Options{Seed: seed, Scale: Small, BadRate: 0.002})
		require.NoError(t, err)
		return [32]byte(h.Sum(nil))
	}
	require.Equal(t, sum(3), sum(3), "the same seed must give the same bytes")
	require.NotEqual(t, sum(3), sum(4), "another seed must give another stream")
}

// TestStreamMatchesStats judges every line independently of the generator (Decode, then a
// first-seen map of canonical contents) and checks the result against the generator's stats.
func TestStreamMatchesStats(t *testing.T) {
	buf, st := smallStream()
	accepted := map[events.Type]int64{}
	rejected := map[events.Reason]int64{}
	var dups, lines int64
	seen := map[string]string{}
	eachLine(t, buf.Bytes(), func(d decoded) {
		lines++
		if d.rej != nil {
			require.NotEmpty(t, d.rej.Message)
			rejected[d.rej.Reason]++
			return
		}
		canon := string(events.AppendCanonical(nil, d.line))
		if prev, ok := seen[d.ev.ID]; ok {
			if prev == canon {
				dups++
			} else {
				rejected[events.ConflictingDuplicate]++
			}
			return
		}
		seen[d.ev.ID] = canon
		accepted[d.ev.Type]++
	})
	require.Equal(t, st.Lines, lines)
	require.Equal(t, st.Accepted, accepted)
	require.Equal(t, st.Rejected, rejected)
	require.Equal(t, st.Duplicates, dups)
	require.InDelta(t, 200_000, st.AcceptedTotal(), 30_000, "scale small is about 200k events")
}

// v2Pending reports the types of contract v2 that the stream does not carry yet: the generator
// still replays the 2025 reorganization as contract v1 merges (refdata.Changes). Issue 14 item 4
// makes it send the dissolutions and splits, and removes this exception.
func v2Pending(t events.Type) bool {
	return t == events.AdminUnitDissolved || t == events.AdminUnitSplit
}

func TestCoversEveryTypeAndReason(t *testing.T) {
	_, st := smallStream()
	for _, ty := range events.Types() {
		if v2Pending(ty) {
			require.Zero(t, st.Accepted[ty], "the stream carries %s now: drop it from v2Pending", ty)
			continue
		}
		require.Positive(t, st.Accepted[ty], "no %s event", ty)
	}
	for _, r := range events.Reasons() {
		require.Positive(t, st.Rejected[r], "no line rejected as %s", r)
	}
	for _, name := range []string{"exact_duplicates", "respelled_duplicates", "corrections", "correction_chains",
		"retractions", "orphan_corrections", "cross_type_corrections", "unknown_payload_fields",
		"late_registrations", "facts_before_registration", "dossiers_completed_twice"} {
		require.Positive(t, st.Hard[name], "no %s", name)
	}

	var clean bytes.Buffer
	st0, err := Generate(context.Background(), &clean, Options{Seed: 7, Scale: Small})
	require.NoError(t, err)
	for _, r := range events.Reasons() {
		if r != events.ConflictingDuplicate {
			require.Zero(t, st0.Rejected[r], "without --bad-rate no line is %s", r)
		}
	}
}

// TestHardCasesInTheStream finds the hard cases by reading the stream, not the generator's
// counters.
func TestHardCasesInTheStream(t *testing.T) {
	buf, _ := smallStream()
	byID := map[string]events.Type{}
	corrects := map[string]string{}
	var crossMidnight, unknown, merges2025, chains, crossType int
	minDate, maxDate := events.Date(1<<30), events.Date(0)
	eachLine(t, buf.Bytes(), func(d decoded) {
		if d.rej != nil {
			return
		}
		e := d.ev
		byID[e.ID] = e.Type
		if e.Corrects != "" {
			corrects[e.ID] = e.Corrects
		}
		// A UTC timestamp whose UTC date is not its local date: it crosses local midnight.
		if bytes.Contains(d.line, []byte(`Z","recorded_at"`)) && e.Payload.Type() != events.DossierCompleted &&
			events.Date(e.OccurredAt.Unix()/86400) != e.BusinessDate {
			crossMidnight++
		}
		if len(e.Unknown) > 0 {
			unknown++
			for _, name := range e.Unknown {
				require.Contains(t, string(e.RawPayload), `"`+name+`"`, "unknown members are kept")
			}
		}
		if m, ok := e.Payload.(events.AdminUnitMergedPayload); ok && e.BusinessDate == refdata.Reorganization2025 {
			merges2025++
			require.Contains(t, m.FromCodes, m.IntoCode, "every new commune reuses an old code")
		}
		minDate, maxDate = min(minDate, e.BusinessDate), max(maxDate, e.BusinessDate)
	})
	for id, target := range corrects {
		if _, ok := corrects[target]; ok {
			chains++
		}
		if tt, ok := byID[target]; ok && tt != byID[id] {
			crossType++
		}
	}
	require.Positive(t, crossMidnight)
	require.Positive(t, unknown)
	require.Equal(t, 166, merges2025, "NQ 1686 creates 166 commune-level units on 2025-07-01")
	require.Positive(t, chains, "a correction of a correction")
	require.Positive(t, crossType)
	require.Equal(t, "2022-01-01", minDate.String())
	require.True(t, strings.HasPrefix(maxDate.String(), "2025-12") || strings.HasPrefix(maxDate.String(), "2026-01"), "ends with 2025: %s", maxDate)
}

// TestDistrictsProgressDifferently checks that the indicators will be interesting: in 2025 the
// share of commune dossiers processed online differs widely between districts.
func TestDistrictsProgressDifferently(t *testing.T) {
	buf, _ := smallStream()
	units, err := refdata.Units2022()
	require.NoError(t, err)
	parent := map[string]string{}
	for _, u := range units {
		parent[u.Code] = u.ParentCode
	}
	online, total := map[string]float64{}, map[string]float64{}
	from := events.NewDate(2025, 1, 1)
	eachLine(t, buf.Bytes(), func(d decoded) {
		p, ok := d.ev.Payload.(events.DossierCompletedPayload)
		if d.rej != nil || !ok || p.Level != "commune" || d.ev.BusinessDate < from || parent[d.ev.UnitCode] == "" {
			return
		}
		dist := parent[d.ev.UnitCode]
		total[dist]++
		if p.ProcessedOnline {
			online[dist]++
		}
	})
	lo, hi := 1.0, 0.0
	for dist, n := range total {
		share := online[dist] / n
		lo, hi = min(lo, share), max(hi, share)
	}
	require.Greater(t, hi-lo, 0.2, "districts should lead and lag: shares from %.2f to %.2f", lo, hi)
	require.Less(t, lo, 0.7, "some district misses the 70%% target")
	require.Greater(t, hi, 0.7, "some district meets the 70%% target")
}

func TestOptionsAreChecked(t *testing.T) {
	_, err := Generate(context.Background(), io.Discard, Options{Scale: "huge"})
	require.ErrorContains(t, err, "unknown scale")
	_, err = Generate(context.Background(), io.Discard, Options{Scale: Small, BadRate: 2})
	require.ErrorContains(t, err, "outside 0..1")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Generate(ctx, io.Discard, Options{Scale: Small})
	require.ErrorIs(t, err, context.Canceled)
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	var lines, bytes int64
	for b.Loop() {
		st, err := Generate(context.Background(), io.Discard, Options{Seed: 1, Scale: Small})
		if err != nil {
			b.Fatal(err)
		}
		lines, bytes = st.Lines, st.Bytes
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
