// Package fetch is Strata's only way out to the network on behalf of an API
// client: image layers with a URL source (spec/API.md §5 image, "URL
// sources"; fetch_options in §2) and webhook deliveries (§6).
//
// Threat model. The URL is chosen by whoever holds an API key, so every
// fetch is a server-side request forgery attempt until proven otherwise:
// the attacker wants the server to reach something only the server can
// reach (cloud metadata at 169.254.169.254, Redis on 127.0.0.1:6379, admin
// panels on 10.x, services behind NAT64 or 6to4 tunnels) and to read the
// answer back as an "image" or through error messages, or to tie up a
// worker with a slow, endless or huge response. Defences:
//
//   - The address guard runs at DIAL time on the resolved IP, never on the
//     URL's host name: the dialer resolves the name itself, refuses the
//     connection if ANY resolved address is restricted (see Restriction),
//     and dials the exact address it checked, so DNS rebinding between a
//     check and the connect is impossible. A net.Dialer Control hook checks
//     the socket address again before connect(2). Because every redirect hop
//     dials anew, the same guard covers redirects. Proxies from the
//     environment are ignored (a proxy would hide the real target).
//   - Only http and https; at most MaxRedirects redirects; headers and
//     credentials the client supplied are removed when a redirect leaves
//     the origin (another host or port, or https → http).
//   - A connect timeout, a total timeout (the client may ask for less, never
//     more) and a byte cap enforced while streaming, so a server that
//     streams forever costs MaxBytes+1 bytes and no more.
//   - Error messages name the URL (credentials redacted), the status or the
//     limit that was hit, and never echo the response body.
//
// Operators who need images from their own network set AllowPrivate
// (STRATA_ALLOW_PRIVATE_NETWORKS), which lifts the address guard only.
package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// Options configure a Client. The zero value is not useful; start from
// DefaultOptions.
type Options struct {
	// AllowPrivate lifts the address guard: loopback, private, link-local
	// and every other restricted range become reachable. For local
	// development and tests only.
	AllowPrivate bool
	// ConnectTimeout bounds the TCP connect and the TLS handshake.
	ConnectTimeout time.Duration
	// Timeout bounds a whole fetch (connect, redirects, headers, body). It is
	// the default and the cap: fetch_options.timeout_ms may only lower it.
	Timeout time.Duration
	// MaxBytes caps a response body; larger bodies fail while streaming.
	MaxBytes int64
	// MaxRedirects is how many redirects Get follows; 0 means the default
	// and a negative value means none.
	MaxRedirects int
	// RootCAs are the trusted roots for https; nil means the system pool.
	RootCAs *x509.CertPool
	// Resolver resolves host names; nil means net.DefaultResolver. Tests
	// point it at an in-process DNS server.
	Resolver *net.Resolver

	// allowAddr, when set (tests only), replaces the address policy: an
	// address is reachable exactly when it returns true. It lets a test
	// treat 127.0.0.2 as "public" while 127.0.0.1 stays blocked.
	allowAddr func(netip.Addr) bool
}

// DefaultOptions are the production defaults: 5 s to connect, 10 s per
// fetch, 20 MB per body, 5 redirects, private networks blocked.
func DefaultOptions() Options {
	return Options{
		ConnectTimeout: 5 * time.Second,
		Timeout:        10 * time.Second,
		MaxBytes:       20 << 20,
		MaxRedirects:   5,
	}
}

// Client fetches URLs under Options. It is safe for concurrent use and
// keeps idle connections between fetches.
type Client struct {
	opts      Options
	resolver  *net.Resolver
	dialer    net.Dialer
	transport *http.Transport
}

// New returns a Client. Zero durations and sizes in o fall back to the
// DefaultOptions values.
func New(o Options) *Client {
	d := DefaultOptions()
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = d.ConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	switch {
	case o.MaxRedirects == 0:
		o.MaxRedirects = d.MaxRedirects
	case o.MaxRedirects < 0:
		o.MaxRedirects = 0
	}
	c := &Client{opts: o, resolver: o.Resolver}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	c.dialer = net.Dialer{
		Timeout:   o.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		// Second line of defence: the socket address itself, right
		// before connect(2).
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial to unparsable address %q refused: %w", address, err)
			}
			return c.check(ap.Addr())
		},
	}
	c.transport = &http.Transport{
		// Never a proxy from the environment: the guard would then check
		// the proxy's address instead of the target's.
		Proxy:       nil,
		DialContext: c.dialContext,
		TLSClientConfig: &tls.Config{
			RootCAs:    o.RootCAs,
			MinVersion: tls.VersionTLS12,
		},
		// A custom DialContext turns HTTP/2 off unless forced back on.
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    o.ConnectTimeout,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		// Images are compressed already; transparent gzip only adds a
		// decompression-bomb surface (the byte cap would still hold).
		DisableCompression: true,
	}
	return c
}

