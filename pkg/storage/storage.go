// Package storage puts rendered results in S3-compatible object storage
// (the request's "storage" destination, our extension) and presigns a GET
// URL for them.
//
// Threat model: the request names only a bucket and a key template; the
// endpoint and the credentials come from the operator's storage file
// (STRATA_STORAGE_FILE, Config), which grants each API key a list of
// buckets. A key can write only to its own buckets, with the credentials
// configured for it, so one key's request can never reach another key's
// bucket, and no request can make the server talk to an endpoint of the
// client's choosing (no SSRF through storage). Keys are expanded from
// validated templates (pkg/schema) and stay inside the bucket.
//
// Client: minio-go v7, chosen over aws-sdk-go-v2 because it is one module
// (aws-sdk-go-v2 needs service/s3, config, credentials and the 0.x
// transfermanager for multipart) that speaks to any S3-compatible server,
// splits large objects into multipart uploads on its own (PartSize) and
// presigns URLs offline once the region is known. Its own retry loop is
// turned off (MaxRetries 1) so that one policy, cenkalti/backoff's
// exponential backoff with jitter, decides every retry.
package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// Options tune a Store.
type Options struct {
	// KeyID maps a raw API key of the storage file to the key id the API
	// authenticates requests as (core.KeyID).
	KeyID func(apiKey string) string
	// PartSize is the multipart threshold and part size: an object larger
	// than this is sent in parts of this size. At least 5 MiB (S3's
	// smallest part); DefaultPartSize when zero.
	PartSize uint64
	// Retries is how many attempts may follow a failed upload (0: none;
	// config's default is DefaultRetries).
	Retries int
	// InitialBackoff is the first retry delay (DefaultInitialBackoff when
	// zero); each next one is about twice as long, with jitter.
	InitialBackoff time.Duration
	// AttemptTimeout bounds one upload attempt (DefaultAttemptTimeout when
	// zero).
	AttemptTimeout time.Duration
	// Transport, when set, carries the S3 requests (tests).
	Transport http.RoundTripper
}

// The defaults of Options.
const (
	// DefaultPartSize is 16 MiB: a 4000×4000 PNG (about 20 MB) goes up in
	// two parts, a social card in one PUT.
	DefaultPartSize       = 16 << 20
	MinPartSize           = 5 << 20
	DefaultRetries        = 4
	DefaultInitialBackoff = 200 * time.Millisecond
	DefaultAttemptTimeout = 60 * time.Second
)

// Store uploads results with the credentials each API key was given.
type Store struct {
	o     Options
	byKey map[string]map[string]*target // key id → bucket → target
}

// target is one destination of the storage file with its client.
type target struct {
	dest    *Destination
	client  *minio.Client
	presign *minio.Client // the client of PublicEndpoint (or client)
}

// New builds a Store from a parsed storage file. It makes no request.
func New(cfg *Config, o Options) (*Store, error) {
	if o.KeyID == nil {
		return nil, errors.New("storage: Options.KeyID is required")
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	if o.PartSize < MinPartSize {
		return nil, fmt.Errorf("storage: part size %d is below S3's minimum of 5 MiB", o.PartSize)
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = DefaultInitialBackoff
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	s := &Store{o: o, byKey: map[string]map[string]*target{}}
	for i := range cfg.Destinations {
		d := &cfg.Destinations[i]
		client, err := d.client(d.Endpoint, o.Transport)
		if err != nil {
			return nil, fmt.Errorf("storage: destinations[%d].endpoint: %w", i, err)
		}
		t := &target{dest: d, client: client, presign: client}
		if d.PublicEndpoint != "" {
			if t.presign, err = d.client(d.PublicEndpoint, o.Transport); err != nil {
				return nil, fmt.Errorf("storage: destinations[%d].public_endpoint: %w", i, err)
			}
		}
		for _, k := range d.APIKeys {
			id := o.KeyID(k)
			if s.byKey[id] == nil {
				s.byKey[id] = map[string]*target{}
			}
			for _, b := range d.Buckets {
				s.byKey[id][b] = t
			}
		}
	}
	return s, nil
}

func (d *Destination) client(endpoint string, rt http.RoundTripper) (*minio.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupDNS
	if d.PathStyle {
		lookup = minio.BucketLookupPath
	}
	return minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(d.AccessKeyID, d.SecretAccessKey, ""),
		Secure:       u.Scheme == "https",
		Region:       d.Region, // known, so presigning needs no request
		BucketLookup: lookup,
		Transport:    rt,
		MaxRetries:   1, // backoff decides retries (package comment)
	})
}

// Check reports, as a 400 naming storage.bucket, a request whose bucket
// is not one the key may write. A nil Store (no storage file) refuses
// every destination.
func (s *Store) Check(keyID string, d *schema.Storage) error {
	if d == nil {
		return nil
	}
	if s == nil || len(s.byKey[keyID]) == 0 {
		return invalid("storage", "cannot be used: this server has no object storage configured for this API key")
	}
	if s.byKey[keyID][d.Bucket] == nil {
		return invalid("storage.bucket", fmt.Sprintf("is not a bucket this API key may write to (got %q)", d.Bucket))
	}
	return nil
}

