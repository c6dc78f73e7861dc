package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest"
	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// testAnswers is a cache of ints on a server without a warehouse, for the cache's own rules.
func testAnswers(t *testing.T, size int) (*Server, *answers[int]) {
	t.Helper()
	s := New(Config{CacheSize: size, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(s.Close)
	return s, newAnswers[int](s, "test", make(chan struct{}, 2), newCacheMetrics(prometheus.NewRegistry()))
}

func TestAnswers(t *testing.T) {
	ctx := context.Background()
	s1, s2 := stamp{ID: "1/0"}, stamp{ID: "2/0"}

	t.Run("concurrent first requests compute once", func(t *testing.T) {
		_, c := testAnswers(t, 4)
		var n atomic.Int32
		gate := make(chan struct{})
		compute := func(context.Context) (int, stamp, error) { n.Add(1); <-gate; return 7, s1, nil }
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				v, at, err := c.get(ctx, "2025", s1, compute)
				require.NoError(t, err)
				require.Equal(t, 7, v)
				require.Equal(t, s1, at)
			})
		}
		time.Sleep(50 * time.Millisecond) // let the requests pile up on the one computation
		close(gate)
		wg.Wait()
		require.Equal(t, int32(1), n.Load())
	})

	t.Run("a newer state is answered stale at once and refreshed once", func(t *testing.T) {
		_, c := testAnswers(t, 4)
		var n atomic.Int32
		gate := make(chan struct{})
		v, _, err := c.get(ctx, "2025", s1, func(context.Context) (int, stamp, error) { return 1, s1, nil })
		require.NoError(t, err)
		require.Equal(t, 1, v)
		refresh := func(context.Context) (int, stamp, error) { n.Add(1); <-gate; return 2, s2, nil }
		c.mu.Lock()
		c.entries["2025"].compute = refresh
		c.mu.Unlock()
		for range 10 {
			v, at, err := c.get(ctx, "2025", s2, refresh)
			require.NoError(t, err)
			require.Equal(t, 1, v, "the older answer, while the refresh runs")
			require.Equal(t, s1, at)
		}
		close(gate)
		require.Eventually(t, func() bool {
			v, at, err := c.get(ctx, "2025", s2, refresh)
			return err == nil && v == 2 && at == s2
		}, 5*time.Second, time.Millisecond)
		require.Equal(t, int32(1), n.Load(), "one refresh for the ten stale requests")
	})

	t.Run("a failing computation is not kept", func(t *testing.T) {
		_, c := testAnswers(t, 4)
		_, _, err := c.get(ctx, "2025", s1, func(context.Context) (int, stamp, error) { return 0, stamp{}, errors.New("boom") })
		require.EqualError(t, err, "boom")
		v, _, err := c.get(ctx, "2025", s1, func(context.Context) (int, stamp, error) { return 3, s1, nil })
		require.NoError(t, err)
		require.Equal(t, 3, v)
		// A failing refresh keeps the older answer.
		c.mu.Lock()
		c.entries["2025"].compute = func(context.Context) (int, stamp, error) { return 0, stamp{}, errors.New("boom") }
		c.mu.Unlock()
		for range 5 {
			v, at, err := c.get(ctx, "2025", s2, nil)
			require.NoError(t, err)
			require.Equal(t, 3, v)
			require.Equal(t, s1, at)
		}
	})

	t.Run("the cache keeps at most its size, the least recently used dropped", func(t *testing.T) {
		_, c := testAnswers(t, 3)
		for i := range 10 {
			key := fmt.Sprint(i)
			_, _, err := c.get(ctx, key, s1, func(context.Context) (int, stamp, error) { return i, s1, nil })
			require.NoError(t, err)
			_, _, err = c.get(ctx, "0", s1, nil) // "0" stays the most recently used
			require.NoError(t, err)
			c.mu.Lock()
			require.LessOrEqual(t, len(c.entries), 3)
			c.mu.Unlock()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		require.Contains(t, c.entries, "0")
		require.Contains(t, c.entries, "9")
	})

	t.Run("a request that gives up does not cancel the computation", func(t *testing.T) {
		_, c := testAnswers(t, 3)
		gate := make(chan struct{})
		rctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err := c.get(rctx, "2025", s1, func(context.Context) (int, stamp, error) { <-gate; return 5, s1, nil })
		require.ErrorIs(t, err, context.Canceled)
		close(gate)
		v, _, err := c.get(ctx, "2025", s1, nil)
		require.NoError(t, err)
		require.Equal(t, 5, v)
	})
}