// check applies the address policy to one resolved address.
func (c *Client) check(addr netip.Addr) error {
	if c.opts.allowAddr != nil {
		if c.opts.allowAddr(addr.Unmap().WithZone("")) {
			return nil
		}
		reason := Restriction(addr)
		if reason == "" {
			reason = "not on the allow-list"
		}
		return &BlockedError{Addr: addr, Reason: reason}
	}
	if c.opts.AllowPrivate {
		return nil
	}
	if reason := Restriction(addr); reason != "" {
		return &BlockedError{Addr: addr, Reason: reason}
	}
	return nil
}

// dialContext resolves the host itself, refuses the connection if any
// resolved address is restricted, and dials the checked addresses in order.
func (c *Client) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, perr := netip.ParseAddr(host); perr == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = c.resolver.LookupNetIP(ctx, ipNetwork(network), host)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	// Every address must pass: a name that resolves to one public and one
	// private address is an attack, not a configuration.
	for _, a := range addrs {
		if err := c.check(a); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, a := range addrs {
		// LookupNetIP returns IPv4 answers as ::ffff:a.b.c.d; dial them as
		// IPv4.
		conn, err := c.dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

func ipNetwork(network string) string {
	switch network {
	case "tcp4", "udp4":
		return "ip4"
	case "tcp6", "udp6":
		return "ip6"
	}
	return "ip"
}

// HTTPClient returns an *http.Client for webhook deliveries: the same
// guarded dialer and trusted roots as Get, a total timeout, and no
// redirects followed (a 3xx is returned to the caller as the response).
func (c *Client) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: c.transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// CloseIdleConnections closes kept-alive connections (for shutdown).
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

// Response is a fetched body.
type Response struct {
	// Body is the whole response body, at most MaxBytes long. The
	// server's Content-Type is not trusted: the image loader names the
	// format from the bytes (imaging.Sniff).
	Body []byte
}

// userAgent identifies Strata to the servers it fetches from.
const userAgent = "Strata/1 (image fetch)"

// errTimeout is the cancellation cause of a fetch that ran out of its own
// time budget (as opposed to the caller's context ending).
var errTimeout = errors.New("fetch timed out")

// redirectError is returned by CheckRedirect when the cap is exceeded.
type redirectError struct{ max int }

// Error reads "more than N redirects".
func (e *redirectError) Error() string {
	return fmt.Sprintf("more than %d redirects", e.max)
}

// schemeError is returned by CheckRedirect for a non-http(s) target.
type schemeError struct{ scheme string }

// Error names the refused scheme.
func (e *schemeError) Error() string {
	return fmt.Sprintf("redirect to unsupported scheme %q", e.scheme)
}

// droppedHeaders are never sent from fetch_options, whatever schema
// allowed: hop-by-hop headers (RFC 9110 §7.6.1), framing, and headers that
// would let a client impersonate another origin or session.
var droppedHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Cookie": true, "Host": true, "Content-Length": true,
	// Compression is off (see New); a client asking for gzip would get
	// bytes no image decoder reads.
	"Accept-Encoding": true,
}

// Get fetches url with the per-request fetch options fo. Every error is a
// *failure.Error of kind Unprocessable whose message says what went wrong
// in terms the API client can act on, e.g. "fetching https://x/a.png:
// status 404"; the caller prefixes the layer path.
func (c *Client) Get(ctx context.Context, rawURL string, fo schema.FetchOptions) (*Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, failure.Wrap(failure.Unprocessable, err, "fetching %q: not a valid URL", rawURL)
	}
	shown := u.Redacted()
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, failure.New(failure.Unprocessable, "fetching %s: only http and https URLs can be fetched", shown)
	}

	timeout := c.opts.Timeout
	if fo.Timeout > 0 && fo.Timeout < timeout {
		timeout = fo.Timeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, failure.Wrap(failure.Unprocessable, err, "fetching %s: not a valid URL", shown)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "image/*, */*;q=0.8")
	var custom []string
	for name, value := range fo.Headers {
		key := http.CanonicalHeaderKey(name)
		if droppedHeaders[key] || !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			continue
		}
		req.Header.Set(key, value)
		custom = append(custom, key)
	}
	if a := fo.Auth; a != nil {
		switch a.Type {
		case "bearer":
			req.Header.Set("Authorization", "Bearer "+a.Token)
		case "basic":
			req.SetBasicAuth(a.Username, a.Password)
		}
		custom = append(custom, "Authorization")
	}

	hc := &http.Client{
		Transport: c.transport,
		CheckRedirect: func(next *http.Request, via []*http.Request) error {
			if len(via) > c.opts.MaxRedirects {
				return &redirectError{max: c.opts.MaxRedirects}
			}
			if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
				return &schemeError{scheme: next.URL.Scheme}
			}
			// net/http sets Referer to the previous URL (query included)
			// on every redirect; the redirect's target is not told where
			// it came from.
			next.Header.Del("Referer")
			// The client's headers and credentials were meant for the
			// origin it named; a redirect elsewhere does not get them.
			if leavesOrigin(via[0].URL, next.URL) {
				for _, h := range custom {
					next.Header.Del(h)
				}
			}
			return nil
		},
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, c.describe(ctx, shown, timeout, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, failure.New(failure.Unprocessable, "fetching %s: status %d", shown, resp.StatusCode)
	}
	max := c.opts.MaxBytes
	if resp.ContentLength == 0 || (resp.StatusCode == http.StatusNoContent) {
		return nil, failure.New(failure.Unprocessable, "fetching %s: the response is empty", shown)
	}
	if resp.ContentLength > max {
		return nil, failure.New(failure.TooLarge, "fetching %s: the file is larger than %s, the limit.", shown, schema.FormatBytes(max))
	}
	// Read at most max+1 bytes: one byte more than allowed proves the body
	// is too large without ever holding more than that.
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, c.describe(ctx, shown, timeout, err)
	}
	if int64(len(body)) > max {
		return nil, failure.New(failure.TooLarge, "fetching %s: the file is larger than %s, the limit.", shown, schema.FormatBytes(max))
	}
	if len(body) == 0 {
		return nil, failure.New(failure.Unprocessable, "fetching %s: the response is empty", shown)
	}
	if d, ok := ctx.Value(digestsKey{}).(*Digests); ok {
		d.add(rawURL, body)
	}
	return &Response{Body: body}, nil
}

