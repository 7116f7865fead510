// Package redisbatch makes a go-redis client send the commands that many
// goroutines issue at the same moment as shared pipelines ("group commit").
//
// An API process under load has dozens of requests in flight, each making
// one or two small Redis calls (the rate limiter, the submit script). Sent
// one by one, every call costs a write and a read system call on each side
// and a turn of Redis's event loop; on loopback those system calls cost
// more than the scripts themselves. With Attach, a call that finds every
// lane busy waits, and the next free lane sends everything that waited as
// one pipeline: one write, one read, one event-loop turn for the lot. A
// call that finds a lane free goes out at once, so an idle service adds no
// latency.
//
// There are no background goroutines: the caller whose call starts a batch
// sends it (the leader). When the batch is answered and calls are waiting,
// the leader hands the lane to the oldest waiting call, which sends the
// next batch, and returns with its own answer; so no caller ever carries
// other callers' work after its own answer is in.
//
// Transactions (MULTI/EXEC pipelines), the connections' own set-up
// commands and commands on a Conn are passed through untouched.
//
// Kept, not replaced by go-redis's own auto-pipelining (Client.AutoPipeline,
// v9.23, marked experimental), because BenchmarkCoalescing defends it on
// the shapes the API sends. Three runs on the 2-core box, 2026-12-07:
// 10:12 UTC at load 8–12 (medians of 3), 12:35 at load 17–20 and 12:44–12:50
// interleaved at load 9–20 (medians of 6); client CPU per op, µs,
// AutoPipeline in its default half-duplex mode and full-duplex (FD):
//
//	shape, callers   redisbatch        AutoPipeline      FD
//	call, 1          20.2  36.7  33.3  62.3  54.1  63.4  39.0  48.1  50.0
//	submit, 1        42.0  76.2  84.1  95.5 113.3 102.1  75.1 128.7 121.2
//	submit, 50       21.8   9.1  16.0  42.8  52.7  37.7  13.8  21.8  21.3
//	call, 50          3.6   3.9   6.5   4.9   3.9   4.5   7.4   5.7   6.1
//
// A lone caller pays for AutoPipeline's goroutine hand-offs (+21–208 %),
// and the submit (a script, then a two-command pipeline) at 50 callers
// costs 2–6× more through its half-duplex mode, which sends pipelines
// uncoalesced; full-duplex beat this package there in one run of three.
// Only the lone script from 50 callers (the rate limiter under load) is a
// draw: −27 %, 0 and +44 % for this package. One mechanism is kept for
// both, not AutoPipeline for the rate limiter beside this package for the
// rest: the draw is worth 2 µs a request in the run that favours
// AutoPipeline, a lone call costs 17–42 µs more through it in every run,
// and the rate limiter and templates would have to take an interface
// instead of the *redis.Client they share with the queue. Re-measure
// (`go test ./pkg/redisbatch -run XXX -bench Coalescing -count 6`) when
// AutoPipeline leaves experimental status.
package redisbatch

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options tune the coalescing.
type Options struct {
	// Lanes is how many batches may be in flight at once (default 2):
	// one being answered while the next one gathers.
	Lanes int
	// MaxCommands caps the commands of one batch (default 256).
	MaxCommands int
}

// Attach makes c coalesce concurrent calls; call it once, before c is
// used. Blocking commands (BLPOP and the like) must not be used on c: one
// would hold a lane and delay every call batched with it. Nor should
// c.Conn(): its commands would be batched onto c's other connections.
// Hooks added to c after Attach see batches, not calls.
func Attach(c *redis.Client, o Options) {
	if o.Lanes < 1 {
		o.Lanes = 2
	}
	if o.MaxCommands < 1 {
		o.MaxCommands = 256
	}
	c.AddHook(hook{&batcher{client: c, lanes: o.Lanes, max: o.MaxCommands}})
}

// hook routes the client's single commands and pipelines into the
// batcher. The batcher sends each batch as a pipeline of the client
// itself, with a context marked inBatch, and what carries that mark goes
// on to next. So do transactions, which arrive wrapped in MULTI … EXEC,
// and connection-state commands (see connectionState), which must run on
// the connection they were sent on.
type hook struct{ b *batcher }

// inBatch marks the context of a batch being sent.
type inBatch struct{}

// DialHook leaves dialing alone.
func (h hook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook sends single commands through the batcher.
func (h hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(inBatch{}) != nil || connectionState(cmd) {
			return next(ctx, cmd)
		}
		return h.b.do(ctx, []redis.Cmder{cmd})
	}
}

