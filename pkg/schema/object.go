package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/strata-render/strata/pkg/failure"
)

// decoder walks a generic JSON tree, collecting every problem with its path.
type decoder struct {
	limits   Limits
	problems []failure.Detail
	tooLarge []failure.Detail
	// dropped counts problems found after keptProblems were collected.
	dropped    int
	layerCount int
	// absent lists the keys readers asked for that their object did not
	// hold: with the keys each object did hold, they are the fields valid
	// at that place, from which an unknown field's suggestion is drawn.
	// One list for the whole request, not one per object: the objects
	// that end up needing it are rare, and growing a shared slice costs a
	// few allocations per request instead of one per object.
	absent []absentKey
	// names maps each layer name seen to its layer's path.
	names map[string]string
}

// absentKey is a key asked of an object that did not hold it.
type absentKey struct {
	o   *object
	key string
}

// keptProblems bounds the problems kept while decoding, and shownProblems
// the details an error lists: a body of thousands of bad keys gets a
// short answer, not one detail per key.
const (
	keptProblems  = 1000
	shownProblems = 100
)

func (d *decoder) fail(path, format string, args ...any) {
	if len(d.problems) >= keptProblems {
		d.dropped++
		return
	}
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
	// kind names what the object is once its discriminator is known
	// ("a text layer", "a url file"), for unknown-field messages.
	kind string
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

// at is the path of o's member key, for the field names readers ask for
// (which never need brackets); names that come from the client (unknown
// keys, header names) go through memberPath.
func (o *object) at(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// maxShownName is the most bytes of a client-given name (an unknown key, a
// header name) an error echoes: a 30 MB unknown key was echoed in a 63 MB
// 400.
const maxShownName = 64

// shownName is name cut to maxShownName bytes at a rune boundary, marked
// with "…" when cut.
func shownName(name string) string {
	if len(name) <= maxShownName {
		return name
	}
	cut := maxShownName
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…"
}

// memberPath is the path of the member key of the object at path:
// path.key, or just key at the top. A name that would make the path
// ambiguous or invisible (empty, or holding . [ ] or ") is written in
// brackets as a JSON string instead: headers["X.Y"], [""]. Field names
// never need it; header names and unknown keys may.
func memberPath(path, key string) string {
	key = shownName(key)
	if key == "" || strings.ContainsAny(key, `.[]"`) {
		q, _ := jsontext.AppendQuote(nil, key)
		return path + "[" + string(q) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// get returns the value of key and marks it used. A JSON null counts as absent.
func (o *object) get(key string) (any, bool) {
	v, ok := o.m[key]
	if !ok {
		o.d.absent = append(o.d.absent, absentKey{o, key})
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

// otherSpelling maps each field that has two spellings, the reference
// page's short one and its SDKs' long one, to the other spelling.
var otherSpelling = map[string]string{
	"x": "x_in_px", "y": "y_in_px", "width": "width_in_px", "height": "height_in_px",
	"x_in_px": "x", "y_in_px": "y", "width_in_px": "width", "height_in_px": "height",
}

// isShortSpelling reports whether key is the short spelling of a field
// that has two.
func isShortSpelling(key string) bool {
	long, ok := otherSpelling[key]
	return ok && len(long) > len(key)
}

// spelling picks the one spelling of a field the client used: the
// reference page's (short) or its SDKs' (long). Both at once is one
// problem, on the long one's path. When neither is present it picks the
// spelling the object already uses for its other fields (short if any
// short one is present), so that "is required" names a key the client
// would write. Both keys count as read (a null one too).
func (o *object) spelling(short, long string) string {
	vShort, inShort := o.m[short]
	vLong, inLong := o.m[long]
	hasShort, hasLong := vShort != nil, vLong != nil
	// The key returned is read by the caller; the other is marked here.
	switch {
	case !inShort:
		o.d.absent = append(o.d.absent, absentKey{o, short})
	case !hasShort:
		o.use(short)
	}
	switch {
	case !inLong:
		o.d.absent = append(o.d.absent, absentKey{o, long})
	case !hasLong || hasShort:
		o.use(long)
	}
	switch {
	case hasShort && hasLong:
		o.d.fail(o.at(long), "repeats %s: send either %q or %q, not both", short, short, long)
		return short
	case hasShort:
		return short
	case hasLong:
		return long
	case o.style() == "long":
		return long
	}
	return short
}

// style says which spelling of the two-spelling fields o uses: "short"
// if any short key is present, else "long" if any long key is, else "".
func (o *object) style() string {
	style := ""
	for k, v := range o.m {
		if _, ok := otherSpelling[k]; !ok || v == nil {
			continue
		}
		if isShortSpelling(k) {
			return "short"
		}
		style = "long"
	}
	return style
}

// use marks keys as read.
func (o *object) use(keys ...string) { o.used = append(o.used, keys...) }

// known marks keys as fields valid in o: read if present, and candidates
// for an unknown field's suggestion if not. Readers call it for fields
// they check with has and read only in some branches.
func (o *object) known(keys ...string) {
	for _, k := range keys {
		if _, ok := o.m[k]; ok {
			o.used = append(o.used, k)
		} else {
			o.d.absent = append(o.d.absent, absentKey{o, k})
		}
	}
}

// finish reports every key that was not read, with the closest known
// field as a suggestion when there is one.
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
		msg := "is not a known field"
		if o.kind != "" {
			msg += " of " + o.kind
		}
		if s := o.closest(k); s != "" {
			msg += "; did you mean " + s + "?"
		}
		o.d.fail(memberPath(o.path, k), "%s", msg)
	}
}

// closest returns the known field of o nearest to the unknown key k, or ""
// when none is near enough to be the one meant: at most 2 edits
// (insertions, deletions, substitutions, swaps of neighbours; letter case
// ignored) and at most half of k's length, so that short keys such as
// "z" are not matched to "x". The known fields are the keys the readers
// asked for, present or not, minus those already present: suggesting a
// field the object holds would not help. Ties go to the alphabetically
// first field.
func (o *object) closest(k string) string {
	limit := min(2, len(k)/2)
	best, bestDist := "", limit+1
	consider := func(c string) {
		if _, present := o.m[c]; present || c == k {
			return
		}
		if dist := editDistance(strings.ToLower(k), strings.ToLower(c), limit); dist < bestDist || (dist == bestDist && c < best) {
			best, bestDist = c, dist
		}
	}
	for _, c := range o.used {
		consider(c)
	}
	for _, a := range o.d.absent {
		if a.o == o {
			consider(a.key)
		}
	}
	if bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b
// (Levenshtein plus swaps of neighbouring bytes), or limit+1 when it is
// more than limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	// Three rows: the one before last (for swaps), the last and this one.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}

// missing reports a required key as absent. For a field with two
// spellings in an object that uses neither yet, it names both.
func (o *object) missing(key string) {
	if other, ok := otherSpelling[key]; ok && o.style() == "" {
		short, long := key, other
		if !isShortSpelling(key) {
			short, long = other, key
		}
		o.d.fail(o.at(key), "is required (send %q or %q)", short, long)
		return
	}
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

// strMax is str for a field of at most max bytes; a longer value is a
// problem (and is returned, so the caller's other checks still run).
func (o *object) strMax(key string, required bool, max int) (string, bool) {
	s, ok := o.str(key, required)
	if ok && len(s) > max {
		o.d.fail(o.at(key), "is %d bytes; at most %d are allowed", len(s), max)
	}
	return s, ok
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

// bounds is the range a number must lie in: lo to hi inclusive, or above
// lo (exclusive) when aboveLo is set. Infinite ends leave that side open.
type bounds struct {
	lo, hi  float64
	aboveLo bool
}

// between returns the closed range lo to hi.
func between(lo, hi float64) bounds { return bounds{lo: lo, hi: hi} }

func (b bounds) contains(f float64) bool {
	if b.aboveLo {
		return f > b.lo && f <= b.hi
	}
	return f >= b.lo && f <= b.hi
}

// String states the range as a message's predicate, with numbers as
// people write them: "between 0 and 100", "greater than 0 and at most
// 2000".
func (b bounds) String() string {
	switch {
	case b.aboveLo && math.IsInf(b.hi, 1):
		return "greater than " + fmtNum(b.lo)
	case b.aboveLo:
		return "greater than " + fmtNum(b.lo) + " and at most " + fmtNum(b.hi)
	case math.IsInf(b.lo, -1):
		return "at most " + fmtNum(b.hi)
	case math.IsInf(b.hi, 1):
		return "at least " + fmtNum(b.lo)
	}
	return "between " + fmtNum(b.lo) + " and " + fmtNum(b.hi)
}

// num reads a finite number within [lo, hi].
func (o *object) num(key string, required bool, lo, hi float64) (float64, bool) {
	return o.numIn(key, required, between(lo, hi))
}

// numIn reads a finite number within b.
func (o *object) numIn(key string, required bool, b bounds) (float64, bool) {
	f, _, ok := o.numRaw(key, required, b)
	return f, ok
}

// numRaw is numIn that also returns the JSON value read.
func (o *object) numRaw(key string, required bool, b bounds) (float64, any, bool) {
	v, ok := o.get(key)
	if !ok {
		if required {
			o.missing(key)
		}
		return 0, nil, false
	}
	f, ok := o.d.number(o.at(key), v, b)
	return f, v, ok
}

func (d *decoder) number(path string, v any, b bounds) (float64, bool) {
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
	if !b.contains(f) {
		d.fail(path, "must be %s (got %s)", b, gotNum(v))
		return 0, false
	}
	return f, true
}

// integer reads a whole number within [lo, hi].
func (o *object) integer(key string, required bool, lo, hi int) (int, bool) {
	f, v, ok := o.numRaw(key, required, between(math.Inf(-1), math.Inf(1)))
	if !ok {
		return 0, false
	}
	return o.d.whole(o.at(key), v, f, between(float64(lo), float64(hi)))
}

// whole checks that f, read from the JSON number v, is a whole number
// within b.
func (d *decoder) whole(path string, v any, f float64, b bounds) (int, bool) {
	if f != math.Trunc(f) {
		d.fail(path, "must be a whole number (got %s)", gotNum(v))
		return 0, false
	}
	if !b.contains(f) {
		d.fail(path, "must be %s (got %s)", b, gotNum(v))
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
		if _, bare := ParseColor("#" + s); bare == nil {
			// The reference documents only "#FF5500"; say the fix.
			o.d.fail(o.at(key), "%v (got %q); did you mean %q?", err, truncate(s, 20), "#"+s)
			return color.NRGBA{}, false
		}
		o.d.fail(o.at(key), "%v (got %q)", err, truncate(s, 20))
		return color.NRGBA{}, false
	}
	return c, true
}

// enum reads one of the allowed strings, or def. Letter case is ignored
// ("Italic", "PNG", "EAN13" are accepted; the reference's SDKs and
// recipes pass user-typed values through) and the canonical spelling from
// allowed is returned.
func (o *object) enum(key string, def string, allowed ...string) string {
	s, _ := o.choice(key, def, allowed...)
	return s
}

// choice is enum that also reports whether the value is usable: false
// when key is present but not one of allowed (a problem was recorded).
func (o *object) choice(key string, def string, allowed ...string) (string, bool) {
	v, ok := o.get(key)
	if !ok {
		return def, true
	}
	s, isStr := v.(string)
	if !isStr {
		o.d.fail(o.at(key), "must be a string, not %s", jsonKind(v))
		return def, false
	}
	for _, a := range allowed {
		if strings.EqualFold(a, s) {
			return a, true
		}
	}
	o.d.fail(o.at(key), "must be one of %s (got %q)", strings.Join(allowed, ", "), truncate(s, 30))
	return def, false
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
		d.failTooLarge(path, "decodes to more than %s, the limit", FormatBytes(max))
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

// fmtNum formats a bound or a computed number for a message as people
// write numbers, and as JSON would accept them: plain decimal digits, no
// exponent and no thousands separator (1000000, 0.5).
func fmtNum(f float64) string {
	if math.IsInf(f, 0) {
		return "infinity"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// gotNum is the number the client sent, as they wrote it (shortened past
// 30 characters), for the "(got …)" of a message.
func gotNum(v any) string {
	n, _ := v.(json.Number)
	return truncate(string(n), 30)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
