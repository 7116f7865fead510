package schema

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
)

func withStorage(storage string) string {
	return `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"storage":` + storage + `}`
}

func TestDecodeStorage(t *testing.T) {
	t.Parallel()
	req, err := Decode([]byte(withStorage(`{"bucket":"renders","key":"cards/{job_id}-{sha256}.{ext}",
		"acl":"public-read","cache_control":"public, max-age=60","content_type":"image/png",
		"presigned_url_lifetime_in_seconds":600,"should_return_buffer":true}`)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, &Storage{Bucket: "renders", KeyTemplate: "cards/{job_id}-{sha256}.{ext}", ACL: "public-read",
		CacheControl: "public, max-age=60", ContentType: "image/png", URLLifetime: 10 * time.Minute, ReturnBuffer: true}, req.Storage)
	require.Equal(t, "cards/job_1-ab.png", req.Storage.Key("job_1", "ab", "png"))

	req, err = Decode([]byte(withStorage(`{"bucket":"b12","key":"{sha256}"}`)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, &Storage{Bucket: "b12", KeyTemplate: "{sha256}", URLLifetime: DefaultURLLifetime}, req.Storage)

	req, err = Decode([]byte(withStorage(`null`)), DefaultLimits())
	require.NoError(t, err)
	require.Nil(t, req.Storage)
}

func TestDecodeStorageRejects(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1000)
	cases := []struct{ name, storage, path, msg string }{
		{"not an object", `"s3://b/k"`, "storage", "must be an object"},
		{"no bucket", `{"key":"k"}`, "storage.bucket", "is required"},
		{"no key", `{"bucket":"bbb"}`, "storage.key", "is required"},
		{"bucket short", `{"bucket":"ab","key":"k"}`, "storage.bucket", "3 to 63"},
		{"bucket upper case", `{"bucket":"Renders","key":"k"}`, "storage.bucket", "lower-case"},
		{"bucket slash", `{"bucket":"a/b","key":"k"}`, "storage.bucket", "lower-case"},
		{"bucket hyphen end", `{"bucket":"abc-","key":"k"}`, "storage.bucket", "begin and end"},
		{"bucket two dots", `{"bucket":"a..b","key":"k"}`, "storage.bucket", "two dots"},
		{"bucket number", `{"bucket":12,"key":"k"}`, "storage.bucket", "must be a string"},
		{"empty key", `{"bucket":"bbb","key":""}`, "storage.key", "must not be empty"},
		{"key leading slash", `{"bucket":"bbb","key":"/a"}`, "storage.key", "slash"},
		{"key dot dot", `{"bucket":"bbb","key":"a/../b"}`, "storage.key", "segments"},
		{"key empty segment", `{"bucket":"bbb","key":"a//b"}`, "storage.key", "segments"},
		{"key control char", `{"bucket":"bbb","key":"a\u0001b"}`, "storage.key", "control"},
		{"key unknown placeholder", `{"bucket":"bbb","key":"{date}.png"}`, "storage.key", "unknown placeholder {date}"},
		{"key unmatched open", `{"bucket":"bbb","key":"{job_id.png"}`, "storage.key", "unmatched"},
		{"key unmatched close", `{"bucket":"bbb","key":"job}.png"}`, "storage.key", "unmatched"},
		{"key too long expanded", `{"bucket":"bbb","key":"` + long + `{sha256}"}`, "storage.key", "1024"},
		{"unknown acl", `{"bucket":"bbb","key":"k","acl":"public"}`, "storage.acl", "must be one of"},
		{"cache control newline", `{"bucket":"bbb","key":"k","cache_control":"a\nb"}`, "storage.cache_control", "printable ASCII"},
		{"cache control empty", `{"bucket":"bbb","key":"k","cache_control":""}`, "storage.cache_control", "printable ASCII"},
		{"content type bad", `{"bucket":"bbb","key":"k","content_type":"png"}`, "storage.content_type", "media type"},
		{"lifetime zero", `{"bucket":"bbb","key":"k","presigned_url_lifetime_in_seconds":0}`, "storage.presigned_url_lifetime_in_seconds", "between 1 and 604800"},
		{"lifetime over a week", `{"bucket":"bbb","key":"k","presigned_url_lifetime_in_seconds":604801}`, "storage.presigned_url_lifetime_in_seconds", "between 1 and 604800"},
		{"lifetime fraction", `{"bucket":"bbb","key":"k","presigned_url_lifetime_in_seconds":1.5}`, "storage.presigned_url_lifetime_in_seconds", "whole number"},
		{"return buffer string", `{"bucket":"bbb","key":"k","should_return_buffer":"yes"}`, "storage.should_return_buffer", "true or false"},
		{"unknown field", `{"bucket":"bbb","key":"k","region":"eu"}`, "storage.region", "is not a known field"},
		{"credentials refused", `{"bucket":"bbb","key":"k","secret_access_key":"x"}`, "storage.secret_access_key", "is not a known field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(withStorage(tc.storage)), DefaultLimits())
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, failure.Invalid, fe.Kind)
			var found bool
			for _, d := range fe.Details {
				if d.Path == tc.path && strings.Contains(d.Message, tc.msg) {
					found = true
				}
			}
			require.True(t, found, "want %s: …%s… in %+v", tc.path, tc.msg, fe.Details)
		})
	}
}