func invalid(path, msg string) error {
	return &failure.Error{Kind: failure.Invalid, Message: path + " " + msg + ".",
		Details: []failure.Detail{{Path: path, Message: msg}}}
}

// Object describes a stored result; it is the "storage" member of the
// response's and the webhook's data.
type Object struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// URL is a presigned GET URL, valid until URLExpiresAt.
	URL          string    `json:"url"`
	URLExpiresAt time.Time `json:"url_expires_at"`
	SizeInBytes  int64     `json:"size_in_bytes"`
	SHA256       string    `json:"sha256"`
	ContentType  string    `json:"content_type"`
	// ETag is the server's entity tag (a multipart upload's ends "-N").
	ETag string `json:"etag"`
}

// extensions maps the result media types to the {ext} placeholder.
var extensions = map[string]string{
	"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/tiff": "tiff",
	"image/gif": "gif", "image/avif": "avif", "application/pdf": "pdf",
}

// Put uploads data to d for the key keyID, retrying failed attempts with
// exponential backoff, and presigns a GET URL. jobID fills {job_id}. A
// failure's message names the bucket, the key, the attempts and the
// storage server's answer; it is Unprocessable when the server refused
// for good (see permanent), Unavailable when it was still failing when
// the retries ran out.
func (s *Store) Put(ctx context.Context, keyID string, d *schema.Storage, data []byte, mimeType, jobID string) (*Object, error) {
	if err := s.Check(keyID, d); err != nil {
		return nil, err
	}
	t := s.byKey[keyID][d.Bucket]
	sum := sha256.Sum256(data)
	obj := &Object{Bucket: d.Bucket, SizeInBytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		ContentType: d.ContentType}
	if obj.ContentType == "" {
		obj.ContentType = mimeType
	}
	ext := extensions[mimeType]
	if ext == "" {
		ext = "bin"
	}
	obj.Key = d.Key(jobID, obj.SHA256, ext)
	opts := minio.PutObjectOptions{
		ContentType:  obj.ContentType,
		CacheControl: d.CacheControl,
		PartSize:     s.o.PartSize,
		// One part at a time: the parts are slices of data already in
		// memory, and a render slot's worth of bandwidth is enough.
		NumThreads: 1,
	}
	if d.ACL != "" {
		opts.UserMetadata = map[string]string{"x-amz-acl": d.ACL}
	}

	var b backoff.BackOff = backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(s.o.InitialBackoff), backoff.WithMaxElapsedTime(0))
	b = backoff.WithContext(backoff.WithMaxRetries(b, uint64(s.o.Retries)), ctx)
	attempts := 0
	err := backoff.Retry(func() error {
		attempts++
		actx, cancel := context.WithTimeout(ctx, s.o.AttemptTimeout)
		defer cancel()
		info, err := t.client.PutObject(actx, d.Bucket, obj.Key, bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			if permanent(err) {
				return backoff.Permanent(err)
			}
			return err
		}
		obj.ETag = info.ETag
		return nil
	}, b)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// An answer no retry can change is the destination's fault (422,
		// a job failed for good); running out of retries on a server
		// that is down or busy is unavailability (503, a job retried on
		// the render schedule).
		kind := failure.Unavailable
		if permanent(err) {
			kind = failure.Unprocessable
		}
		return nil, failure.Wrap(kind, err,
			"The result could not be stored as %q in bucket %q after %d attempt%s: %s.",
			obj.Key, d.Bucket, attempts, plural(attempts), describe(err))
	}
	u, err := t.presign.PresignedGetObject(ctx, d.Bucket, obj.Key, d.URLLifetime, nil)
	if err != nil {
		return nil, failure.Wrap(failure.Internal, err, "presigning %s/%s", d.Bucket, obj.Key)
	}
	obj.URL = u.String()
	obj.URLExpiresAt = time.Now().Add(d.URLLifetime).UTC().Truncate(time.Second)
	return obj, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// permanent reports an S3 answer that a retry cannot change: the
// credentials or the bucket are wrong.
func permanent(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch",
		"AllAccessDisabled", "InvalidBucketName", "AccountProblem", "InvalidArgument":
		return true
	}
	return false
}

// describe is the storage server's answer in words safe to show the
// client: its error code and message, or the kind of network failure.
// Credentials never appear in either.
func describe(err error) string {
	if r := minio.ToErrorResponse(err); r.Code != "" {
		if r.Message != "" {
			return r.Code + " (" + r.Message + ")"
		}
		return r.Code
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "the storage server did not answer in time"
		}
		return "the storage server could not be reached"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "the storage server did not answer in time"
	}
	return "the storage server refused the upload"
}
