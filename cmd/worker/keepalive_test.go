package main

import (
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/fetch"
)

// The webhook client keeps a connection per delivery slot alive to a
// receiver taking that many deliveries at once, where the fetch client
// alone closes some and opens new ones (each a TLS handshake); and it
// still goes through the fetch client's SSRF guard.
func TestWebhookClientKeepsConnectionsAlive(t *testing.T) {
	const slots, rounds = 8, 3
	var conns atomic.Int32
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	guarded := fetch.New(fetch.Options{AllowPrivate: true, RootCAs: pool}).HTTPClient(5 * time.Second)

	tests := []struct {
		name      string
		client    *http.Client
		wantConns func(n int32) bool
	}{
		{name: "fetch client: 4 idle per host, so new connections every round", client: guarded,
			wantConns: func(n int32) bool { return n > slots }},
		{name: "webhook client: one connection per slot, kept", client: keepAlive(guarded, slots),
			wantConns: func(n int32) bool { return n == slots }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conns.Store(0)
			for range rounds {
				var wg sync.WaitGroup
				errs := make(chan error, slots)
				for range slots {
					wg.Go(func() {
						resp, err := tc.client.Post(srv.URL, "application/json", strings.NewReader("{}"))
						if err == nil {
							resp.Body.Close()
						}
						errs <- err
					})
				}
				for range slots { // all slots busy at once
					<-arrived
				}
				for range slots {
					release <- struct{}{}
				}
				wg.Wait()
				for range slots {
					require.NoError(t, <-errs)
				}
			}
			require.True(t, tc.wantConns(conns.Load()), "%d connections for %d rounds of %d", conns.Load(), rounds, slots)
			tc.client.CloseIdleConnections()
		})
	}

	// The guard stays: without AllowPrivate, loopback is refused.
	before := conns.Load()
	blocked := keepAlive(fetch.New(fetch.Options{RootCAs: pool}).HTTPClient(5*time.Second), slots)
	_, err := blocked.Post(srv.URL, "application/json", strings.NewReader("{}"))
	require.Error(t, err)
	require.Equal(t, before, conns.Load(), "the refused request never connected")
}
