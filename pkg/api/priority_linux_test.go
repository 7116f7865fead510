package api

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/strata-render/strata/pkg/admission"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
)

// niceRecorder renders with a real renderer and records the nice value of
// the OS thread each render ran on, by canvas width.
type niceRecorder struct {
	core.Renderer
	mu   sync.Mutex
	nice map[int]int
}

func (n *niceRecorder) Render(ctx context.Context, req *schema.Request) (core.Result, error) {
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		return core.Result{}, err
	}
	n.mu.Lock()
	n.nice[req.Width] = 20 - p // the raw system call answers 20 minus the nice value
	n.mu.Unlock()
	return n.Renderer.Render(ctx, req)
}

// Over HTTP, a request estimated heavy (over admission.HeavyBytes) is
// rendered on a thread at admission.HeavyNice, a light one at the default
// priority: a light key's renders get a shared core first.
func TestHeavyRenderRunsAtLowerPriority(t *testing.T) {
	t.Parallel()
	r, err := render.New(render.Options{})
	require.NoError(t, err)
	rec := &niceRecorder{Renderer: r, nice: map[int]int{}}
	srv := newTestServer(t, func(o *Options) { o.Renderer = rec; o.RenderConcurrency = 2 })
	heavy := `{"dimensions":{"width":3000,"height":3000},"layers":[{"index":0,"type":"solid-color","hex_color":"#3366FF"}]}`
	require.Greater(t, render.EstimateBytes(decoded(t, heavy)), int64(admission.HeavyBytes), "the heavy request must be estimated heavy")
	for _, body := range []string{heavy, solidRequest} {
		resp, _ := post(t, srv, "/image-generation/v1/generate", testKey, body)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	require.Equal(t, map[int]int{3000: admission.HeavyNice, 64: 0}, rec.nice)
}

func decoded(t *testing.T, body string) *schema.Request {
	t.Helper()
	req, err := schema.Decode([]byte(body), schema.DefaultLimits())
	require.NoError(t, err)
	return req
}
