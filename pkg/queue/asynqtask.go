package queue

import (
	"encoding/json"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Our Lua scripts enqueue asynq tasks together with the job's own records,
// in one round trip, instead of calling asynq.Client.Enqueue after them.
// They write exactly what asynq v0.26's enqueue writes for a task with an
// id, a queue, a retry count and a timeout: the task hash
// asynq:{<queue>}:t:<id> (msg, state "pending", pending_since), the id
// pushed on asynq:{<queue>}:pending, and the queue name added to
// asynq:queues. TestTaskMessageMatchesAsynq compares the result with
// asynq's own enqueue, so an asynq upgrade that changes the layout fails it.
//
// Kept, not replaced by asynq.Client.Enqueue, for two reasons.
//
// Atomicity: the job record and its render task are written by one script
// (submitScript), and so are a finished render's status and its delivery
// task (finishRenderScript). Through Enqueue each would take a second round
// trip after the script, and a crash between the two would leave a job
// that no task renders, or a finished job whose webhook is never sent.
//
// The numbers: BenchmarkEnqueue, the submit as one script against the job
// record script followed by Enqueue, three runs on the 2-core box,
// 2026-12-07 (10:12 UTC at load 8–12, medians of 3; 12:39 at load 18–19
// and 12:44–12:50 interleaved at load 9–20, medians of 6), API CPU / Redis
// CPU per submit in µs:
//
//	submitters   this file                       Enqueue
//	1            36.8/21.3  55.0/40.6  68.3/64.6  64.7/44.7  76.7/62.8  94.4/73.9
//	50           46.2/23.1  44.0/32.2  39.8/32.1  51.1/29.3  39.7/30.3  70.6/43.5
//
// A lone submit costs 28–43 % less API CPU and 13–52 % less Redis CPU in
// every run. With 50 submitters the runs disagree (−10 %, +11 %, −44 % API
// CPU): within the 10 % line in two of three. TestTaskMessageMatchesAsynq
// compares what the scripts write with asynq's own enqueue, so an asynq
// upgrade that changes the layout fails it.

// asynqTask is one task for a script to enqueue.
type asynqTask struct {
	typ, id, jobID, queue string
	retry                 int
	timeout               time.Duration
}

// enqueueTaskLua enqueues the task whose keys are KEYS[1..3] and args
// ARGV[1..4] (asynqTask.keys and .args come first in every script call),
// unless a task with its id exists, as asynq does (ErrTaskIDConflict).
const enqueueTaskLua = `
local function enqueue_task()
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
  redis.call('HSET', KEYS[1], 'msg', ARGV[3], 'state', 'pending', 'pending_since', ARGV[4])
  redis.call('LPUSH', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[2])
  return 1
end
`

// keys are the task's KEYS: its hash, its queue's pending list, the set of
// queues.
func (t asynqTask) keys(more ...string) []string {
	return append([]string{"asynq:{" + t.queue + "}:t:" + t.id, "asynq:{" + t.queue + "}:pending", "asynq:queues"}, more...)
}

// args are the task's ARGV: id, queue, message and the time it is pending
// since (ns).
func (t asynqTask) args(now time.Time, more ...any) []any {
	return append([]any{t.id, t.queue, t.message(), strconv.FormatInt(now.UnixNano(), 10)}, more...)
}

// message is the protobuf TaskMessage asynq keeps in the task hash
// (asynq's internal/proto/asynq.proto), fields in number order as its
// generated code writes them; the payload names the job. Zero fields are
// left out as in proto3: no deadline (asynq's "none" is Unix 0), headers,
// unique or group key, or retention.
func (t asynqTask) message() []byte {
	payload, _ := json.Marshal(taskPayload{JobID: t.jobID})
	b := make([]byte, 0, 64+len(t.typ)+len(payload)+len(t.id)+len(t.queue))
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, t.typ)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, payload)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, t.id)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendString(b, t.queue)
	if t.retry != 0 {
		b = protowire.AppendTag(b, 5, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(t.retry))
	}
	if secs := int64(t.timeout / time.Second); secs != 0 {
		b = protowire.AppendTag(b, 8, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(secs))
	}
	return b
}
