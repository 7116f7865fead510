package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/admission"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/webhook"
)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	// Redis is the queue's Redis; the caller owns it and closes it.
	Redis redis.UniversalClient
	// Renderer renders jobs.
	Renderer core.Renderer
	// Limits are applied when the worker decodes a stored request.
	Limits schema.Limits
	// RenderMemory is what the estimates of the renders running at once
	// may add up to (admission.Gate); a job estimated above it fails with
	// a 422-kind error. Zero leaves it unbounded.
	RenderMemory int64
	// RenderConcurrency and DeliveryConcurrency size the two pools.
	RenderConcurrency   int
	DeliveryConcurrency int
	// InlineDeliveries is how many first webhook attempts the render
	// pool makes itself at once, from the result in memory (deliverFirst);
	// a job finding them all busy is handed to the delivery pool at once.
	// They take no render slot: the render pool runs RenderConcurrency +
	// InlineDeliveries tasks, of which RenderConcurrency render at most.
	// Zero means RenderConcurrency; negative turns them off (every
	// attempt is the delivery pool's).
	InlineDeliveries int
	// Webhooks makes the signed delivery attempts; it must post through
	// the SSRF-guarded client of fetch.Client.HTTPClient.
	Webhooks *webhook.Sender
	// Secrets maps key ids (core.KeyID) to the secrets that sign their
	// webhooks (config.Config.WebhookSecrets); a key without any fails its
	// deliveries.
	Secrets map[string][]webhook.Secret
	// Retries is the schedule between delivery attempts (the zero value:
	// webhook's documented one).
	Retries webhook.Schedule
	// Storage puts results in the object storage their request names;
	// nil fails such jobs with a message saying storage is not set up.
	Storage *storage.Store
	// ResultTTL is how long a rendered result waits for its delivery.
	ResultTTL time.Duration
	// ShutdownTimeout is how long Shutdown lets in-flight tasks finish;
	// the rest go back to their queue for another worker.
	ShutdownTimeout time.Duration
	// PollInterval is how often an idle render pool looks for new tasks
	// (default 25 ms; asynq's is 1 s, which alone would put half a second
	// on the median submit-to-webhook time). One idle poll is one Redis
	// call.
	PollInterval time.Duration
	// DeliveryPollInterval is the same for the delivery pool (default
	// 250 ms): with first attempts made by the render tasks, its tasks
	// are retries, due seconds later anyway, and jobs that found every
	// inline slot waiting on a receiver.
	DeliveryPollInterval time.Duration
	// RetryInterval is how often due retries are moved back to their queue
	// (default 1 s; asynq's is 5 s).
	RetryInterval time.Duration
	// Metrics records what the worker does; nil records nothing.
	Metrics *Metrics
	// Logger receives the worker's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Worker runs render and delivery tasks: two asynq servers, one per
// queue, sharing one Redis client.
type Worker struct {
	o       WorkerOptions
	rdb     redis.UniversalClient
	renders *asynq.Server
	deliver *asynq.Server
	reaper  *reaper
	cancel  context.CancelFunc
	log     *slog.Logger
	stop    sync.Once
	// gate admits renders by estimated memory and owner (see render).
	gate *admission.Gate
	// inline holds a token per first webhook attempt the render pool is
	// making (deliverFirst); its capacity is InlineDeliveries.
	inline chan struct{}
}

