package core

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// renderFunc adapts a function to Renderer.
type renderFunc func(ctx context.Context) (Result, error)

func (f renderFunc) Render(ctx context.Context, _ *schema.Request) (Result, error) { return f(ctx) }

// A render that ignores its deadline (a C call) is answered with the
// time-limit error on time; done runs only once it really returns.
func TestRenderWithinAbandonsStuckRender(t *testing.T) {
	release, finished := make(chan struct{}), make(chan struct{})
	stuck := renderFunc(func(context.Context) (Result, error) { <-release; return Result{}, nil })
	_, err := RenderWithin(context.Background(), stuck, nil, 10*time.Millisecond, func() { close(finished) })
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	require.ErrorContains(t, err, "longer than 10ms")
	select {
	case <-finished:
		t.Fatal("done ran before the render returned")
	default:
	}
	close(release)
	<-finished
}

func TestRenderWithin(t *testing.T) {
	ok := renderFunc(func(context.Context) (Result, error) { return Result{MimeType: "image/png"}, nil })
	res, err := RenderWithin(context.Background(), ok, nil, time.Second, nil)
	require.NoError(t, err)
	require.Equal(t, "image/png", res.MimeType)

	// A render's own error passes through, whatever the timing (the
	// render context is cancelled as it returns).
	for range 100 {
		refused := renderFunc(func(context.Context) (Result, error) {
			return Result{}, failure.New(failure.Unprocessable, "layers[0] refused")
		})
		_, err = RenderWithin(context.Background(), refused, nil, time.Second, nil)
		require.ErrorContains(t, err, "layers[0] refused")
	}

	// A render that stops at its deadline gets the time-limit error.
	polite := renderFunc(func(ctx context.Context) (Result, error) { <-ctx.Done(); return Result{}, ctx.Err() })
	_, err = RenderWithin(context.Background(), polite, nil, 10*time.Millisecond, nil)
	require.ErrorContains(t, err, "longer than 10ms")

	// A caller that goes away gets its own error, not the time limit's.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = RenderWithin(ctx, polite, nil, time.Minute, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.NotEqual(t, failure.Unprocessable, failure.KindOf(err))

	require.PanicsWithValue(t, "boom", func() {
		_, _ = RenderWithin(context.Background(), renderFunc(func(context.Context) (Result, error) { panic("boom") }), nil, time.Second, nil)
	})
}
