package queue

import (
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Metrics are the queue's Prometheus metrics. A nil *Metrics records
// nothing, so tests and tools may leave it out.
type Metrics struct {
	enqueuedTotal  prometheus.Counter
	renderedTotal  *prometheus.CounterVec
	deliveredTotal prometheus.Counter
	retriedTotal   *prometheus.CounterVec
	failedTotal    *prometheus.CounterVec
	attemptsTotal  *prometheus.CounterVec
	firstTotal     *prometheus.CounterVec
	reapedTotal    *prometheus.CounterVec
	renderSeconds  prometheus.Histogram
}

// NewMetrics creates the metrics. *Metrics is a prometheus.Collector:
// register it where /metrics is served.
func NewMetrics() *Metrics {
	m := &Metrics{
		enqueuedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "strata_jobs_enqueued_total", Help: "Async jobs accepted and queued for rendering.",
		}),
		renderedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_jobs_rendered_total", Help: "Async renders finished, by result (image or error).",
		}, []string{"result"}),
		deliveredTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "strata_jobs_delivered_total", Help: "Webhooks delivered (the receiver answered 2xx).",
		}),
		retriedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_jobs_retried_total", Help: "Task attempts that failed and were scheduled again, by task (render or deliver).",
		}, []string{"task"}),
		failedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_jobs_failed_total", Help: "Jobs that ended failed, by stage (render: no image; deliver: the webhook never got through).",
		}, []string{"stage"}),
		attemptsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_webhook_attempts_total", Help: "Webhook delivery attempts by outcome (delivered, retry, failed).",
		}, []string{"outcome"}),
		firstTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_webhook_first_attempts_total",
			Help: "Jobs' first webhook attempts, by who made them: render_task (its own, the result in memory) or delivery_task (every inline slot was busy).",
		}, []string{"by"}),
		reapedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_tasks_reaped_total", Help: "Tasks of a worker that stopped beating (killed, lost) handed back to their queue, by queue.",
		}, []string{"queue"}),
		renderSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "strata_job_render_seconds", Help: "Time to render one async job.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
	}
	return m
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.enqueuedTotal, m.renderedTotal, m.deliveredTotal, m.retriedTotal,
		m.failedTotal, m.attemptsTotal, m.firstTotal, m.reapedTotal, m.renderSeconds}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *Metrics) enqueued() {
	if m != nil {
		m.enqueuedTotal.Inc()
	}
}

func (m *Metrics) rendered(result string, seconds float64) {
	if m != nil {
		m.renderedTotal.WithLabelValues(result).Inc()
		m.renderSeconds.Observe(seconds)
	}
}

func (m *Metrics) delivered() {
	if m != nil {
		m.deliveredTotal.Inc()
	}
}

func (m *Metrics) retried(task string) {
	if m != nil {
		m.retriedTotal.WithLabelValues(task).Inc()
	}
}

func (m *Metrics) failed(stage string) {
	if m != nil {
		m.failedTotal.WithLabelValues(stage).Inc()
	}
}

func (m *Metrics) attempt(outcome string) {
	if m != nil {
		m.attemptsTotal.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) firstAttempt(by string) {
	if m != nil {
		m.firstTotal.WithLabelValues(by).Inc()
	}
}

func (m *Metrics) reaped(queue string) {
	if m != nil {
		m.reapedTotal.WithLabelValues(queue).Inc()
	}
}

// DepthCollector reports the size of each queue by task state on every
// scrape, read from Redis through asynq's inspector.
type DepthCollector struct {
	inspector *asynq.Inspector
	desc      *prometheus.Desc
}

// NewDepthCollector returns a collector for the renders and deliveries
// queues on rdb. Register it on the registry that /metrics serves.
func NewDepthCollector(rdb redis.UniversalClient) *DepthCollector {
	return &DepthCollector{
		inspector: asynq.NewInspectorFromRedisClient(rdb),
		desc: prometheus.NewDesc("strata_queue_depth", "Tasks in a queue by state (pending, active, scheduled, retry, archived).",
			[]string{"queue", "state"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (d *DepthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- d.desc }

// Collect implements prometheus.Collector. A queue that does not exist yet
// (nothing was ever enqueued) or an unreachable Redis reports nothing.
func (d *DepthCollector) Collect(ch chan<- prometheus.Metric) {
	for _, q := range []string{QueueRenders, QueueDeliveries} {
		info, err := d.inspector.GetQueueInfo(q)
		if err != nil {
			continue
		}
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived,
		} {
			ch <- prometheus.MustNewConstMetric(d.desc, prometheus.GaugeValue, float64(n), q, state)
		}
	}
}