// NewWorker returns a Worker; Start runs it.
func NewWorker(o WorkerOptions) (*Worker, error) {
	if o.Renderer == nil || o.Webhooks == nil || o.Redis == nil {
		return nil, errors.New("queue: a worker needs Redis, a Renderer and a webhook Sender")
	}
	if o.RenderConcurrency < 1 {
		o.RenderConcurrency = 1
	}
	if o.DeliveryConcurrency < 1 {
		o.DeliveryConcurrency = 1
	}
	if o.ResultTTL <= 0 {
		o.ResultTTL = 48 * time.Hour
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 25 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 25 * time.Millisecond
	}
	if o.DeliveryPollInterval <= 0 {
		o.DeliveryPollInterval = 250 * time.Millisecond
	}
	switch {
	case o.InlineDeliveries == 0:
		o.InlineDeliveries = o.RenderConcurrency
	case o.InlineDeliveries < 0:
		o.InlineDeliveries = 0
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RenderMemory <= 0 {
		o.RenderMemory = math.MaxInt64 / 4
	}
	w := &Worker{o: o, rdb: o.Redis, log: o.Logger, gate: admission.NewGate(admission.GateOptions{
		Slots: o.RenderConcurrency, Bytes: o.RenderMemory, Heavy: admission.HeavyBytes,
	}), inline: make(chan struct{}, o.InlineDeliveries)}
	base := asynq.Config{
		ShutdownTimeout:          o.ShutdownTimeout,
		TaskCheckInterval:        o.PollInterval,
		DelayedTaskCheckInterval: o.RetryInterval,
		Logger:                   asynqLogger{o.Logger},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			w.log.Warn("task failed", "type", t.Type(), "error", err.Error())
		}),
	}
	rc := base
	// The gate holds renders to RenderConcurrency; the goroutines past it
	// make first webhook attempts (or, while none is being made, hold up
	// to InlineDeliveries tasks waiting for a render slot).
	rc.Concurrency = o.RenderConcurrency + o.InlineDeliveries
	rc.Queues = map[string]int{QueueRenders: 1}
	rc.RetryDelayFunc = renderRetryDelay
	w.renders = asynq.NewServerFromRedisClient(o.Redis, rc)

	dc := base
	dc.Concurrency = o.DeliveryConcurrency
	dc.TaskCheckInterval = o.DeliveryPollInterval
	dc.Queues = map[string]int{QueueDeliveries: 1}
	dc.RetryDelayFunc = retryDelay
	w.deliver = asynq.NewServerFromRedisClient(o.Redis, dc)
	w.reaper = newReaper(o.Redis, ReapAfter, o.Logger, o.Metrics, QueueRenders, QueueDeliveries)
	return w, nil
}

// Start starts both pools; it returns once they are taking tasks.
func (w *Worker) Start() error {
	rm := asynq.NewServeMux()
	rm.HandleFunc(TypeRender, w.handleRender)
	if err := w.renders.Start(rm); err != nil {
		return fmt.Errorf("render pool: %w", err)
	}
	dm := asynq.NewServeMux()
	dm.HandleFunc(TypeDeliver, w.handleDeliver)
	if err := w.deliver.Start(dm); err != nil {
		w.renders.Shutdown()
		return fmt.Errorf("delivery pool: %w", err)
	}
	var ctx context.Context
	ctx, w.cancel = context.WithCancel(context.Background())
	go w.reaper.run(ctx)
	return nil
}

// Shutdown stops taking tasks and lets in-flight ones finish for up to
// ShutdownTimeout; unfinished ones go back to their queue. The two pools
// drain at the same time, so the whole call takes at most ShutdownTimeout
// plus a moment.
func (w *Worker) Shutdown() {
	w.stop.Do(func() {
		if w.cancel != nil {
			w.cancel()
		}
		w.renders.Stop()
		w.deliver.Stop()
		done := make(chan struct{})
		go func() { w.deliver.Shutdown(); close(done) }()
		w.renders.Shutdown()
		<-done
	})
}

// renderRetryDelay spaces render retries: 1 s, 4 s, 16 s with ±25 %
// jitter. A task whose worker died (lease expired) is retried at once.
func renderRetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return 0
	}
	d := time.Second << (2 * min(n, 4))
	return time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
}

// asynqLogger routes asynq's own logs into slog.
type asynqLogger struct{ l *slog.Logger }

// Debug, Info, Warn, Error and Fatal log at the matching slog level; Fatal
// logs an error and does not exit (asynq only calls it on broken set-up).
func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
