package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const okDest = `"api_keys":["k"],"endpoint":"https://s3.example.com","region":"us-east-1","access_key_id":"AK","secret_access_key":"SECRETSECRET","buckets":["renders"]`

func TestParseConfig(t *testing.T) {
	t.Parallel()
	cfg, err := Parse([]byte(`{"destinations":[{` + okDest + `,"path_style":true,"public_endpoint":"https://cdn.example.com/"}]}`))
	require.NoError(t, err)
	require.Equal(t, Destination{APIKeys: []string{"k"}, Endpoint: "https://s3.example.com", PublicEndpoint: "https://cdn.example.com/",
		Region: "us-east-1", AccessKeyID: "AK", SecretAccessKey: "SECRETSECRET", Buckets: []string{"renders"}, PathStyle: true}, cfg.Destinations[0])

	dir := t.TempDir()
	path := filepath.Join(dir, "storage.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"destinations":[{`+okDest+`}]}`), 0o600))
	_, err = LoadFile(path)
	require.NoError(t, err)
	_, err = LoadFile(filepath.Join(dir, "missing.json"))
	require.Error(t, err)
}

func TestParseConfigRejects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, json, msg string }{
		{"not JSON", `{`, "not a storage file"},
		{"unknown field", `{"destinations":[{` + okDest + `,"secret":"x"}]}`, `unknown field "secret"`},
		{"no destinations", `{"destinations":[]}`, "at least one destination"},
		{"endpoint with path", `{"destinations":[{` + strings.Replace(okDest, "s3.example.com", "s3.example.com/bucket", 1) + `}]}`, "destinations[0].endpoint: must be an http(s) URL"},
		{"endpoint ftp", `{"destinations":[{` + strings.Replace(okDest, "https://", "ftp://", 1) + `}]}`, "destinations[0].endpoint"},
		{"public endpoint bad", `{"destinations":[{` + okDest + `,"public_endpoint":"cdn"}]}`, "destinations[0].public_endpoint"},
		{"no region", `{"destinations":[{` + strings.Replace(okDest, `"us-east-1"`, `""`, 1) + `}]}`, "region: is required"},
		{"no secret", `{"destinations":[{` + strings.Replace(okDest, `"SECRETSECRET"`, `""`, 1) + `}]}`, "secret_access_key: are both required"},
		{"no keys", `{"destinations":[{` + strings.Replace(okDest, `["k"]`, `[]`, 1) + `}]}`, "api_keys: must list"},
		{"no buckets", `{"destinations":[{` + strings.Replace(okDest, `["renders"]`, `[]`, 1) + `}]}`, "buckets: must list"},
		{"bad bucket", `{"destinations":[{` + strings.Replace(okDest, `["renders"]`, `["Renders"]`, 1) + `}]}`, "buckets[0]: may hold only lower-case"},
		{"bucket twice for a key", `{"destinations":[{` + okDest + `},{` + okDest + `}]}`, "destinations[1].api_keys[0]: is also given bucket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.json))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.msg)
			require.NotContains(t, err.Error(), "SECRETSECRET")
		})
	}
}
