// Package s3test runs a real S3-compatible server for tests: SeaweedFS's
// `weed server -s3`, built pinned by scripts/setup.sh into the assets
// tool dir (bin/weed). One server is started per test binary, on free
// loopback ports, in a fresh directory, and dies with the test binary.
// Tests get a fresh bucket each (Bucket). No fake: the S3 protocol,
// signatures, multipart uploads and presigned URLs are SeaweedFS's own.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The identities of the server: Writer may do everything, Reader may
// only read and list (for access-denied tests).
const (
	WriterKey    = "strataTestWriter"
	WriterSecret = "strataTestWriterSecret0123456789"
	ReaderKey    = "strataTestReader"
	ReaderSecret = "strataTestReaderSecret0123456789"
	Region       = "us-east-1"
)

// Server is a running S3 gateway.
type Server struct {
	// Endpoint is its base URL, http://127.0.0.1:PORT.
	Endpoint string
	// Addr is its host:port.
	Addr string
	cmd  *exec.Cmd
}

var (
	once   sync.Once
	shared *Server
	err    error
)

// Binary is the weed binary the tests run: STRATA_TEST_WEED, else
// bin/weed in STRATA_ASSETS_DIR (default ~/.cache/strata).
func Binary() string {
	if b := os.Getenv("STRATA_TEST_WEED"); b != "" {
		return b
	}
	dir := os.Getenv("STRATA_ASSETS_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "strata")
	}
	return filepath.Join(dir, "bin", "weed")
}

// Start returns the test binary's S3 server, starting it on first use. It
// fails the test when the server cannot start.
func Start(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { shared, err = start() })
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return shared
}

func start() (*Server, error) {
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no SeaweedFS binary at %s (run scripts/setup.sh, which builds it): %w", bin, err)
	}
	dir, err := os.MkdirTemp("", "strata-s3test-")
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`{"identities":[
{"name":"writer","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","Write","List","Tagging"]},
{"name":"reader","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Read","List"]}]}`,
		WriterKey, WriterSecret, ReaderKey, ReaderSecret)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, err
	}
	p, err := freePorts(9)
	if err != nil {
		return nil, err
	}
	port := func(i int) string { return strconv.Itoa(p[i]) }
	cmd := exec.Command(bin, "server", "-ip=127.0.0.1", "-dir="+filepath.Join(dir, "data"),
		"-master.port="+port(0), "-master.port.grpc="+port(1),
		"-volume.port="+port(2), "-volume.port.grpc="+port(3),
		"-filer.port="+port(4), "-filer.port.grpc="+port(5),
		"-s3", "-s3.port="+port(6), "-s3.port.grpc="+port(7), "-metricsPort="+port(8),
		"-s3.config="+filepath.Join(dir, "s3.json"),
		// Every bucket is a collection that takes several volumes of its
		// own: many small volumes, not the default 8 of 30 GB.
		"-volume.max=500", "-master.volumeSizeLimitMB=32")
	logf, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// The server dies with the test binary, however that ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := startOnLastingThread(cmd); err != nil {
		return nil, err
	}
	s := &Server{Addr: "127.0.0.1:" + port(6), cmd: cmd}
	s.Endpoint = "http://" + s.Addr
	// Ready when an object can be written (the gateway answers before
	// the filer and its lock server behind it are up).
	c := s.Client(WriterKey, WriterSecret)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.MakeBucket(ctx, "ready", minio.MakeBucketOptions{Region: Region})
		if err == nil || minio.ToErrorResponse(err).Code == "BucketAlreadyOwnedByYou" {
			_, err = c.PutObject(ctx, "ready", "probe", strings.NewReader("ok"), 2, minio.PutObjectOptions{})
		}
		cancel()
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("SeaweedFS did not become ready in 60 s (log: %s): %v", logf.Name(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startOnLastingThread starts cmd from an OS thread that lives as long as
// the test binary. Pdeathsig fires when the thread that forked the child
// ends, not the process, and Go ends a thread whose goroutine exits while
// locked to it (admission's low-priority renders do just that): started
// from any thread, the server was killed mid-test now and then.
func startOnLastingThread(cmd *exec.Cmd) error {
	errc := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked, and this goroutine never ends
		errc <- cmd.Start()
		select {}
	}()
	return <-errc
}

// freePorts returns n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var out []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// Client is a minio-go client of the server with the given identity.
func (s *Server) Client(key, secret string) *minio.Client {
	c, err := minio.New(s.Addr, &minio.Options{
		Creds: credentials.NewStaticV4(key, secret, ""), Region: Region, BucketLookup: minio.BucketLookupPath,
		Transport: http.DefaultTransport,
	})
	if err != nil {
		panic(err) // only a malformed address fails, and Addr is ours
	}
	return c
}

// Destinations is a STRATA_STORAGE_CONFIG document (docs/STORAGE.md) that
// lets apiKey write bucket on this server with the identity accessKey and
// secret (WriterKey and WriterSecret; another pair makes uploads fail).
func (s *Server) Destinations(apiKey, bucket, accessKey, secret string) []byte {
	return []byte(`{"destinations":[{"api_keys":["` + apiKey + `"],"endpoint":"` + s.Endpoint +
		`","region":"` + Region + `","access_key_id":"` + accessKey + `","secret_access_key":"` + secret +
		`","buckets":["` + bucket + `"],"path_style":true}]}`)
}

// Bucket creates a fresh bucket for one test and returns its name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t-" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client(WriterKey, WriterSecret).MakeBucket(ctx, name, minio.MakeBucketOptions{Region: Region}); err != nil {
		t.Fatalf("s3test: creating bucket %s: %v", name, err)
	}
	return name
}

// Flaky returns a proxy in front of s that answers the first n PUT
// requests with 503 SlowDown (a storage server under load) and passes
// everything else through; puts counts the PUTs it saw. Signatures cover
// the Host header, which the proxy keeps, so clients sign for the proxy's
// address as usual.
func (s *Server) Flaky(t testing.TB, n int32) (proxy *Server, puts *atomic.Int32) {
	t.Helper()
	puts = &atomic.Int32{}
	target := &url.URL{Scheme: "http", Host: s.Addr}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && puts.Add(1) <= n {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `<Error><Code>SlowDown</Code><Message>try later</Message></Error>`)
			return
		}
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		r.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return &Server{Endpoint: srv.URL, Addr: strings.TrimPrefix(srv.URL, "http://")}, puts
}
