package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

var (
	descGwRequests   = prometheus.NewDesc("ntm_gateway_requests_total", "Gateway requests by outcome.", []string{"outcome"}, nil)
	descGwAccepted   = prometheus.NewDesc("ntm_gateway_events_accepted_total", "Events the gateway produced and Kafka acknowledged.", nil, nil)
	descGwRejected   = prometheus.NewDesc("ntm_gateway_events_rejected_total", "Gateway lines rejected, by reason.", []string{"reason"}, nil)
	descGwDuplicates = prometheus.NewDesc("ntm_gateway_events_duplicate_total",
		"Gateway lines accepted as identical duplicates of a stored or earlier event (counted once, not sent again).", nil, nil)
	descGwDeadLetters = prometheus.NewDesc("ntm_gateway_dead_letters_total",
		"Rejected gateway lines by what became of their dead letter: stored (Kafka acknowledged it), lost (Kafka refused it), dropped (past the per-request limit).",
		[]string{"outcome"}, nil)
)

// GatewayCollector exposes the event gateway's counters to Prometheus.
type GatewayCollector struct{ Stats *gateway.Stats }

// Describe implements prometheus.Collector.
func (g GatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descGwRequests
	ch <- descGwAccepted
	ch <- descGwRejected
	ch <- descGwDuplicates
	ch <- descGwDeadLetters
}

// Collect implements prometheus.Collector.
func (g GatewayCollector) Collect(ch chan<- prometheus.Metric) {
	s := g.Stats
	for outcome, n := range map[string]int64{"authorized": s.Requests.Load(), "unauthorized": s.Unauthorized.Load(),
		"forbidden": s.Forbidden.Load(), "too_large": s.TooLarge.Load()} {
		ch <- prometheus.MustNewConstMetric(descGwRequests, prometheus.CounterValue, float64(n), outcome)
	}
	ch <- prometheus.MustNewConstMetric(descGwAccepted, prometheus.CounterValue, float64(s.Accepted.Load()))
	ch <- prometheus.MustNewConstMetric(descGwDuplicates, prometheus.CounterValue, float64(s.Duplicates.Load()))
	for outcome, n := range map[string]int64{"stored": s.DeadLetters.Load(), "lost": s.DeadLettersLost.Load(),
		"dropped": s.DeadLettersDropped.Load()} {
		ch <- prometheus.MustNewConstMetric(descGwDeadLetters, prometheus.CounterValue, float64(n), outcome)
	}
	for reason, n := range s.Rejected() {
		ch <- prometheus.MustNewConstMetric(descGwRejected, prometheus.CounterValue, float64(n), string(reason))
	}
}
