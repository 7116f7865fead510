package schema

import (
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Storage is the request's object storage destination (our extension,
// the top-level "storage" object): the result is put in an
// S3-compatible bucket that the server has credentials for, and the
// response carries a presigned GET URL instead of (or besides) the base64
// image. The credentials are never in the request: the server maps each
// API key to the buckets it may write (pkg/storage).
type Storage struct {
	// Bucket is the bucket's name.
	Bucket string
	// KeyTemplate is the object key with {job_id}, {sha256} and {ext}
	// placeholders (Key expands it).
	KeyTemplate string
	// ACL is a canned ACL ("" sends none: the bucket's default).
	ACL string
	// CacheControl and ContentType are the object's headers; an empty
	// ContentType means the result's own media type.
	CacheControl, ContentType string
	// URLLifetime is how long the presigned GET URL stays valid.
	URLLifetime time.Duration
	// ReturnBuffer keeps the base64 image in the response and webhook
	// beside the URL (should_return_buffer).
	ReturnBuffer bool
}

// Key placeholders and their longest expansions: a job id is
// "job_" + 32 hex digits, a SHA-256 64 hex digits, an extension at most 4
// letters.
var keyPlaceholders = map[string]int{"{job_id}": 36, "{sha256}": 64, "{ext}": 4}

// Key expands the key template.
func (s *Storage) Key(jobID, sha256, ext string) string {
	return strings.NewReplacer("{job_id}", jobID, "{sha256}", sha256, "{ext}", ext).Replace(s.KeyTemplate)
}

// DefaultURLLifetime is the presigned URL lifetime when the request names
// none; MaxURLLifetime is the longest S3's signature version 4 allows.
const (
	DefaultURLLifetime = time.Hour
	MaxURLLifetime     = 7 * 24 * time.Hour
)

// CannedACLs are the ACLs a request may ask for (S3's canned ACLs).
var CannedACLs = []string{"private", "public-read", "public-read-write", "authenticated-read",
	"aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"}

func (d *decoder) storage(path string, v any) *Storage {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	s := &Storage{URLLifetime: DefaultURLLifetime}
	if b, ok := o.str("bucket", true); ok {
		if msg := BucketNameProblem(b); msg != "" {
			d.fail(o.at("bucket"), "%s (got %q)", msg, truncate(b, 70))
		}
		s.Bucket = b
	}
	if k, ok := o.str("key", true); ok {
		if msg := keyProblem(k); msg != "" {
			d.fail(o.at("key"), "%s", msg)
		}
		s.KeyTemplate = k
	}
	s.ACL = o.enum("acl", "", CannedACLs...)
	if cc, ok := o.str("cache_control", false); ok {
		if cc == "" || len(cc) > 256 || strings.IndexFunc(cc, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
			d.fail(o.at("cache_control"), "must be 1 to 256 printable ASCII characters, such as \"public, max-age=31536000\"")
		}
		s.CacheControl = cc
	}
	if ct, ok := o.str("content_type", false); ok {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !strings.Contains(mt, "/") || len(ct) > 128 || strings.ContainsAny(ct, "\r\n") {
			d.fail(o.at("content_type"), "must be a media type such as \"image/png\" (got %q)", truncate(ct, 40))
		}
		s.ContentType = ct
	}
	if n, ok := o.integer("presigned_url_lifetime_in_seconds", false, 1, int(MaxURLLifetime/time.Second)); ok {
		s.URLLifetime = time.Duration(n) * time.Second
	}
	s.ReturnBuffer = o.boolean("should_return_buffer", false)
	o.finish()
	return s
}

// BucketNameProblem says how b breaks S3's bucket naming rules, or returns "".
func BucketNameProblem(b string) string {
	if len(b) < 3 || len(b) > 63 {
		return "must be 3 to 63 characters long"
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "may hold only lower-case letters, digits, dots and hyphens"
		}
	}
	first, last := b[0], b[len(b)-1]
	if first == '-' || first == '.' || last == '-' || last == '.' {
		return "must begin and end with a letter or digit"
	}
	if strings.Contains(b, "..") {
		return "must not hold two dots in a row"
	}
	return ""
}

// keyProblem checks a key template, or returns "".
func keyProblem(k string) string {
	longest := len(k)
	rest := k
	for {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			break
		}
		rest = rest[i:]
		j := strings.IndexByte(rest, '}')
		if rest[0] == '}' || j < 0 {
			return "has an unmatched brace; placeholders are {job_id}, {sha256} and {ext}"
		}
		name := rest[:j+1]
		n, ok := keyPlaceholders[name]
		if !ok {
			return "has an unknown placeholder " + truncate(name, 30) + "; the placeholders are {job_id}, {sha256} and {ext}"
		}
		longest += n - len(name)
		rest = rest[j+1:]
	}
	switch {
	case k == "":
		return "must not be empty"
	case !utf8.ValidString(k):
		return "must be valid UTF-8"
	case strings.HasPrefix(k, "/"):
		return "must not begin with a slash (the key is relative to the bucket)"
	case strings.IndexFunc(k, unicode.IsControl) >= 0:
		return "must not hold control characters"
	case longest > 1024:
		return "may expand to more than 1024 bytes, S3's limit for a key"
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "." || seg == ".." || seg == "" {
			return "must not have empty, \".\" or \"..\" segments between slashes"
		}
	}
	return ""
}
