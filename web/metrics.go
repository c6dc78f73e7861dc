package web

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/thanhhoa-ntm/ntm/queries/session"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	query    prometheus.Histogram
}

// newMetrics registers the service's metrics and the warehouse's: ingest lag and throughput
// come from the tables' committed offsets and snapshots, dead letters from the table itself,
// read when Prometheus scrapes (at most every 15 s).
func newMetrics(reg *prometheus.Registry, wh *warehouse.Warehouse) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ntm_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ntm_http_request_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		query: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ntm_query_seconds",
			Help: "Latency of the indicator queries.", Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
	}
	reg.MustRegister(m.requests, m.latency, m.query)
	if wh != nil {
		reg.MustRegister(&warehouseCollector{wh: wh})
	}
	return m
}

var (
	descOffset = prometheus.NewDesc("ntm_ingest_committed_offset", "Next Kafka offset each table has committed, per partition.",
		[]string{"table", "topic", "partition"}, nil)
	descRows = prometheus.NewDesc("ntm_table_rows", "Rows in the current snapshot of each table.", []string{"table"}, nil)
	descRate = prometheus.NewDesc("ntm_ingest_events_per_second", "Events committed per second over the last 5 minutes of commits.", nil, nil)
	descLag  = prometheus.NewDesc("ntm_ingest_lag_seconds", "Seconds since the last commit of the event log.", nil, nil)
	descDead = prometheus.NewDesc("ntm_dead_letters", "Dead letters by reason.", []string{"reason"}, nil)
)

type warehouseCollector struct {
	wh   *warehouse.Warehouse
	mu   sync.Mutex
	at   time.Time
	dead map[string]float64
}

func (c *warehouseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOffset, descRows, descRate, descLag, descDead} {
		ch <- d
	}
}

func (c *warehouseCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	snap, err := c.wh.Current(ctx)
	if err != nil {
		return
	}
	for name, t := range snap.Tables {
		var rows int64
		for _, f := range t.Files {
			rows += f.Records
		}
		ch <- prometheus.MustNewConstMetric(descRows, prometheus.GaugeValue, float64(rows), name)
		for tp, o := range t.Offsets {
			ch <- prometheus.MustNewConstMetric(descOffset, prometheus.GaugeValue, float64(o), name, tp.Topic, itoa(tp.Partition))
		}
	}
	var last time.Time
	var recent int64
	for _, f := range snap.Tables[warehouse.EventsLog].Files {
		if f.CommittedAt.After(last) {
			last = f.CommittedAt
		}
	}
	if !last.IsZero() {
		for _, f := range snap.Tables[warehouse.EventsLog].Files {
			if last.Sub(f.CommittedAt) <= 5*time.Minute {
				recent += f.Records
			}
		}
		ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, time.Since(last).Seconds())
		ch <- prometheus.MustNewConstMetric(descRate, prometheus.GaugeValue, float64(recent)/300)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > 15*time.Second {
		c.dead = deadLetters(ctx, c.wh)
		c.at = time.Now()
	}
	for reason, n := range c.dead {
		ch <- prometheus.MustNewConstMetric(descDead, prometheus.GaugeValue, n, reason)
	}
}

func deadLetters(ctx context.Context, wh *warehouse.Warehouse) map[string]float64 {
	out := map[string]float64{}
	db, _, err := session.Open(ctx, wh)
	if err != nil {
		return out
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT reason, count(*) FROM dead_letters GROUP BY 1")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		var n sql.NullInt64
		if rows.Scan(&r, &n) == nil {
			out[r] = float64(n.Int64)
		}
	}
	return out
}

func itoa(p int32) string {
	const digits = "0123456789"
	if p < 10 && p >= 0 {
		return digits[p : p+1]
	}
	return fmtInt(int64(p))
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
