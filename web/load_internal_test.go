package web

import (
	"context"
	"flag"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/events/generate"
)

var (
	load        = flag.Bool("load", false, "run TestLoad: concurrent clients against / and /api/v1/indicators while ingest commits")
	loadClients = flag.Int("load.clients", 50, "TestLoad's concurrent clients")
	loadFor     = flag.Duration("load.for", 20*time.Second, "how long TestLoad's clients send requests")
	loadThink   = flag.Duration("load.think", 0, "TestLoad's pause of a client between its requests (0: none, a stress test)")
)

// TestLoad is the load benchmark of "answers at interactive speed": loadClients clients on
// loopback, each sending requests one after the other for loadFor, alternating the dashboard
// and the API, while ingest commits a new part of a small generated stream every two seconds. It reports the latencies'
// percentiles by route and how many answers were stale; it asserts no duration (a shared
// machine's timings are not a test's verdict). Run it with
//
//	go test ./web/ -run TestLoad -load -v
func TestLoad(t *testing.T) {
	if !*load {
		t.Skip("a load benchmark: run with -load")
	}
	lines, _ := kit.Stream(t, generate.Small, 0)
	first := len(lines) * 6 / 10
	f := newStale(t, Config{}, lines[:first])
	f.s.computeHook = nil
	start := time.Now()
	f.s.Warm(context.Background())
	t.Logf("warm (the four years and the 2025 maps, %d events): %v", first, time.Since(start).Round(time.Millisecond))

	// The committer: the rest of the stream in parts, one commit every two seconds until the
	// clients are done.
	done := make(chan struct{})
	var commits atomic.Int32
	var cwg sync.WaitGroup
	cwg.Go(func() {
		rest := lines[first:]
		part := max(len(rest)/10, 1)
		for len(rest) > 0 {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Second):
			}
			n := min(part, len(rest))
			f.commit(t, rest[:n])
			rest = rest[n:]
			commits.Add(1)
		}
	})

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *loadClients}}
	type sample struct {
		route string
		d     time.Duration
		stale bool
		snap  string
	}
	var mu sync.Mutex
	var samples []sample
	var wg sync.WaitGroup
	loadStart := time.Now()
	for c := range *loadClients {
		wg.Go(func() {
			for i := 0; time.Since(loadStart) < *loadFor; i++ {
				route := "/api/v1/indicators"
				url := f.srv.URL + "/api/v1/indicators?period=2025"
				if (c+i)%2 == 0 {
					route, url = "/", f.srv.URL+"/?period=2025"
				}
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					t.Error(err)
					return
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				d := time.Since(t0)
				if err != nil || res.StatusCode != http.StatusOK {
					t.Errorf("%s: %d %v", url, res.StatusCode, err)
					return
				}
				time.Sleep(*loadThink)
				mu.Lock()
				samples = append(samples, sample{route, d, res.Header.Get("X-NTM-Stale") == "true", res.Header.Get("X-NTM-Snapshot")})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(loadStart)
	close(done)
	cwg.Wait()
	require.NotEmpty(t, samples)

	snaps := map[string]bool{}
	for _, s := range samples {
		snaps[s.snap] = true
	}
	t.Logf("%d clients, %d requests in %v (%.0f requests/s), %d commits meanwhile, answers over %d snapshots",
		*loadClients, len(samples), elapsed.Round(time.Millisecond), float64(len(samples))/elapsed.Seconds(), commits.Load(), len(snaps))
	mfs, err := f.s.cfg.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == "ntm_web_cache_computations_total" {
			for _, m := range mf.GetMetric() {
				t.Logf("computations %s %s: %.0f", m.GetLabel()[0].GetValue(), m.GetLabel()[1].GetValue(), m.GetCounter().GetValue())
			}
		}
		if mf.GetName() != "ntm_web_cache_computation_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			t.Logf("computations of %s: %d, mean %.2fs", m.GetLabel()[0].GetValue(), h.GetSampleCount(), h.GetSampleSum()/float64(max(h.GetSampleCount(), 1)))
		}
	}
	for _, route := range []string{"/", "/api/v1/indicators", "all"} {
		var ds []time.Duration
		stale := 0
		for _, s := range samples {
			if route == "all" || s.route == route {
				ds = append(ds, s.d)
				if s.stale {
					stale++
				}
			}
		}
		slices.Sort(ds)
		pct := func(p float64) time.Duration { return ds[min(int(p*float64(len(ds))), len(ds)-1)] }
		t.Logf("%-20s n=%4d p50=%8v p90=%8v p99=%8v max=%8v stale=%d", route, len(ds),
			pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond),
			pct(0.99).Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond), stale)
	}
}
