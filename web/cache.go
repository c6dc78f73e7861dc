package web

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// stamp names the committed state an answer was computed over: the snapshots of the two
// tables, and the instant the data is as of (the latest commit among its files).
type stamp struct {
	ID string    // "<events_log snapshot>/<dead_letters snapshot>"
	At time.Time // warehouse.Snapshot.KnownAt(nil); zero for an empty warehouse
}

func stampOf(s warehouse.Snapshot) stamp {
	return stamp{ID: fmt.Sprintf("%d/%d", s.Tables[warehouse.EventsLog].SnapshotID, s.Tables[warehouse.DeadLetters].SnapshotID),
		At: s.KnownAt(nil)}
}

// computeFunc computes an answer and says which state it read: a session pins the snapshot
// that is current when it opens, which may be newer than the one the request saw.
type computeFunc[V any] func(ctx context.Context) (V, stamp, error)

// answers is a bounded cache of answers by key (a period, a unit and a period), each with the
// state it was computed over, that serves stale while it revalidates:
//
//   - a key never computed makes its requests wait for the one computation of it;
//   - a key whose answer is over an older state than the request's is answered at once from the
//     cache, and one background computation (at most one per key at a time) replaces the
//     answer when it is done;
//   - a failing computation is never kept: the first one's waiters get its error and the next
//     request tries again; a failing refresh keeps the older answer and is retried after
//     retryAfter;
//   - at most max keys are kept, the least recently used one dropped first.
//
// No lock is held while a computation runs. The computations of all the server's caches share
// one semaphore (sem), since each opens a DuckDB session over the warehouse and two cores hold
// only so many.
type answers[V any] struct {
	name    string
	max     int
	timeout time.Duration // of one computation
	sem     chan struct{}
	stop    chan struct{} // closed by Server.Close: the computations are cancelled
	wg      *sync.WaitGroup
	m       *cacheMetrics
	log     *slog.Logger
	gen     *atomic.Uint64 // the server's generation, bumped when an answer is stored (pages)

	mu      sync.Mutex
	entries map[string]*answer[V]
	tick    uint64 // the clock of used
}

// answer is one key's answer. ready is closed once its first computation ends; after that val
// and at change only under answers.mu, when a refresh replaces them.
type answer[V any] struct {
	ready      chan struct{}
	val        V
	at         stamp
	err        error // of the first computation; an entry that has one is out of the map
	compute    computeFunc[V]
	refreshing bool
	failedAt   time.Time // of the last refresh that failed
	used       uint64
}

// retryAfter is how long a failing refresh waits before a request or the watcher tries it
// again, so that a broken warehouse is not queried by every request.
const retryAfter = 5 * time.Second

