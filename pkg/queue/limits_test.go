package queue

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
)

// stuckRenderer stands for a C call that ignores its deadline: it returns
// only when release is closed, counting the renders that started.
type stuckRenderer struct {
	release chan struct{}
	started atomic.Int32
}

func (s *stuckRenderer) Render(context.Context, *schema.Request) (core.Result, error) {
	s.started.Add(1)
	<-s.release
	return core.Result{}, nil
}

// A job whose render overruns its limit inside an uninterruptible call
// ends failed at the limit, with one failure webhook, one render, and
// nothing of it left in Redis but its status; it is never rendered again
// while the stuck call runs on.
func TestStuckRenderFailsOnceOnTime(t *testing.T) {
	t.Parallel()
	stuck := &stuckRenderer{release: make(chan struct{})}
	s := newStack(t, stackOptions{renderer: stuck, renderTimeout: 200 * time.Millisecond})
	id := s.submit(t, keyA, card(s.recv.URL()))
	got := s.recv.waitFor(t, 1, 10*time.Second)
	b := parseBody(t, got[0])
	require.False(t, b.Success)
	require.Contains(t, b.Error.Message, "longer than 200ms")
	job := s.waitStatus(t, keyA, id, StatusFailed, 5*time.Second)
	require.Equal(t, b.Error.Message, job["last_error"])
	require.Equal(t, 1, s.renders(t, id))
	n, err := s.rdb.Exists(context.Background(), bodyKey(id), resultKey(id)).Result()
	require.NoError(t, err)
	require.Zero(t, n, "body and result are gone")
	// Well past the limit, nothing was rendered or delivered again.
	time.Sleep(time.Second)
	require.EqualValues(t, 1, stuck.started.Load())
	require.Len(t, s.recv.deliveries(), 1)
	close(stuck.release)
}

// A job estimated over the worker's memory budget fails at once (a
// request problem, not retried) with a sentence naming the budget.
func TestOverBudgetJobFails(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	s.opts.RenderMemory = 100 << 20
	s.startWorker(t)
	body := strings.Replace(card(s.recv.URL()), `"width":1200,"height":630},"layers"`, `"width":8192,"height":6100},"layers"`, 1)
	status, out := s.post(t, keyA, body)
	require.Equal(t, http.StatusCreated, status, "%v", out)
	id := out["job_id"].(string)
	b := parseBody(t, s.recv.waitFor(t, 1, 10*time.Second)[0])
	require.False(t, b.Success)
	require.Contains(t, b.Error.Message, "more than this server's budget of 100 MB")
	s.waitStatus(t, keyA, id, StatusFailed, 5*time.Second)
	require.Equal(t, 0, s.renders(t, id)-1, "rendered (started) once, never retried")
}

// A webhook host with no DNS record at delivery (.invalid never has one,
// RFC 6761; the harness's submit-time check said it had, as if the record
// vanished since) is retried once, not for the whole schedule, and the job
// fails saying why.
func TestUnresolvableWebhookFailsFast(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	id := s.submit(t, keyA, card("https://hooks.invalid/strata"))
	job := s.waitStatus(t, keyA, id, StatusFailed, 10*time.Second)
	require.Contains(t, job["last_error"], "the webhook host hooks.invalid does not resolve (no DNS record)")
	require.Contains(t, job["last_error"], "Gave up after 2 attempts")
	require.EqualValues(t, 2, job["attempts"])
}
