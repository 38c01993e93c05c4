package bridge

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series, on a registry of its own
// (no global state: tests run several servers side by side).
type metrics struct {
	reg *prometheus.Registry

	webhooks     *prometheus.CounterVec
	storeSeconds prometheus.Histogram

	deliveries      *prometheus.CounterVec
	attempts        prometheus.Counter
	deliverySeconds prometheus.Histogram
	queueDepth      *prometheus.GaugeVec
	oldestPending   prometheus.Gauge
	dryRun          prometheus.Gauge
	authFailing     prometheus.Gauge

	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
	configInfo *prometheus.GaugeVec
}

// newMetrics registers the server's series and extra (e.g. the
// notifier's) on a new registry.
func newMetrics(extra ...prometheus.Collector) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadbridge_webhooks_total",
		Help: "Webhooks received, by source and outcome (accepted, duplicate, ignored, failed, unauthorized, rate_limited, ...).",
	}, []string{"source", "outcome"})
	m.storeSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "leadbridge_store_seconds",
		Help:    "Time to store an event durably (group commit included).",
		Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
	})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadbridge_deliveries_total",
		Help: "Delivery attempts by outcome (delivered, retry, dead, auth, fallback, dry_run).",
	}, []string{"outcome"})
	m.attempts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "leadbridge_delivery_attempts_total",
		Help: "Requests made to Partnero's POST /leads.",
	})
	m.deliverySeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "leadbridge_delivery_seconds",
		Help:    "Duration of Partnero POST /leads requests.",
		Buckets: prometheus.DefBuckets,
	})
	m.queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "leadbridge_leads",
		Help: "Stored leads by status (queued and retrying are the delivery backlog).",
	}, []string{"status"})
	m.oldestPending = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "leadbridge_oldest_pending_seconds",
		Help: "Age of the oldest lead waiting for delivery (0 when none).",
	})
	m.dryRun = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "leadbridge_dry_run",
		Help: "1 when PARTNERO_API_KEY is unset: leads are recorded, not sent.",
	})
	m.authFailing = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "leadbridge_partnero_auth_failing",
		Help: "Number of API keys Partnero currently rejects (401/403).",
	})
	m.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "leadbridge_config_last_reload_successful",
		Help: "1 when the last mapping (re)load succeeded.",
	})
	m.reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "leadbridge_config_last_reload_success_timestamp_seconds",
		Help: "Time of the last successful mapping (re)load.",
	})
	m.configInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "leadbridge_config_info",
		Help: "The loaded mapping configuration: its hash and number of sources.",
	}, []string{"hash"})
	for _, c := range []prometheus.Collector{m.webhooks, m.storeSeconds, m.deliveries, m.attempts, m.deliverySeconds, m.queueDepth,
		m.oldestPending, m.dryRun, m.authFailing, m.reloadOK, m.reloadTime, m.configInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	for _, c := range extra {
		f(c)
	}
	return m
}