// leavesOrigin reports whether a redirect from first to next goes to
// another host or port, or downgrades https to http (which would send the
// client's credentials in clear text).
func leavesOrigin(first, next *url.URL) bool {
	return next.Host != first.Host || (first.Scheme == "https" && next.Scheme != "https")
}

// describe turns a transport error into a public, actionable message.
func (c *Client) describe(ctx context.Context, shown string, timeout time.Duration, err error) error {
	var (
		blocked *BlockedError
		netErr  net.Error
	)
	var msg string
	switch {
	case errors.As(err, &blocked):
		msg = blocked.Error()
	case errors.Is(context.Cause(ctx), errTimeout):
		msg = "timed out after " + timeout.String()
	case ctx.Err() != nil:
		msg = "cancelled"
	case errors.As(err, &netErr) && netErr.Timeout():
		msg = "connecting timed out after " + c.opts.ConnectTimeout.String()
	default:
		msg = Explain(err)
	}
	return failure.Wrap(failure.Unprocessable, err, "fetching %s: %s", shown, msg)
}

// Explain turns an error from a guarded client's transport into a short
// phrase a client can act on ("connection refused", "host x not found",
// "address 10.0.0.1 is not allowed (private network)"); it never includes
// response content. Unknown errors read "the request failed".
func Explain(err error) string {
	var (
		blocked  *BlockedError
		redirect *redirectError
		scheme   *schemeError
		dnsErr   *net.DNSError
		netErr   net.Error
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &blocked):
		return blocked.Error()
	case errors.As(err, &redirect):
		return redirect.Error()
	case errors.As(err, &scheme):
		return scheme.Error()
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("host %s not found", dnsErr.Name)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("could not resolve %s", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the connection was closed early"
	case errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &verify):
		return "the server's TLS certificate is not trusted"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	default:
		return "the request failed"
	}
}
