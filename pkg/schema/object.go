package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/strata-render/strata/pkg/failure"
)

// decoder walks a generic JSON tree, collecting every problem with its path.
type decoder struct {
	limits     Limits
	problems   []failure.Detail
	tooLarge   []failure.Detail
	layerCount int
}

func (d *decoder) fail(path, format string, args ...any) {
	d.problems = append(d.problems, failure.Detail{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) failTooLarge(path, format string, args ...any) {
	d.tooLarge = append(d.tooLarge, failure.Detail{Path: path, Message: fmt.Sprintf(format, args...)})
}

// object is one JSON object being read; it remembers which keys were used
// so that unknown keys can be reported.
type object struct {
	d    *decoder
	path string
	m    map[string]any
	// used lists the keys read. A list, not a set: an object has a handful
	// of keys, and hashing each one again cost more than scanning them.
	used []string
}

// object returns v as an object, or nil (with a problem) if it is not one.
func (d *decoder) object(path string, v any) *object {
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(path, "must be an object, not %s", jsonKind(v))
		return nil
	}
	return &object{d: d, path: path, m: m, used: make([]string, 0, len(m))}
}

func (o *object) at(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// get returns the value of key and marks it used. A JSON null counts as absent.
func (o *object) get(key string) (any, bool) {
	v, ok := o.m[key]
	if !ok {
		return nil, false
	}
	o.use(key)
	if v == nil {
		return nil, false
	}
	return v, true
}

// has reports whether key is present and not null, without marking it used.
func (o *object) has(key string) bool {
	v, ok := o.m[key]
	return ok && v != nil
}

// spelling picks the one spelling of a field the client used: the
// reference page's (short) or its SDKs' (long). Both at once is a problem.
func (o *object) spelling(short, long string) string {
	if o.has(short) && o.has(long) {
		o.d.fail(o.at(long), "send either %q or %q, not both", short, long)
		o.use(short)
	}
	if o.has(short) {
		return short
	}
	return long
}

// use marks keys as read.
func (o *object) use(keys ...string) { o.used = append(o.used, keys...) }

// finish reports every key that was not read.
func (o *object) finish() {
	read := func(k string) bool { return slices.Contains(o.used, k) }
	if len(o.used) > 16 { // many keys (headers): a set keeps this linear
		set := make(map[string]bool, len(o.used))
		for _, k := range o.used {
			set[k] = true
		}
		read = func(k string) bool { return set[k] }
	}
	var unknown []string
	for k := range o.m {
		if !read(k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		o.d.fail(o.at(k), "unknown field %q", k)
	}
}

func (o *object) missing(key string) {
	o.d.fail(o.at(key), "is required")
}

func (o *object) str(key string, required bool) (string, bool) {
	v, ok := o.get(key)
	if !ok {
		if required {
			o.missing(key)
		}
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		o.d.fail(o.at(key), "must be a string, not %s", jsonKind(v))
		return "", false
	}
	return s, true
}

func (o *object) boolean(key string, def bool) bool {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	b, isBool := v.(bool)
	if !isBool {
		o.d.fail(o.at(key), "must be true or false, not %s", jsonKind(v))
		return def
	}
	return b
}

// num reads a finite number within [lo, hi].
func (o *object) num(key string, required bool, lo, hi float64) (float64, bool) {
	v, ok := o.get(key)
	if !ok {
		if required {
			o.missing(key)
		}
		return 0, false
	}
	return o.d.number(o.at(key), v, lo, hi)
}

func (d *decoder) number(path string, v any, lo, hi float64) (float64, bool) {
	n, isNum := v.(json.Number)
	if !isNum {
		d.fail(path, "must be a number, not %s", jsonKind(v))
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		d.fail(path, "must be a finite number")
		return 0, false
	}
	if f < lo || f > hi {
		d.fail(path, "must be between %s and %s (got %s)", fmtNum(lo), fmtNum(hi), n)
		return 0, false
	}
	return f, true
}

// integer reads a whole number within [lo, hi].
func (o *object) integer(key string, required bool, lo, hi int) (int, bool) {
	f, ok := o.num(key, required, math.Inf(-1), math.Inf(1))
	if !ok {
		return 0, false
	}
	return o.d.whole(o.at(key), f, lo, hi)
}

func (d *decoder) whole(path string, f float64, lo, hi int) (int, bool) {
	if f != math.Trunc(f) {
		d.fail(path, "must be a whole number (got %s)", fmtNum(f))
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		d.fail(path, "must be between %d and %d (got %s)", lo, hi, fmtNum(f))
		return 0, false
	}
	return int(f), true
}

func (o *object) color(key string, required bool) (color.NRGBA, bool) {
	s, ok := o.str(key, required)
	if !ok {
		return color.NRGBA{}, false
	}
	c, err := ParseColor(s)
	if err != nil {
		o.d.fail(o.at(key), "%v (got %q)", err, truncate(s, 20))
		return color.NRGBA{}, false
	}
	return c, true
}

// enum reads one of the allowed strings (matched exactly), or def.
func (o *object) enum(key string, def string, allowed ...string) string {
	s, ok := o.str(key, false)
	if !ok {
		return def
	}
	if !slices.Contains(allowed, s) {
		o.d.fail(o.at(key), "must be one of %s (got %q)", strings.Join(allowed, ", "), truncate(s, 30))
		return def
	}
	return s
}

func (o *object) array(key string, required bool) ([]any, bool) {
	v, ok := o.get(key)
	if !ok {
		if required {
			o.missing(key)
		}
		return nil, false
	}
	a, isArr := v.([]any)
	if !isArr {
		o.d.fail(o.at(key), "must be an array, not %s", jsonKind(v))
		return nil, false
	}
	return a, true
}

// base64 decodes standard or URL-safe base64 (padding optional, a data:
// URL prefix allowed) and enforces a size limit.
func (d *decoder) base64(path, s string, max int64) []byte {
	if i := strings.Index(s, ";base64,"); strings.HasPrefix(s, "data:") && i >= 0 {
		s = s[i+len(";base64,"):]
	}
	s = strings.TrimRight(s, "=")
	if int64(base64.RawStdEncoding.DecodedLen(len(s))) > max {
		d.failTooLarge(path, "decodes to more than %s, the limit", fmtBytes(max))
		return nil
	}
	enc := base64.RawStdEncoding
	if strings.IndexByte(s, '-') >= 0 || strings.IndexByte(s, '_') >= 0 {
		enc = base64.RawURLEncoding
	}
	// The decoder skips \r and \n itself; spaces and tabs (rare: wrapped
	// and indented base64) are dropped first. IndexByte is vectorised, so
	// the common case costs a fraction of a pass over megabytes of image.
	if strings.IndexByte(s, ' ') >= 0 || strings.IndexByte(s, '\t') >= 0 {
		s = strings.Map(dropSpace, s)
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		d.fail(path, "is not valid base64")
		return nil
	}
	if len(b) == 0 {
		d.fail(path, "must not be empty")
		return nil
	}
	return b
}

func dropSpace(r rune) rune {
	if r == ' ' || r == '\t' {
		return -1
	}
	return r
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unknown value"
}

func fmtNum(f float64) string {
	if math.IsInf(f, 0) {
		return "infinity"
	}
	return fmt.Sprintf("%g", f)
}

func fmtBytes(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