// ProcessPipelineHook sends pipelines through the batcher.
func (h hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || ctx.Value(inBatch{}) != nil || cmds[0].Name() == "multi" || connectionState(cmds[0]) {
			return next(ctx, cmds)
		}
		return h.b.do(ctx, cmds)
	}
}

// connectionState reports whether cmd sets up or changes the state of the
// connection it runs on. go-redis sends these (HELLO, AUTH, then SELECT,
// CLIENT SETNAME and the like as a pipeline) on every connection it opens,
// including the one a batch is about to use, through the same hooks;
// batched, they would wait for that very batch, or run on another
// connection.
func connectionState(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "select", "client", "readonly", "readwrite", "reset", "quit":
		return true
	}
	return false
}

// batcher gathers calls into batches and keeps at most lanes of them in
// flight.
type batcher struct {
	client *redis.Client
	lanes  int
	max    int

	mu      sync.Mutex
	flying  int
	waiting []*call
}

// call is one caller's commands and the answer to them.
type call struct {
	ctx  context.Context
	cmds []redis.Cmder
	err  error
	// woken is closed when the answer is in or, with lead set, when this
	// call is to send lead (a batch that includes it).
	woken chan struct{}
	lead  []*call
}

// do sends cmds, alone or with other callers', and returns the first
// error among them, as a go-redis pipeline would.
func (b *batcher) do(ctx context.Context, cmds []redis.Cmder) error {
	c := &call{ctx: ctx, cmds: cmds}
	b.mu.Lock()
	if b.flying < b.lanes {
		b.flying++
		b.mu.Unlock()
		b.fly([]*call{c}, c)
		return c.err
	}
	c.woken = make(chan struct{})
	b.waiting = append(b.waiting, c)
	b.mu.Unlock()
	select {
	case <-c.woken:
	case <-ctx.Done():
		// Given up while waiting: leave unless a batch took the call
		// already, which then answers it (bounded by its deadline).
		b.mu.Lock()
		if i := slices.Index(b.waiting, c); i >= 0 {
			b.waiting = slices.Delete(b.waiting, i, i+1)
			b.mu.Unlock()
			for _, cmd := range cmds {
				cmd.SetErr(ctx.Err())
			}
			return ctx.Err()
		}
		b.mu.Unlock()
		<-c.woken
	}
	if c.lead != nil {
		b.fly(c.lead, c)
	}
	return c.err
}

// fly sends batch on a lane its leader holds, answers every call in it,
// then passes the lane to the oldest waiting call or frees it.
func (b *batcher) fly(batch []*call, leader *call) {
	b.sendBatch(batch)
	for _, c := range batch {
		if c != leader {
			close(c.woken)
		}
	}
	b.mu.Lock()
	if len(b.waiting) == 0 {
		b.flying--
		b.mu.Unlock()
		return
	}
	n := 0
	cmds := 0
	for n < len(b.waiting) && (n == 0 || cmds+len(b.waiting[n].cmds) <= b.max) {
		cmds += len(b.waiting[n].cmds)
		n++
	}
	next := b.waiting[:n:n]
	b.waiting = b.waiting[n:]
	b.mu.Unlock()
	next[0].lead = next
	close(next[0].woken)
}

// sendBatch sends the commands of every call whose context is still alive
// as one pipeline and sets each call's error.
func (b *batcher) sendBatch(batch []*call) {
	var cmds []redis.Cmder
	var deadline time.Time
	forever := false
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			for _, cmd := range c.cmds {
				cmd.SetErr(err)
			}
			continue
		}
		cmds = append(cmds, c.cmds...)
		if d, ok := c.ctx.Deadline(); !ok {
			forever = true
		} else if d.After(deadline) {
			deadline = d
		}
	}
	if len(cmds) == 0 {
		return
	}
	// The batch lives as long as its most patient caller allows; one
	// caller giving up must not fail the others' commands.
	ctx := context.WithValue(context.WithoutCancel(batch[0].ctx), inBatch{}, true)
	if !forever {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	_, _ = b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		return p.BatchProcess(ctx, cmds...)
	})
	for _, c := range batch {
		if c.err != nil {
			continue
		}
		for _, cmd := range c.cmds {
			if err := cmd.Err(); err != nil {
				c.err = err
				break
			}
		}
	}
}
