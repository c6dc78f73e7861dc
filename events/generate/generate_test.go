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

func TestCoversEveryTypeAndReason(t *testing.T) {
	_, st := smallStream()
	for _, ty := range events.Types() {
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
	var crossMidnight, unknown, chains, crossType int
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
	require.Positive(t, chains, "a correction of a correction")
	require.Positive(t, crossType)
	require.Equal(t, "2022-01-01", minDate.String())
	require.True(t, strings.HasPrefix(maxDate.String(), "2025-12") || strings.HasPrefix(maxDate.String(), "2026-01"), "ends with 2025: %s", maxDate)
}

// TestStreamFollowsTheReorganization reads the stream across 2025-07-01: it carries the
// reference data's reorganization as it was (contract v2), and from that day on every event is
// reported by, and is about, a unit that exists: the province, a new commune or a village.
func TestStreamFollowsTheReorganization(t *testing.T) {
	buf, _ := smallStream()
	ref, err := refdata.Events()
	require.NoError(t, err)
	// change is what the stream must say of a change: the emitter may spell its instants in UTC
	// and add unknown payload members, as for every event.
	type change struct {
		id, unit string
		at       int64
		payload  events.Payload
	}
	var want []change
	for _, e := range ref {
		if events.DateOf(e.OccurredAt) == refdata.Reorganization2025 {
			want = append(want, change{e.ID, e.UnitCode, e.OccurredAt.Unix(), e.Payload})
		}
	}
	r, err := refdata.TwoLevel()
	require.NoError(t, err)
	communes := map[string]bool{}
	for _, m := range r.Merges {
		communes[m.IntoCode] = true
	}
	require.Len(t, communes, 166)
	exists := func(code string) bool {
		return code == refdata.ProvinceCode || communes[code] || len(code) == len("15814-007")
	}

	var got []change
	districtManagers := map[string]bool{}
	movedManagers, movedLinkages := 0, 0
	perType := map[events.Type]int{}
	eachLine(t, buf.Bytes(), func(d decoded) {
		e := d.ev
		if d.rej != nil || e.BusinessDate < refdata.Reorganization2025 {
			if p, ok := e.Payload.(events.ManagerRegisteredPayload); ok && d.rej == nil && p.Level == "district" {
				districtManagers[p.PersonRef] = true
			}
			return
		}
		if strings.HasPrefix(e.Type.String(), "admin_unit.") && e.BusinessDate == refdata.Reorganization2025 {
			got = append(got, change{e.ID, e.UnitCode, e.OccurredAt.Unix(), e.Payload})
			return
		}
		perType[e.Type]++
		require.True(t, exists(e.UnitCode), "%s dated %s is about %s, which no longer exists", e.ID, e.BusinessDate, e.UnitCode)
		require.True(t, exists(e.Source.UnitCode) && len(e.Source.UnitCode) <= 5, "%s dated %s is sent by %s", e.ID, e.BusinessDate, e.Source.UnitCode)
		require.Equal(t, levelOf(e.Source.UnitCode), e.Source.Level, e.ID)
		switch p := e.Payload.(type) {
		case events.DossierCompletedPayload:
			require.NotEqual(t, "district", p.Level, "no district-level dossier after the abolition: %s", e.ID)
		case events.CriterionAssessedPayload:
			require.NotContains(t, p.CriteriaSet, "district", "no district-level assessment after the abolition: %s", e.ID)
		case events.ManagerRegisteredPayload:
			require.NotEqual(t, "district", p.Level, e.ID)
			if districtManagers[p.PersonRef] {
				movedManagers++
			}
		case events.LinkageModelRegisteredPayload:
			movedLinkages++
		}
	})
	require.Equal(t, want, got, "the reorganization as the reference data gives it: 26 dissolutions, 166 merges, 10 splits")
	require.Len(t, got, 26+166+10)
	require.Positive(t, movedManagers, "the district offices' managers are registered again at communes")
	require.Positive(t, movedLinkages, "the districts' linkage models are registered again at communes")
	for _, ty := range []events.Type{events.DossierCompleted, events.CriterionAssessed, events.TrainingCompleted,
		events.CooperativeDigitalAdopted, events.SurveyResponse, events.HouseholdSurveyRecorded, events.FundingDisbursed} {
		require.Positive(t, perType[ty], "the stream goes on after the reorganization with %s", ty)
	}
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

// TestPointsInsideTheProvince checks that every tourism site and raw-material area of the stream
// lies inside the province's outline, where the dashboard's maps draw it.
func TestPointsInsideTheProvince(t *testing.T) {
	buf, _ := smallStream()
	n := 0
	eachLine(t, buf.Bytes(), func(d decoded) {
		if d.rej != nil {
			return
		}
		var p refdata.Point
		switch x := d.ev.Payload.(type) {
		case events.TourismSiteRegisteredPayload:
			p = refdata.Point{Lon: x.Longitude, Lat: x.Latitude}
		case events.RawMaterialAreaRegisteredPayload:
			p = refdata.Point{Lon: x.Longitude, Lat: x.Latitude}
		default:
			return
		}
		n++
		require.True(t, refdata.InProvince(p), "%s %s at %v is outside Thanh Hóa", d.ev.Type, d.ev.ID, p)
	})
	require.Greater(t, n, 50, "the stream has sites and areas")
}