// get returns key's answer and the state it is over. current is the state the request sees:
// an answer over another state is returned as it is, and refreshed in the background.
func (c *answers[V]) get(ctx context.Context, key string, current stamp, compute computeFunc[V]) (V, stamp, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &answer[V]{ready: make(chan struct{}), compute: compute}
		c.entries[key] = e
		c.evict(e)
		c.start(key, e, true)
	}
	c.tick++
	e.used = c.tick
	select {
	case <-e.ready:
		if e.at.ID != current.ID {
			c.refresh(key, e)
			c.m.stale.WithLabelValues(c.name).Inc()
		}
		v, at := e.val, e.at
		c.mu.Unlock()
		return v, at, nil
	default:
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
	case <-ctx.Done():
		var zero V
		return zero, stamp{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.val, e.at, e.err
}

func newAnswers[V any](s *Server, name string, sem chan struct{}, m *cacheMetrics) *answers[V] {
	return &answers[V]{name: name, max: s.cfg.CacheSize, timeout: computeTimeout, sem: sem, stop: s.stop,
		wg: &s.wg, m: m, log: s.cfg.Log, gen: &s.gen, entries: map[string]*answer[V]{}}
}

// refresh starts e's recomputation unless one runs or the last failed a moment ago. The caller
// holds c.mu.
func (c *answers[V]) refresh(key string, e *answer[V]) {
	if e.refreshing || time.Since(e.failedAt) < retryAfter {
		return
	}
	e.refreshing = true
	c.start(key, e, false)
}

// refreshAll refreshes every answer that is not over current (the watcher's tick).
func (c *answers[V]) refreshAll(current stamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.entries {
		select {
		case <-e.ready:
			if e.at.ID != current.ID {
				c.refresh(key, e)
			}
		default:
		}
	}
}

// evict drops the least recently used entries beyond max, never keep. The caller holds c.mu.
// The waiters of a dropped entry still get its answer; only the map forgets it.
func (c *answers[V]) evict(keep *answer[V]) {
	for len(c.entries) > c.max {
		var oldest string
		var least uint64
		for k, e := range c.entries {
			if e != keep && (oldest == "" || e.used < least) {
				oldest, least = k, e.used
			}
		}
		if oldest == "" {
			break
		}
		delete(c.entries, oldest)
	}
	c.m.entries.WithLabelValues(c.name).Set(float64(len(c.entries)))
}

// start computes e in the background: the first computation for the requests that wait on
// e.ready, a refresh for the requests to come. The caller holds c.mu.
func (c *answers[V]) start(key string, e *answer[V], first bool) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		// The computation is the cache's, not a request's: a client that goes away does not
		// cancel it, Server.Close does.
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		go func() {
			select {
			case <-c.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		v, at, err := c.run(ctx, e.compute)
		c.mu.Lock()
		defer c.mu.Unlock()
		if first {
			e.val, e.at, e.err = v, at, err
			if err == nil {
				c.gen.Add(1)
			}
			if err != nil && c.entries[key] == e {
				delete(c.entries, key)
				c.m.entries.WithLabelValues(c.name).Set(float64(len(c.entries)))
			}
			close(e.ready)
			return
		}
		e.refreshing = false
		if err != nil {
			e.failedAt = time.Now()
			c.log.Warn("refresh failed; the older answer is kept", "cache", c.name, "key", key, "as_of", e.at.ID, "err", err)
			return
		}
		e.val, e.at, e.failedAt = v, at, time.Time{}
		c.gen.Add(1)
	}()
}

// run is one computation, when the semaphore lets it.
func (c *answers[V]) run(ctx context.Context, compute computeFunc[V]) (V, stamp, error) {
	var zero V
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		c.m.computations.WithLabelValues(c.name, "error").Inc()
		return zero, stamp{}, ctx.Err()
	}
	defer func() { <-c.sem }()
	start := time.Now()
	v, at, err := compute(ctx)
	c.m.seconds.WithLabelValues(c.name).Observe(time.Since(start).Seconds())
	if err != nil {
		c.m.computations.WithLabelValues(c.name, "error").Inc()
		return zero, stamp{}, err
	}
	c.m.computations.WithLabelValues(c.name, "ok").Inc()
	return v, at, nil
}

// cacheMetrics are the caches' metrics, labelled by cache.
type cacheMetrics struct {
	computations *prometheus.CounterVec
	seconds      *prometheus.HistogramVec
	entries      *prometheus.GaugeVec
	stale        *prometheus.CounterVec
}

func newCacheMetrics(reg prometheus.Registerer) *cacheMetrics {
	m := &cacheMetrics{
		computations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ntm_web_cache_computations_total",
			Help: "Computations of the web caches' answers, by cache and outcome (ok, error)."}, []string{"cache", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ntm_web_cache_computation_seconds",
			Help: "Duration of the web caches' computations.", Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"cache"}),
		entries: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ntm_web_cache_entries",
			Help: "Answers held by each web cache."}, []string{"cache"}),
		stale: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ntm_web_cache_stale_answers_total",
			Help: "Answers served from an older snapshot than the current one while a refresh runs."}, []string{"cache"}),
	}
	reg.MustRegister(m.computations, m.seconds, m.entries, m.stale)
	return m
}

// pages holds rendered answers (the dashboard's HTML, the API's JSON) by request, each valid
// while the server's generation is the one it was rendered at: any answer stored since may
// be in it, so a new generation renders it again. Rendering costs milliseconds a request,
// which fifty clients on two cores feel; a page is rendered once a generation.
type pages struct {
	max int

	mu sync.Mutex
	m  map[string]renderedPage
}

// renderedPage is a rendered answer over the state at, rendered at generation gen.
type renderedPage struct {
	gen  uint64
	at   stamp
	body []byte
}

func (c *pages) get(key string, gen uint64) (renderedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	return p, ok && p.gen == gen
}

// put keeps p, and at most max pages: those of older generations go first.
func (c *pages) put(key string, p renderedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]renderedPage{}
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		for k, old := range c.m {
			if old.gen != p.gen {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = p
}
