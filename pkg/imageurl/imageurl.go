// Package imageurl signs and verifies the template image URLs of
// docs/TEMPLATES.md: GET /image-generation/v1/templates/{id}/image.{ext}
// with the modifications in the query and an HMAC-SHA256 signature.
//
// Threat model: the URL is public (it sits in HTML and CDN logs), so it
// carries no secret, and anyone may alter it. The signature covers the
// method, the path and every byte of the query before "&sig=", exactly as
// sent: reordering, re-encoding, adding or dropping a parameter changes
// the signed bytes, so no two readings of one signature exist. The key is
// the API key itself (the URL names it by its non-secret id); an unknown
// key id and a wrong signature get the same answer, so a forger learns
// nothing from it. Expiry is checked after the signature. Comparison is
// constant-time (crypto/hmac).
package imageurl

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/template"
)

// Formats maps an image file extension to its output_format.
var Formats = map[string]string{"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp", "avif": "avif", "pdf": "pdf"}

// Path is the path of a template's image. A signed URL answers HEAD
// with the same signature as GET (HEAD is a GET without the body, RFC
// 9110 §9.3.2), so the signed string always says GET.
func Path(templateID, ext string) string {
	return "/image-generation/v1/templates/" + templateID + "/image." + ext
}

// Signature returns the sig parameter for a GET of path with rawQuery
// (everything before "&sig="): base64url without padding of
// HMAC-SHA256(apiKey, "GET\n" + path + "\n" + rawQuery).
func Signature(apiKey, path, rawQuery string) string {
	m := hmac.New(sha256.New, []byte(apiKey))
	m.Write([]byte("GET\n" + path + "\n" + rawQuery))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Options are what a signed URL pins besides its modifications.
type Options struct {
	// Version pins a template version; 0 follows the latest.
	Version int
	// Expires, when not zero, ends the URL's validity.
	Expires time.Time
}

// Sign returns the signed path and query for assignments of the form
// name.field=value (values as a person writes them: strings plain,
// numbers and booleans bare, objects as JSON).
func Sign(apiKey, templateID, ext string, o Options, assignments []string) (string, error) {
	if err := template.CheckID(templateID); err != nil {
		return "", err
	}
	if _, ok := Formats[ext]; !ok {
		return "", fmt.Errorf("format %q: use png, jpeg, webp or avif", ext)
	}
	q := "key=" + core.KeyID(apiKey)
	if o.Version > 0 {
		q += "&v=" + strconv.Itoa(o.Version)
	}
	if !o.Expires.IsZero() {
		q += "&exp=" + strconv.FormatInt(o.Expires.Unix(), 10)
	}
	for _, a := range assignments {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !strings.Contains(k, ".") {
			return "", fmt.Errorf("%q: write modifications as name.field=value", a)
		}
		q += "&" + url.QueryEscape(k) + "=" + url.QueryEscape(v)
	}
	p := Path(templateID, ext)
	return p + "?" + q + "&sig=" + Signature(apiKey, p, q), nil
}

// Signed is a verified URL.
type Signed struct {
	// Query is the signed query as received (everything before "&sig=").
	Query         string
	KeyID         string
	Version       int
	Expires       time.Time
	Modifications []template.Modification
}

// Keys finds the API key of a key id; ok is false for an unknown id.
type Keys func(keyID string) (apiKey string, ok bool)

// MaxQueryBytes bounds a signed URL's query.
const MaxQueryBytes = 16 << 10

var errMismatch = failure.New(failure.Forbidden, "The signature does not match this URL; sign the exact path and query (strata sign-url, docs/TEMPLATES.md).")

// Verify checks a signed URL (path and raw query as received) and
// returns what it asks for. Unsigned: 401; bad signature, unknown key or
// expired: 403; signed but malformed: 400.
func Verify(path, rawQuery string, keys Keys, now time.Time) (*Signed, error) {
	if len(rawQuery) > MaxQueryBytes {
		return nil, failure.New(failure.TooLarge, "The query is over %d bytes.", MaxQueryBytes)
	}
	i := strings.LastIndex(rawQuery, "sig=")
	if i < 0 || (i > 0 && rawQuery[i-1] != '&') {
		return nil, failure.New(failure.Unauthorized, "This URL is not signed: it needs a sig parameter, last (strata sign-url, docs/TEMPLATES.md).")
	}
	signed, sig := strings.TrimSuffix(rawQuery[:i], "&"), rawQuery[i+len("sig="):]
	keyID := ""
	for _, p := range strings.Split(signed, "&") {
		if v, ok := strings.CutPrefix(p, "key="); ok {
			keyID = v
			break
		}
	}
	apiKey, known := keys(keyID)
	want := Signature(apiKey, path, signed)
	if !hmac.Equal([]byte(sig), []byte(want)) || !known {
		return nil, errMismatch
	}
	out := &Signed{Query: signed, KeyID: keyID}
	byName := map[string]int{}
	seen := map[string]bool{}
	for _, p := range strings.Split(signed, "&") {
		rk, rv, _ := strings.Cut(p, "=")
		k, err1 := url.QueryUnescape(rk)
		v, err2 := url.QueryUnescape(rv)
		if err1 != nil || err2 != nil {
			return nil, badQuery(rk, "is not valid percent-encoding")
		}
		if seen[k] {
			return nil, badQuery(k, "appears twice; send each parameter once")
		}
		seen[k] = true
		switch k {
		case "key":
		case "v":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, badQuery(k, "must be a version number, 1 or more")
			}
			out.Version = n
		case "exp":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, badQuery(k, "must be a Unix time in seconds")
			}
			out.Expires = time.Unix(n, 0)
		default:
			dot := strings.LastIndexByte(k, '.')
			if dot <= 0 || dot == len(k)-1 {
				return nil, badQuery(k, "is not a modification: write name.field=value")
			}
			name, field := k[:dot], k[dot+1:]
			path := queryPath(k)
			mi, ok := byName[name]
			if !ok {
				mi = len(out.Modifications)
				byName[name] = mi
				out.Modifications = append(out.Modifications, template.Modification{Path: path, NamePath: path, Name: name})
			}
			out.Modifications[mi].Fields = append(out.Modifications[mi].Fields, template.Field{Name: field, Value: value(field, v), Path: path})
		}
	}
	if !out.Expires.IsZero() && !now.Before(out.Expires) {
		return nil, failure.New(failure.Forbidden, "This URL has expired; sign a new one.")
	}
	return out, nil
}

// value reads a query value as the field's JSON type; a value that does
// not parse stays a string, so validation names the expected type.
func value(field, v string) any {
	if k, ok := template.FieldKind(field); !ok || k == template.String {
		return v
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil || dec.More() {
		return v
	}
	return x
}

func queryPath(k string) string {
	b, _ := json.Marshal(k)
	return "query[" + string(b) + "]"
}

func badQuery(k, msg string) error {
	return &failure.Error{Kind: failure.Invalid, Message: queryPath(k) + " " + msg + ".",
		Details: []failure.Detail{{Path: queryPath(k), Message: msg}}}
}
