package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage/s3test"
)

const testKey = "test-api-key-0123456789"

func keyID(k string) string { return "id:" + k }

// newStore returns a Store writing bucket with the given identity.
func newStore(t *testing.T, srv *s3test.Server, bucket, ak, sk string, o Options) *Store {
	t.Helper()
	cfg, err := Parse(srv.Destinations(testKey, bucket, ak, sk))
	require.NoError(t, err)
	o.KeyID = keyID
	if o.InitialBackoff == 0 {
		o.InitialBackoff = 10 * time.Millisecond
	}
	s, err := New(cfg, o)
	require.NoError(t, err)
	return s
}

func dest(bucket string) *schema.Storage {
	return &schema.Storage{Bucket: bucket, KeyTemplate: "r/{job_id}-{sha256}.{ext}", URLLifetime: time.Minute}
}

func TestPutAndPresignedGet(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s := newStore(t, srv, bucket, s3test.WriterKey, s3test.WriterSecret, Options{})
	data := []byte("\x89PNG fake bytes are fine for storage")
	d := dest(bucket)
	d.CacheControl = "public, max-age=60"
	obj, err := s.Put(context.Background(), keyID(testKey), d, data, "image/png", "job_42")
	require.NoError(t, err)
	require.Equal(t, "r/job_42-"+obj.SHA256+".png", obj.Key)
	require.Len(t, obj.SHA256, 64)
	require.Equal(t, int64(len(data)), obj.SizeInBytes)
	require.Equal(t, "image/png", obj.ContentType)
	require.WithinDuration(t, time.Now().Add(time.Minute), obj.URLExpiresAt, 2*time.Second)

	// The presigned URL works without credentials and serves the bytes
	// with the requested headers.
	resp, err := http.Get(obj.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(got))
	require.Equal(t, data, got)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	require.Equal(t, "public, max-age=60", resp.Header.Get("Cache-Control"))
	u, _ := url.Parse(obj.URL)
	require.Equal(t, "60", u.Query().Get("X-Amz-Expires"))

	// The URL is signed: altering it is refused.
	resp2, err := http.Get(strings.Replace(obj.URL, "X-Amz-Expires=60", "X-Amz-Expires=600", 1))
	require.NoError(t, err)
	resp2.Body.Close()
	require.Equal(t, http.StatusForbidden, resp2.StatusCode)
}

func TestPutContentTypeOverride(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s := newStore(t, srv, bucket, s3test.WriterKey, s3test.WriterSecret, Options{})
	d := dest(bucket)
	d.ContentType = "application/x-strata-result"
	d.KeyTemplate = "fixed.{ext}"
	obj, err := s.Put(context.Background(), keyID(testKey), d, []byte("x"), "image/webp", "job_1")
	require.NoError(t, err)
	require.Equal(t, "fixed.webp", obj.Key)
	info, err := srv.Client(s3test.WriterKey, s3test.WriterSecret).StatObject(context.Background(), bucket, "fixed.webp", minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "application/x-strata-result", info.ContentType)
}

// A result larger than the part size goes up as a multipart upload: the
// server's ETag of a multipart object ends in -<parts>.
func TestPutMultipart(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s := newStore(t, srv, bucket, s3test.WriterKey, s3test.WriterSecret, Options{PartSize: MinPartSize})
	data := make([]byte, 2*MinPartSize+12345)
	_, _ = rand.Read(data)
	obj, err := s.Put(context.Background(), keyID(testKey), dest(bucket), data, "image/png", "job_big")
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(strings.Trim(obj.ETag, `"`), "-3"), "etag %s", obj.ETag)
	rc, err := srv.Client(s3test.WriterKey, s3test.WriterSecret).GetObject(context.Background(), bucket, obj.Key, minio.GetObjectOptions{})
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "object differs")

	// Below the part size: one PUT, a plain MD5 ETag.
	small, err := s.Put(context.Background(), keyID(testKey), dest(bucket), data[:1000], "image/png", "job_small")
	require.NoError(t, err)
	require.NotContains(t, small.ETag, "-")
}

