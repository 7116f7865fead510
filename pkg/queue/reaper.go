package queue

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A worker killed mid-task (SIGKILL, OOM, a Kubernetes eviction after its
// grace period, a lost host) leaves its task in asynq's active list. asynq
// v0.26 hands it back only after the lease (30 s, a constant) has expired
// and its recoverer (every minute, with a 30 s clock-skew margin) runs:
// measured 65 s from the kill to the webhook.
//
// The reaper, one in every worker process, brings that to ReapAfter
// (10 s) plus a poll (0.5 s). It reads the lease of every active task: a live
// asynq server extends each of its leases to now+30 s every 5 s (its
// heartbeat), so a lease score that has not moved for ReapAfter — two
// heartbeats missed — belongs to a worker that is gone. The reaper puts
// such a task back at the head of its queue, exactly as asynq's own
// Requeue does on a graceful shutdown, in one script that first checks
// the lease still has the score the reaper saw, so a heartbeat that lands
// meanwhile wins and several reapers never requeue a task twice.
//
// "Not moved for ReapAfter" is timed by the reaper's own clock over polls
// that all reached Redis: a failed poll forgets everything it saw. So
// after a Redis outage or failover, when every lease looks stale at once,
// live workers get ReapAfter of reachable Redis to beat again before any
// of their tasks is touched; no clock is compared across hosts.
//
// The same path recovers a task whose worker lives but whose
// acknowledgement was lost: when asynq's Done or Retry fails (the primary
// died mid-call), its syncer retries the call with a context that was
// cancelled when the call returned (asynq v0.26, processor.go), so it
// never succeeds, and the task, no longer beaten for, would wait for the
// recoverer. TestSentinelFailoverLosesNoAcceptedJob (cmd/worker) meets it
// at every failover.
//
// A render that kills its worker each time would otherwise go round for
// ever (requeues are not asynq retries): openRenderScript refuses a job
// started maxRenders times and delivers a failure instead.

// ReapAfter is how long a task's lease must stand still before the reaper
// hands the task to another worker. asynq's heartbeat moves it every 5 s.
const ReapAfter = 10 * time.Second

// reapPoll is how often the reaper reads the leases: one pipelined round
// trip of one ZRANGE per queue.
const reapPoll = 500 * time.Millisecond

// reaper hands tasks of dead workers back to their queues.
type reaper struct {
	rdb    redis.UniversalClient
	queues []string
	after  time.Duration
	log    *slog.Logger
	m      *Metrics
	// seen is each active task's lease score and when this reaper first
	// saw it at that score.
	seen map[leaseID]leaseSeen
}

type leaseID struct{ queue, id string }

type leaseSeen struct {
	score float64
	since time.Time
}

func newReaper(rdb redis.UniversalClient, after time.Duration, log *slog.Logger, m *Metrics, queues ...string) *reaper {
	return &reaper{rdb: rdb, queues: queues, after: after, log: log, m: m, seen: map[leaseID]leaseSeen{}}
}

// run sweeps every reapPoll until ctx ends.
func (r *reaper) run(ctx context.Context) {
	t := time.NewTicker(reapPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.sweep(ctx, now)
		}
	}
}

// sweep reads the leases once and requeues the tasks whose lease has not
// moved for r.after; it returns how many it requeued.
func (r *reaper) sweep(ctx context.Context, now time.Time) int {
	cmds := make([]*redis.ZSliceCmd, len(r.queues))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, q := range r.queues {
			cmds[i] = p.ZRangeWithScores(ctx, "asynq:{"+q+"}:lease", 0, -1)
		}
		return nil
	})
	if err != nil {
		// Redis unreachable: nothing seen so far can be trusted (live
		// workers could not beat either).
		clear(r.seen)
		return 0
	}
	next := make(map[leaseID]leaseSeen, len(r.seen))
	var stale []leaseID
	for i, q := range r.queues {
		for _, z := range cmds[i].Val() {
			id := leaseID{q, z.Member.(string)}
			s, ok := r.seen[id]
			if !ok || s.score != z.Score {
				s = leaseSeen{score: z.Score, since: now}
			} else if now.Sub(s.since) >= r.after {
				stale = append(stale, id)
			}
			next[id] = s
		}
	}
	r.seen = next
	reaped := 0
	for _, id := range stale {
		n, err := reapScript.Run(ctx, r.rdb, reapKeys(id.queue, id.id), id.id,
			strconv.FormatFloat(next[id].score, 'f', -1, 64)).Int()
		if err != nil {
			r.log.Warn("reaper: could not requeue a dead worker's task", "queue", id.queue, "task_id", id.id, "error", err.Error())
			continue
		}
		silent := now.Sub(r.seen[id].since)
		delete(r.seen, id)
		if n == 1 {
			reaped++
			r.m.reaped(id.queue)
			r.log.Warn("reaper: task's lease stood still; task requeued", "queue", id.queue, "task_id", id.id,
				"silent", silent.Round(time.Second).String())
		}
	}
	return reaped
}

// reapKeys are reapScript's KEYS for task id of queue q: asynq's active
// list, lease set, pending list and the task's hash.
func reapKeys(q, id string) []string {
	p := "asynq:{" + q + "}:"
	return []string{p + "active", p + "lease", p + "pending", p + "t:" + id}
}

// reapScript: KEYS = reapKeys; ARGV = task id, the lease score the reaper
// saw. When the lease still has that score it does what asynq v0.26's
// Requeue does (the task goes back to the head of its queue, state
// pending) and answers 1; else 0. TestReaperRequeuesLikeAsynq checks the
// layout against asynq.
var reapScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
if redis.call('LREM', KEYS[1], 0, ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], 'state', 'pending')
return 1`)
