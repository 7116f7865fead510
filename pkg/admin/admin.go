// Package admin serves the operator-only endpoints (pprof) on their own
// listener, which is off unless STRATA_ADMIN_ADDR is set. Bind it to a
// private address: profiles reveal internals.
package admin

import (
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Server is a running admin listener.
type Server struct {
	http *http.Server
	ln   net.Listener
}

// Start listens on addr and serves pprof under /debug/pprof/.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s := &Server{ln: ln, http: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// Close stops the listener.
func (s *Server) Close() error { return s.http.Close() }
