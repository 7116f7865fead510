package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/storage/s3test"
)

// storageServer is a test server whose key may write bucket on the real
// S3 test server.
func storageServer(t *testing.T, srv *s3test.Server, bucket, secret string) *storage.Store {
	t.Helper()
	cfg, err := storage.Parse(srv.Destinations(testKey, bucket, s3test.WriterKey, secret))
	require.NoError(t, err)
	st, err := storage.New(cfg, storage.Options{KeyID: core.KeyID, Retries: 1})
	require.NoError(t, err)
	return st
}

func storageRequest(bucket, extra string) string {
	return `{"dimensions":{"width":64,"height":32},"layers":[{"index":0,"type":"solid-color","hex_color":"#3366FF"}],
	  "storage":{"bucket":"` + bucket + `","key":"cards/{job_id}.{ext}","cache_control":"no-cache"` + extra + `}}`
}

type storedEnvelope struct {
	Success bool   `json:"success"`
	JobID   string `json:"job_id"`
	Data    struct {
		Buffer   *string        `json:"buffer"`
		MimeType string         `json:"mime_type"`
		Storage  storage.Object `json:"storage"`
	} `json:"data"`
}

func postStored(t *testing.T, url, body string) (int, storedEnvelope, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/image-generation/v1/generate", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env storedEnvelope
	require.NoError(t, json.Unmarshal(raw, &env), "%s", raw)
	return resp.StatusCode, env, raw
}

// A sync request with a storage destination answers with the stored
// object's presigned URL instead of the base64 image; the URL serves the
// very PNG the renderer made.
func TestGenerateSyncToStorage(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	srv := newTestServer(t, func(o *Options) { o.Storage = storageServer(t, s3, bucket, s3test.WriterSecret) })

	status, env, raw := postStored(t, srv.URL, storageRequest(bucket, ""))
	require.Equal(t, http.StatusOK, status, "%s", raw)
	require.True(t, env.Success)
	require.Nil(t, env.Data.Buffer, "no base64 unless asked for")
	require.Regexp(t, `^job_[0-9a-f]{32}$`, env.JobID)
	require.Equal(t, "cards/"+env.JobID+".png", env.Data.Storage.Key)
	require.Equal(t, "image/png", env.Data.MimeType)

	resp, err := http.Get(env.Data.Storage.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	img, err := png.Decode(bytes.NewReader(got))
	require.NoError(t, err)
	r, g, b, _ := img.At(5, 5).RGBA()
	require.Equal(t, []uint32{0x33, 0x66, 0xff}, []uint32{r >> 8, g >> 8, b >> 8})
	require.EqualValues(t, len(got), env.Data.Storage.SizeInBytes)

	// should_return_buffer keeps the base64 image beside the URL.
	status, env, raw = postStored(t, srv.URL, storageRequest(bucket, `,"should_return_buffer":true`))
	require.Equal(t, http.StatusOK, status, "%s", raw)
	require.NotNil(t, env.Data.Buffer)
	dec, err := base64.StdEncoding.DecodeString(*env.Data.Buffer)
	require.NoError(t, err)
	obj, err := s3.Client(s3test.WriterKey, s3test.WriterSecret).GetObject(context.Background(), bucket, env.Data.Storage.Key, minio.GetObjectOptions{})
	require.NoError(t, err)
	stored, _ := io.ReadAll(obj)
	require.Equal(t, dec, stored)
}

// A PDF goes to storage as application/pdf under {ext} = pdf, the bytes
// the renderer made.
func TestGenerateSyncPDFToStorage(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	srv := newTestServer(t, func(o *Options) { o.Storage = storageServer(t, s3, bucket, s3test.WriterSecret) })
	body := strings.Replace(storageRequest(bucket, ""), `"storage":`, `"output_format":"pdf","storage":`, 1)
	status, env, raw := postStored(t, srv.URL, body)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	require.Equal(t, "application/pdf", env.Data.MimeType)
	require.Equal(t, "cards/"+env.JobID+".pdf", env.Data.Storage.Key)
	require.Equal(t, "application/pdf", env.Data.Storage.ContentType)
	resp, err := http.Get(env.Data.Storage.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(got, []byte("%PDF-1.7")), "%.20q", got)
	require.True(t, bytes.HasSuffix(got, []byte("%%EOF\n")))
}

func TestGenerateStorageRefusals(t *testing.T) {
	t.Parallel()
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	cases := []struct {
		name   string
		store  *storage.Store
		body   string
		status int
		msg    string
	}{
		{"no storage configured", nil, storageRequest(bucket, ""), http.StatusBadRequest, "no object storage configured"},
		{"another key's bucket", storageServer(t, s3, bucket, s3test.WriterSecret), storageRequest("someone-elses", ""), http.StatusBadRequest, "storage.bucket is not a bucket this API key may write to"},
		{"upload refused", storageServer(t, s3, bucket, "wrong-secret-0123456789"), storageRequest(bucket, ""), http.StatusUnprocessableEntity, "could not be stored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(o *Options) { o.Storage = tc.store })
			resp, env := post(t, srv, "/image-generation/v1/generate", testKey, tc.body)
			require.Equal(t, tc.status, resp.StatusCode, env.Error)
			require.Contains(t, env.Error, tc.msg)
			require.NotContains(t, env.Error, "wrong-secret")
		})
	}
}
