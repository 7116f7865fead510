package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/strata-render/strata/pkg/schema"
)

// Config is the operator's storage file (STRATA_STORAGE_FILE): JSON of
// the form
//
//	{"destinations": [{
//	  "api_keys": ["<an API key of STRATA_API_KEYS>", …],
//	  "endpoint": "https://s3.eu-central-1.amazonaws.com",
//	  "region": "eu-central-1",
//	  "access_key_id": "…", "secret_access_key": "…",
//	  "buckets": ["renders", …],
//	  "path_style": false,
//	  "public_endpoint": "https://cdn.example.com"
//	}]}
//
// Each destination grants its API keys its buckets, written with its
// credentials. public_endpoint (optional) is the host presigned URLs name,
// when clients reach the store under another address than the servers do.
type Config struct {
	Destinations []Destination `json:"destinations"`
}

// Destination is one storage account and the API keys that may use it.
type Destination struct {
	APIKeys         []string `json:"api_keys"`
	Endpoint        string   `json:"endpoint"`
	PublicEndpoint  string   `json:"public_endpoint"`
	Region          string   `json:"region"`
	AccessKeyID     string   `json:"access_key_id"`
	SecretAccessKey string   `json:"secret_access_key"`
	Buckets         []string `json:"buckets"`
	PathStyle       bool     `json:"path_style"`
}

// LoadFile reads and checks a storage file. Its errors name the file and
// the field, never a secret.
func LoadFile(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes and checks a storage file's JSON; unknown fields are
// refused so that a misspelt setting is not silently ignored.
func Parse(b []byte) (*Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("not a storage file: %w", err)
	}
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("destinations[%d]."+format, append([]any{i}, args...)...))
	}
	if len(cfg.Destinations) == 0 {
		errs = append(errs, errors.New("destinations: must list at least one destination"))
	}
	owner := map[[2]string]int{} // (api key, bucket) → destination
	for i, d := range cfg.Destinations {
		for _, field := range [][2]string{{"endpoint", d.Endpoint}, {"public_endpoint", d.PublicEndpoint}} {
			if field[1] == "" && field[0] == "public_endpoint" {
				continue
			}
			u, err := url.Parse(field[1])
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil || u.RawQuery != "" {
				bad(i, "%s: must be an http(s) URL of a host, such as https://s3.amazonaws.com (no path, query or user)", field[0])
			}
		}
		if d.Region == "" {
			bad(i, "region: is required (us-east-1 for most S3-compatible servers)")
		}
		if d.AccessKeyID == "" || d.SecretAccessKey == "" {
			bad(i, "access_key_id and secret_access_key: are both required")
		}
		if len(d.APIKeys) == 0 {
			bad(i, "api_keys: must list at least one API key")
		}
		if len(d.Buckets) == 0 {
			bad(i, "buckets: must list at least one bucket")
		}
		for j, b := range d.Buckets {
			if msg := schema.BucketNameProblem(b); msg != "" {
				bad(i, "buckets[%d]: %s", j, msg)
			}
			for k, key := range d.APIKeys {
				if prev, dup := owner[[2]string{key, b}]; dup && prev != i {
					bad(i, "api_keys[%d]: is also given bucket %q by destinations[%d]; a key's bucket must have one destination", k, b, prev)
				}
				owner[[2]string{key, b}] = i
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &cfg, nil
}