// Credentials that may not write fail at once (no retries: a retry cannot
// change the answer), with the server's reason in the message.
func TestPutAccessDeniedIsPermanent(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	var requests atomic.Int32
	s := newStore(t, srv, bucket, s3test.ReaderKey, s3test.ReaderSecret, Options{Retries: 3,
		Transport: countingTransport(&requests)})
	_, err := s.Put(context.Background(), keyID(testKey), dest(bucket), []byte("x"), "image/png", "job_1")
	require.Error(t, err)
	fe := failure.As(err)
	require.Equal(t, failure.Unprocessable, fe.Kind)
	require.Contains(t, fe.PublicMessage(), "could not be stored")
	require.Contains(t, fe.PublicMessage(), "after 1 attempt:")
	require.Contains(t, fe.PublicMessage(), "AccessDenied")
	require.NotContains(t, fe.PublicMessage(), s3test.ReaderSecret)
	require.Equal(t, int32(1), requests.Load())
}

// A storage server that fails transiently is retried with backoff until
// it answers.
func TestPutRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	// A proxy in front of the real server answers the first two PUTs 503.
	proxied, puts := srv.Flaky(t, 2)
	s := newStore(t, proxied, bucket, s3test.WriterKey, s3test.WriterSecret, Options{Retries: 3})
	obj, err := s.Put(context.Background(), keyID(testKey), dest(bucket), []byte("retried"), "image/png", "job_1")
	require.NoError(t, err)
	require.Equal(t, int32(3), puts.Load())
	_, err = srv.Client(s3test.WriterKey, s3test.WriterSecret).StatObject(context.Background(), bucket, obj.Key, minio.StatObjectOptions{})
	require.NoError(t, err)

	// Out of retries: unavailable (a 503, or a job retried later), naming
	// the attempts and the last answer.
	puts.Store(-100)
	s = newStore(t, proxied, bucket, s3test.WriterKey, s3test.WriterSecret, Options{Retries: 2})
	_, err = s.Put(context.Background(), keyID(testKey), dest(bucket), []byte("x"), "image/png", "job_2")
	require.Error(t, err)
	require.Equal(t, failure.Unavailable, failure.KindOf(err))
	require.Contains(t, failure.As(err).PublicMessage(), "after 3 attempts: SlowDown (try later)")
}

func TestPutUnreachableServer(t *testing.T) {
	t.Parallel()
	l := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(l.URL, "http://")
	l.Close() // nothing listens there now
	s := newStore(t, &s3test.Server{Endpoint: "http://" + addr, Addr: addr}, "bbb", "a", "b", Options{Retries: 1})
	_, err := s.Put(context.Background(), keyID(testKey), dest("bbb"), []byte("x"), "image/png", "job_1")
	require.Error(t, err)
	require.Equal(t, failure.Unavailable, failure.KindOf(err))
	require.Contains(t, failure.As(err).PublicMessage(), "after 2 attempts: the storage server could not be reached")
}

func TestCheckKeepsKeysApart(t *testing.T) {
	t.Parallel()
	cfg, err := Parse([]byte(`{"destinations":[
	  {"api_keys":["key-a"],"endpoint":"http://127.0.0.1:1","region":"r","access_key_id":"a","secret_access_key":"b","buckets":["bucket-a"]},
	  {"api_keys":["key-b"],"endpoint":"http://127.0.0.1:1","region":"r","access_key_id":"a","secret_access_key":"b","buckets":["bucket-b"]}]}`))
	require.NoError(t, err)
	s, err := New(cfg, Options{KeyID: keyID})
	require.NoError(t, err)
	require.NoError(t, s.Check(keyID("key-a"), dest("bucket-a")))
	require.NoError(t, s.Check(keyID("key-a"), nil))

	fe := failure.As(s.Check(keyID("key-a"), dest("bucket-b")))
	require.Equal(t, failure.Invalid, fe.Kind)
	require.Equal(t, "storage.bucket", fe.Details[0].Path)
	require.Contains(t, fe.Message, "not a bucket this API key may write to")

	fe = failure.As(s.Check(keyID("key-c"), dest("bucket-a")))
	require.Equal(t, "storage", fe.Details[0].Path)
	_, err = s.Put(context.Background(), keyID("key-b"), dest("bucket-a"), []byte("x"), "image/png", "job_1")
	require.Equal(t, failure.Invalid, failure.KindOf(err))

	var none *Store
	fe = failure.As(none.Check("any", dest("bucket-a")))
	require.Contains(t, fe.Message, "no object storage configured")
}

func countingTransport(n *atomic.Int32) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		n.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
