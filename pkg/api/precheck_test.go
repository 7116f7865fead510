package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/api"
	"github.com/strata-render/strata/pkg/dnstest"
	"github.com/strata-render/strata/pkg/queue"
	"github.com/strata-render/strata/pkg/redistest"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
)

// An async request whose QR code or barcode cannot fit its box would fail
// every render: it gets the sync render's 422 at once and nothing is
// queued (spec §6: validate the whole request before queueing).
func TestAsyncRefusesCodesThatCannotFitBeforeQueueing(t *testing.T) {
	rdb := redistest.Client(t, 10)
	q := queue.NewClient(queue.ClientOptions{Redis: rdb, JobTTL: time.Hour})
	r, err := render.New(render.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(api.New(api.Options{
		Keys: map[string]string{oaKey: ""}, Limits: schema.DefaultLimits(), Renderer: r, Async: q,
		Logger:   slog.New(slog.DiscardHandler),
		Resolver: dnstest.Start(t, dnstest.Everything("93.184.215.14")).Resolver(),
	}).Handler())
	t.Cleanup(srv.Close)
	post := func(body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/image-generation/v1/generate", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+oaKey)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(raw)
	}
	const head = `{"dimensions":{"width":400,"height":300},"webhook_url":"https://hooks.invalid/strata","layers":[`
	qr := func(side int) string {
		return `{"index":0,"type":"qr-code","value":"` + strings.Repeat("x", 100) + `","position":{"x":0,"y":0},
		  "dimensions":{"width":` + strconv.Itoa(side) + `,"height":` + strconv.Itoa(side) + `},"foreground_hex_color":"#000","background_hex_color":"#fff"}`
	}
	barcodeInLayout := `{"index":1,"type":"layout","position":{"x":0,"y":0},"layers":[
	  {"type":"barcode","format":"ean13","value":"400638133393","dimensions":{"width":100,"height":40},
	   "foreground_hex_color":"#000","background_hex_color":"#fff"}]}`

	status, body := post(head + qr(20) + `]}`)
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	require.Contains(t, body, "QR code box 20x20 is too small")
	require.Contains(t, body, `"path":"layers[0]"`)

	status, body = post(head + qr(200) + `,` + barcodeInLayout + `]}`)
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	require.Contains(t, body, "Barcode box 100x40 is too small")
	require.Contains(t, body, `"path":"layers[1].layers[0]"`)

	n, err := rdb.DBSize(context.Background()).Result()
	require.NoError(t, err)
	require.Zero(t, n, "nothing may be queued for a request that cannot render")

	status, body = post(head + qr(200) + `]}`)
	require.Equal(t, http.StatusCreated, status, body)
	n, err = rdb.DBSize(context.Background()).Result()
	require.NoError(t, err)
	require.NotZero(t, n, "a request that fits is queued")
}