// stale is a server over a real warehouse that a test commits to while it serves.
type stale struct {
	addr string // the broker's
	wh   *warehouse.Warehouse
	srv  *httptest.Server
	s    *Server

	mu    sync.Mutex
	count map[string]int         // computations by cache and key
	fail  map[string]int         // computations to fail, by key
	gate  map[string]chan string // computations to hold until the channel is closed, by key
}

func newStale(t *testing.T, cfg Config, lines [][]byte) *stale {
	t.Helper()
	f := &stale{addr: kit.StartBroker(t), count: map[string]int{}, fail: map[string]int{}, gate: map[string]chan string{}}
	wh, err := warehouse.Open(context.Background(), t.TempDir(), true)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	f.wh = wh
	f.commit(t, lines)
	cfg.Warehouse = wh
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.s = New(cfg)
	f.s.computeHook = func(ctx context.Context, cache, key string) error {
		f.mu.Lock()
		f.count[cache+" "+key]++
		g := f.gate[key]
		failing := f.fail[key] > 0
		if failing {
			f.fail[key]--
		}
		f.mu.Unlock()
		if g != nil {
			select {
			case <-g:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if failing {
			return errors.New("the test fails this computation")
		}
		return nil
	}
	f.srv = httptest.NewServer(f.s.Handler())
	t.Cleanup(func() { f.srv.Close(); f.s.Close() })
	return f
}

// commit produces the lines and ingests them: one more commit of the warehouse.
func (f *stale) commit(t *testing.T, lines [][]byte) {
	t.Helper()
	kit.Produce(t, f.addr, lines)
	_, err := ingest.Run(context.Background(), ingest.Config{Brokers: []string{f.addr}, Topics: []string{kit.Topic},
		Group: "g", Warehouse: f.wh, UntilCaughtUp: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
}

func (f *stale) computations(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count[key]
}

// api is the JSON of /api/v1/indicators for the period, with the response's headers.
type apiAnswer struct {
	status                int
	header                http.Header
	SnapshotID            string            `json:"snapshot_id"`
	AsOf                  string            `json:"as_of"`
	Indicators            []json.RawMessage `json:"indicators"`
	body                  string
	snapshotHeader, stale string
}

func (f *stale) api(t *testing.T, period string) apiAnswer {
	t.Helper()
	res, err := http.Get(f.srv.URL + "/api/v1/indicators?period=" + period)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	a := apiAnswer{status: res.StatusCode, header: res.Header, body: string(b),
		snapshotHeader: res.Header.Get("X-NTM-Snapshot"), stale: res.Header.Get("X-NTM-Stale")}
	if a.status == http.StatusOK {
		require.NoError(t, json.Unmarshal(b, &a))
	}
	return a
}

// indicatorsBody is the answer's indicators alone, what a commit changes.
func (a apiAnswer) indicatorsBody(t *testing.T) string {
	b, err := json.Marshal(a.Indicators)
	require.NoError(t, err)
	return string(b)
}

// TestServeStale commits to the warehouse while the server answers: the requests after the
// commit are answered at once from the older snapshot, and say so, while one computation over
// the new one runs; then the new answer replaces the old.
func TestServeStale(t *testing.T) {
	f := newStale(t, Config{CacheSize: 3}, kit.Fixture(t, "units.ndjson", "gov.ndjson"))

	// Concurrent first requests of a period: one computation, all answered with it.
	var wg sync.WaitGroup
	answers := make([]apiAnswer, 8)
	for i := range answers {
		wg.Go(func() { answers[i] = f.api(t, "2025") })
	}
	wg.Wait()
	old := answers[0]
	require.Equal(t, http.StatusOK, old.status, old.body)
	require.NotEmpty(t, old.snapshotHeader)
	require.Equal(t, old.snapshotHeader, old.SnapshotID)
	require.NotEmpty(t, old.AsOf)
	require.Equal(t, old.AsOf, old.header.Get("X-NTM-Data-As-Of"))
	require.Empty(t, old.stale)
	for _, a := range answers {
		require.Equal(t, old.body, a.body)
	}
	require.Equal(t, 1, f.computations("indicators 2025"))

	// A second commit, with its refresh held: every request is answered at once with the older
	// answer and says it is stale, and one refresh runs for all of them.
	f.mu.Lock()
	hold := make(chan string)
	f.gate["2025"] = hold
	f.mu.Unlock()
	f.commit(t, kit.Fixture(t, "eco_soc.ndjson"))
	var a apiAnswer
	require.Eventually(t, func() bool { a = f.api(t, "2025"); return a.stale == "true" }, 10*time.Second, 20*time.Millisecond,
		"the server sees the new commit within its snapshot TTL")
	for range 5 {
		a = f.api(t, "2025")
		require.Equal(t, http.StatusOK, a.status)
		require.Equal(t, "true", a.stale)
		require.Equal(t, old.snapshotHeader, a.snapshotHeader)
		require.Equal(t, old.body, a.body)
	}
	require.Eventually(t, func() bool { return f.computations("indicators 2025") == 2 }, 5*time.Second, time.Millisecond,
		"the first computation and one refresh")

	// The refresh done, a later request has the new answer over the new snapshot.
	close(hold)
	require.Eventually(t, func() bool { a = f.api(t, "2025"); return a.snapshotHeader != old.snapshotHeader }, 30*time.Second, 20*time.Millisecond)
	require.Empty(t, a.stale)
	require.Equal(t, a.snapshotHeader, a.SnapshotID)
	require.NotEqual(t, old.indicatorsBody(t), a.indicatorsBody(t), "eco_soc.ndjson changes the indicators")
	require.Equal(t, 2, f.computations("indicators 2025"))

	// A failing computation answers 500 and is not kept: the next request computes again.
	f.mu.Lock()
	f.fail["2025-Q3"] = 1
	f.mu.Unlock()
	require.Equal(t, http.StatusInternalServerError, f.api(t, "2025-Q3").status)
	b := f.api(t, "2025-Q3")
	require.Equal(t, http.StatusOK, b.status, b.body)
	require.Equal(t, a.snapshotHeader, b.snapshotHeader)
	require.Equal(t, 2, f.computations("indicators 2025-Q3"))

	// The cache holds at most its size of periods.
	for _, p := range []string{"2023", "2022", "2025-Q1", "2025-Q2"} {
		require.Equal(t, http.StatusOK, f.api(t, p).status)
		f.s.indicatorsCache.mu.Lock()
		n := len(f.s.indicatorsCache.entries)
		f.s.indicatorsCache.mu.Unlock()
		require.LessOrEqual(t, n, 3)
	}

	// The dashboard says which state it shows.
	res, err := http.Get(f.srv.URL + "/?period=2025&lang=en")
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, a.snapshotHeader, res.Header.Get("X-NTM-Snapshot"))
	require.Contains(t, string(page), `<p class="asof" id="as-of" data-snapshot="`+a.SnapshotID+`">Data as of `)

	// So does a unit's page; a code the warehouse never registered is an answer kept too.
	for _, c := range []struct {
		path   string
		status int
	}{{"/units/38?period=2025", http.StatusOK}, {"/units/99999?period=2025", http.StatusNotFound}, {"/units/99999?period=2025", http.StatusNotFound}} {
		res, err := http.Get(f.srv.URL + c.path)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, c.status, res.StatusCode, c.path)
		require.Equal(t, a.snapshotHeader, res.Header.Get("X-NTM-Snapshot"), c.path)
	}
	require.Equal(t, 1, f.computations("units 99999@2025"))
}

// TestWatch refreshes the cached answers on a commit without a request.
func TestWatch(t *testing.T) {
	f := newStale(t, Config{}, kit.Fixture(t, "units.ndjson", "gov.ndjson"))
	old := f.api(t, "2025")
	require.Equal(t, http.StatusOK, old.status)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.s.Watch(ctx, 50*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	f.commit(t, kit.Fixture(t, "eco_soc.ndjson"))
	require.Eventually(t, func() bool { return f.computations("indicators 2025") == 2 }, 10*time.Second, 20*time.Millisecond)
	// The refresh began without a request. A commit moves the two tables' snapshots one after
	// the other, so the watcher may first refresh over a state between them (seen in CI) and
	// then once more: the answer is fresh once the last refresh is done.
	require.Eventually(t, func() bool {
		f.s.indicatorsCache.mu.Lock()
		refreshing := f.s.indicatorsCache.entries["2025"].refreshing
		f.s.indicatorsCache.mu.Unlock()
		if refreshing {
			return false
		}
		a := f.api(t, "2025")
		return a.snapshotHeader != old.snapshotHeader && a.stale == ""
	}, 30*time.Second, 50*time.Millisecond)
}
