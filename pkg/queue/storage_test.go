package queue

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/storage/s3test"
)

// storeFor gives keyA the bucket on the real S3 test server.
func storeFor(t *testing.T, s3 *s3test.Server, bucket, secret string) *storage.Store {
	t.Helper()
	cfg, err := storage.Parse(s3.Destinations(keyA, bucket, s3test.WriterKey, secret))
	require.NoError(t, err)
	st, err := storage.New(cfg, storage.Options{KeyID: core.KeyID, Retries: 1, InitialBackoff: 10 * time.Millisecond})
	require.NoError(t, err)
	return st
}

func storedCard(url, bucket string) string {
	return strings.TrimSuffix(card(url), "}") + `,"storage":{"bucket":"` + bucket + `","key":"async/{job_id}.{ext}"}}`
}

type storedWebhook struct {
	Success bool   `json:"success"`
	JobID   string `json:"job_id"`
	Data    struct {
		Buffer   *string        `json:"buffer"`
		MimeType string         `json:"mime_type"`
		Storage  storage.Object `json:"storage"`
	} `json:"data"`
	Error struct {
		Message string `json:"message"`
	} `json:"error"`
}

// An async job with a storage destination is uploaded by the worker; its
// webhook carries the presigned URL and no base64, and the URL serves the
// rendered PNG.
func TestAsyncResultToStorage(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	s := newStack(t, stackOptions{storage: storeFor(t, s3, bucket, s3test.WriterSecret)})
	id := s.submit(t, keyA, storedCard(s.recv.URL(), bucket))
	got := s.recv.waitFor(t, 1, 30*time.Second)[0]
	var b storedWebhook
	require.NoError(t, json.Unmarshal(got.Body, &b), string(got.Body))
	require.True(t, b.Success, string(got.Body))
	require.Equal(t, id, b.JobID)
	require.Nil(t, b.Data.Buffer)
	require.NotContains(t, string(got.Body), `"buffer"`)
	require.Equal(t, "async/"+id+".png", b.Data.Storage.Key)
	require.Less(t, len(got.Body), 2000, "the webhook carries a URL, not the image")

	resp, err := http.Get(b.Data.Storage.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	img, err := png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, 1200, img.Bounds().Dx())
	s.waitStatus(t, keyA, id, StatusDelivered, 5*time.Second)
}

// A failed upload fails the job: the failure payload says why, once, and
// the job status keeps the message.
func TestAsyncUploadFailureFailsJob(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	s := newStack(t, stackOptions{storage: storeFor(t, s3, bucket, "not-the-secret-0123456789")})
	id := s.submit(t, keyA, storedCard(s.recv.URL(), bucket))
	got := s.recv.waitFor(t, 1, 30*time.Second)[0]
	var b storedWebhook
	require.NoError(t, json.Unmarshal(got.Body, &b))
	require.False(t, b.Success)
	require.Contains(t, b.Error.Message, "could not be stored as \"async/"+id+".png\" in bucket")
	require.Contains(t, b.Error.Message, "SignatureDoesNotMatch")
	job := s.waitStatus(t, keyA, id, StatusFailed, 5*time.Second)
	require.Contains(t, job["last_error"], "could not be stored")
	require.Equal(t, 1, s.renders(t, id), "an upload refused for good is not rendered again")
}

// A storage server still failing when the upload's own retries run out
// leaves the job to the render retry schedule: rendered again, uploaded,
// delivered.
func TestAsyncUploadUnavailableRetriesJob(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	flaky, puts := s3.Flaky(t, 2) // storeFor tries twice per render
	s := newStack(t, stackOptions{storage: storeFor(t, flaky, bucket, s3test.WriterSecret)})
	id := s.submit(t, keyA, storedCard(s.recv.URL(), bucket))
	got := s.recv.waitFor(t, 1, 30*time.Second)[0]
	var b storedWebhook
	require.NoError(t, json.Unmarshal(got.Body, &b))
	require.True(t, b.Success, b.Error.Message)
	require.Equal(t, "async/"+id+".png", b.Data.Storage.Key)
	s.waitStatus(t, keyA, id, StatusDelivered, 5*time.Second)
	require.Equal(t, 2, s.renders(t, id))
	require.Equal(t, int32(3), puts.Load())
}

// A key without storage is refused at submit time, nothing queued.
func TestAsyncStorageRefusedUpFront(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	s := newStack(t, stackOptions{storage: storeFor(t, s3, bucket, s3test.WriterSecret), noWorker: true})
	status, out := s.post(t, keyB, storedCard(s.recv.URL(), bucket))
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, out["error"], "no object storage configured for this API key")
}
