package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// metrics are ingest's own Prometheus metrics. They count at commit, so that a batch discarded
// and consumed again (a stale writer) is not counted twice: the counters say what the tables
// hold from this process, which is what an operator compares with Kafka's lag.
type metrics struct {
	records    prometheus.Counter
	stored     *prometheus.CounterVec // by table
	duplicates prometheus.Counter
	rejected   *prometheus.CounterVec // by reason
	commits    prometheus.Counter
	files      prometheus.Counter
	stale      prometheus.Counter
	flush      prometheus.Histogram
	lag        prometheus.Gauge
}

// newMetrics registers the metrics with reg; a nil reg keeps them unregistered, which costs
// nothing but the increments.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		records: prometheus.NewCounter(prometheus.CounterOpts{Name: "ntm_ingest_records_total",
			Help: "Kafka records consumed and judged (bản ghi đã tiêu thụ)."}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ntm_ingest_rows_committed_total",
			Help: "Rows committed to a warehouse table (dòng đã ghi vào kho)."}, []string{"table"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "ntm_ingest_duplicates_total",
			Help: "Identical redeliveries of an event already stored (bản trùng)."}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ntm_ingest_rejected_total",
			Help: "Records committed to the dead letters, by reason (sự kiện bị từ chối)."}, []string{"reason"}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{Name: "ntm_ingest_commits_total",
			Help: "Flushes committed to both tables (lần ghi)."}),
		files: prometheus.NewCounter(prometheus.CounterOpts{Name: "ntm_ingest_files_total",
			Help: "Data files committed (tệp dữ liệu)."}),
		stale: prometheus.NewCounter(prometheus.CounterOpts{Name: "ntm_ingest_stale_batches_total",
			Help: "Batches discarded because another writer had committed their records."}),
		flush: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ntm_ingest_flush_seconds",
			Help: "Time from the start of a flush to its commit.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ntm_ingest_lag_records",
			Help: "Records behind the high watermarks of the assigned partitions (độ trễ)."}),
	}
	if reg != nil {
		reg.MustRegister(m.records, m.stored, m.duplicates, m.rejected, m.commits, m.files, m.stale, m.flush, m.lag)
	}
	return m
}

// tally is what the batch being built will add to the metrics when it is committed.
type tally struct {
	duplicates int64
	rejected   map[events.Reason]int64
}

func (t *tally) reset() {
	t.duplicates = 0
	t.rejected = map[events.Reason]int64{}
}

// countCommit adds a committed flush to the metrics.
func (in *ingester) countCommit(evRows, dlRows int64, files int, took time.Duration) {
	m := in.metrics
	m.stored.WithLabelValues(warehouse.EventsLog).Add(float64(evRows))
	m.stored.WithLabelValues(warehouse.DeadLetters).Add(float64(dlRows))
	m.duplicates.Add(float64(in.tally.duplicates))
	for r, n := range in.tally.rejected {
		m.rejected.WithLabelValues(string(r)).Add(float64(n))
	}
	m.commits.Inc()
	m.files.Add(float64(files))
	m.flush.Observe(took.Seconds())
	in.tally.reset()
}
