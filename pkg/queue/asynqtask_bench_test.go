package queue

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/redistest"
	"github.com/strata-render/strata/pkg/schema"
)

// BenchmarkEnqueue measures what asynqtask.go buys: the submit's Redis
// work as Client.Submit does it (the body SET and one script writing the
// job record and the asynq task, one round trip) against the same work
// with the task enqueued by asynq.Client.Enqueue after a script that
// writes only the job record (two round trips; asynq's own SADD of the
// queue name is cached after the first call). Run one submitter and 50
// concurrent ones; it reports the caller's and Redis's CPU per submit.
func BenchmarkEnqueue(b *testing.B) {
	body := []byte(card("https://example.com/hook"))
	for _, way := range []string{"ours", "asynq"} {
		for _, par := range []int{1, 50} {
			b.Run(way+"/submitters="+strconv.Itoa(par), func(b *testing.B) {
				rdb := newRedis(b)
				c := NewClient(ClientOptions{Redis: rdb, RenderTimeout: 30 * time.Second})
				submit := func(ctx context.Context) error {
					_, err := c.Submit(ctx, core.Submission{KeyID: "k", Body: body, Request: &schema.Request{WebhookURL: "https://example.com/hook"}})
					return err
				}
				if way == "asynq" {
					ac := asynq.NewClientFromRedisClient(rdb)
					submit = func(ctx context.Context) error { return submitThenEnqueue(ctx, c, ac, body) }
				}
				benchRedisCPU(b, rdb, par, submit)
			})
		}
	}
}

// jobOnlyScript is submitScript without the task: the job record only.
var jobOnlyScript = redis.NewScript(`
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return ''`)

// submitThenEnqueue is Submit's Redis work with the task left to asynq.
func submitThenEnqueue(ctx context.Context, c *Client, ac *asynq.Client, body []byte) error {
	id := core.NewJobID()
	now := time.Now()
	task := c.renderTask(id)
	var set *redis.StatusCmd
	var sub *redis.Cmd
	pipe(ctx, c.rdb, []*redis.Script{jobOnlyScript}, func(p redis.Pipeliner) {
		set = p.Set(ctx, bodyKey(id), compress(body), c.o.JobTTL)
		sub = jobOnlyScript.EvalSha(ctx, p, []string{jobKey(id)}, c.o.JobTTL.Milliseconds(),
			fKey, "k", fURL, "https://example.com/hook", fStatus, StatusQueued,
			fAttempts, 0, fCreated, millis(now), fUpdated, millis(now))
	})
	if err := set.Err(); err != nil {
		return err
	}
	if err := sub.Err(); err != nil {
		return err
	}
	_, err := ac.EnqueueContext(ctx, asynq.NewTask(task.typ, []byte(`{"job_id":"`+id+`"}`)),
		asynq.TaskID(task.id), asynq.Queue(task.queue), asynq.MaxRetry(task.retry), asynq.Timeout(task.timeout))
	return err
}

// benchRedisCPU runs op b.N times from par goroutines and reports the
// process's and Redis's CPU time per op (µs), which stay meaningful when
// the wall time includes waiting for one of the shared cores.
func benchRedisCPU(b *testing.B, rdb *redis.Client, par int, op func(context.Context) error) {
	ctx := context.Background()
	require.NoError(b, op(ctx)) // load scripts, warm connections
	redisBefore, procBefore := redistest.ServerCPU(b, rdb), redistest.ProcessCPU()
	b.ResetTimer()
	if par == 1 {
		for range b.N {
			if err := op(ctx); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism(max(1, par/2))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64((redistest.ProcessCPU()-procBefore).Microseconds())/float64(b.N), "proc-cpu-µs/op")
	b.ReportMetric(float64((redistest.ServerCPU(b, rdb)-redisBefore).Microseconds())/float64(b.N), "redis-cpu-µs/op")
}
