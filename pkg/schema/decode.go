package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/strata-render/strata/pkg/failure"
)

// Decode parses and validates a request body. It returns a *failure.Error
// of kind Invalid (400) listing every problem with its JSON path, or of kind
// TooLarge (413) when a decoded file or font is over its limit.
func Decode(body []byte, limits Limits) (*Request, error) {
	if !utf8.Valid(body) {
		// encoding/json would silently turn invalid bytes into U+FFFD.
		return nil, failure.New(failure.Invalid, "The body is not valid UTF-8 (at byte %d); JSON must be UTF-8.", invalidUTF8At(body))
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	d := &decoder{limits: limits, absent: make([]absentKey, 0, 64)}
	root, err := d.readValue(dec)
	if err != nil {
		return nil, syntaxError(body, err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, failure.New(failure.Invalid, "The body must hold exactly one JSON object; there is more after it.")
	}
	req := d.request(root)
	if err := d.err(); err != nil {
		return nil, err
	}
	return req, nil
}

// readValue reads the next JSON value as encoding/json would decode it
// into an any with UseNumber: objects as map[string]any, arrays as []any,
// numbers as json.Number (their text, so the validators can tell 1e999
// from a finite number and name the field), strings, booleans and nil.
// The tokens come from the JSON v2 implementation (go-json-experiment),
// which scans megabytes of base64 about five times faster than
// encoding/json's decoder and small bodies about twice as fast
// (docs/PERFORMANCE.md). A lone surrogate escape becomes U+FFFD, as in
// encoding/json and JavaScript's JSON.parse (raw invalid UTF-8 is refused
// before parsing). A name that appears twice in one object is a problem
// at its path, where encoding/json and JSON.parse would silently keep the
// last value: the client meant one of the two, and we can't tell which.
// The decoder's own duplicate check is off because it stops at the first
// duplicate with a JSON Pointer; the map's length catches them instead,
// at no cost to bodies without any.
func (d *decoder) readValue(dec *jsontext.Decoder) (any, error) {
	switch dec.PeekKind() {
	case '"':
		return readString(dec)
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		m := map[string]any{}
		var repeated map[string]bool // names reported as duplicates
		for dec.PeekKind() != '}' {
			name, err := readString(dec)
			if err != nil {
				return nil, err
			}
			v, err := d.readValue(dec)
			if err != nil {
				return nil, err
			}
			n := len(m)
			m[name] = v
			if len(m) == n && !repeated[name] {
				if repeated == nil {
					repeated = map[string]bool{}
				}
				repeated[name] = true
				d.duplicate(dec)
			}
		}
		_, err := dec.ReadToken()
		return m, err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		a := []any{}
		for dec.PeekKind() != ']' {
			v, err := d.readValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.ReadToken()
		return a, err
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '0':
		return json.Number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	}
	return nil, nil // null
}

// duplicate records a problem at the object member dec has just read,
// whose name its object already held.
func (d *decoder) duplicate(dec *jsontext.Decoder) {
	// The decoder's pointer names the member just read; the stack says
	// which of its tokens index arrays, so the path takes the API's form
	// (layers[0].hex_color, not /layers/0/hex_color).
	path, level := "", 0
	for tok := range dec.StackPointer().Tokens() {
		level++
		if kind, _ := dec.StackIndex(level); kind == '[' {
			path += "[" + tok + "]"
		} else {
			path = memberPath(path, tok)
		}
	}
	d.fail(path, "appears twice in the same object; send it once")
}

// readString reads a string value or object name with one copy when it
// has no escapes (base64 never does).
func readString(dec *jsontext.Decoder) (string, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	if len(v) < 2 || v[0] != '"' {
		return "", fmt.Errorf("expected a string, found %s", v.Kind())
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	// The decoder has checked the literal (invalid UTF-8 allowed), so the
	// only error left to report is a lone surrogate, which AppendUnquote
	// has already replaced with U+FFFD.
	b, _ := jsontext.AppendUnquote(nil, v)
	return string(b), nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func syntaxError(body []byte, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return failure.New(failure.Invalid, "The body is not valid JSON: it ends too early.")
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(body[:min(int(se.ByteOffset), len(body))], []byte("\n"))
		return failure.New(failure.Invalid, "The body is not valid JSON: %s (line %d, byte %d).", se.Err, line, se.ByteOffset)
	}
	return failure.New(failure.Invalid, "The body is not valid JSON: %s.", err.Error())
}

// err turns the collected problems into one error. A problem found twice
// (the same name repeated in both values of a repeated name) is listed
// once.
func (d *decoder) err() error {
	problems, kind := d.problems, failure.Invalid
	if len(problems) == 0 {
		problems, kind = d.tooLarge, failure.TooLarge
	}
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > 1 {
		seen := make(map[failure.Detail]bool, len(problems))
		problems = slices.DeleteFunc(problems, func(p failure.Detail) bool {
			dup := seen[p]
			seen[p] = true
			return dup
		})
	}
	total := len(problems)
	if kind == failure.Invalid {
		total += d.dropped
	}
	return summarize(kind, problems, total)
}

// errorProblems is how many problems the error sentence names, and
// maxErrorBytes about how long it may grow naming them: the reference's
// SDKs show only the error string, so the first few problems, hints
// included ("did you mean hex_color?"), must be in it.
const (
	errorProblems = 3
	maxErrorBytes = 400
)

// summarize makes one error of problems (total counts those dropped too):
// the first errorProblems problems (within maxErrorBytes, the first one
// always) as the sentence, the count of the others, and at most
// shownProblems details.
func summarize(kind failure.Kind, problems []failure.Detail, total int) *failure.Error {
	var b strings.Builder
	named := 0
	for _, p := range problems[:min(len(problems), errorProblems)] {
		s := withPath(p)
		if !strings.HasSuffix(s, "?") {
			s += "."
		}
		if named > 0 && b.Len()+1+len(s) > maxErrorBytes {
			break
		}
		if named > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		named++
	}
	msg, rest := b.String(), total-named
	switch {
	case rest <= 0:
	case total <= shownProblems:
		msg = fmt.Sprintf("%s (and %d more %s, listed in details)", msg, rest, plural(rest, "problem", "problems"))
	default:
		msg = fmt.Sprintf("%s (and %d more %s; details lists the first %d)", msg, rest, plural(rest, "problem", "problems"), shownProblems)
		problems = problems[:shownProblems]
	}
	return &failure.Error{Kind: kind, Message: msg, Details: problems}
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (d *decoder) request(root any) *Request {
	o := d.object("", root)
	if o == nil {
		d.problems[0].Message = "the body must be a JSON object"
		return nil
	}
	req := &Request{OutputFormat: PNG}
	if v, ok := o.get("dimensions"); ok {
		req.Width, req.Height = d.canvasSize(o.at("dimensions"), v)
	} else {
		o.missing("dimensions")
	}
	// "jpg" is jpeg's common file extension, accepted as its alias
	// (docs/API.md, strictness).
	format, formatOK := o.choice("output_format", string(PNG), "png", "jpeg", "webp", "tiff", "gif", "avif", "pdf", "jpg")
	if format == "jpg" {
		format = string(JPEG)
	}
	req.OutputFormat = Format(format)
	if v, ok := o.get("output_options"); ok && formatOK {
		// Which options apply depends on the format: with an invalid
		// format, the format is the one problem reported.
		req.Output = d.outputOptions(o.at("output_options"), v, req.OutputFormat)
	}
	if fonts, ok := o.array("fonts", false); ok {
		if len(fonts) > d.limits.MaxFonts {
			d.fail(o.at("fonts"), "has %d fonts; at most %d are allowed", len(fonts), d.limits.MaxFonts)
		}
		for i, f := range fonts {
			if font := d.font(fmt.Sprintf("fonts[%d]", i), f); font != nil {
				req.Fonts = append(req.Fonts, font)
			}
		}
	}
	if s, ok := o.str("webhook_url", false); ok {
		d.webhookURL(o.at("webhook_url"), s)
		req.WebhookURL = s
	}
	if v, ok := o.get("storage"); ok {
		req.Storage = d.storage(o.at("storage"), v)
	}
	if layers, ok := o.array("layers", true); ok {
		if len(layers) == 0 {
			d.fail("layers", "must hold at least one layer")
		}
		req.Layers = d.layers("layers", layers, scope{})
	}
	o.finish()
	if d.layerCount > d.limits.MaxLayers {
		d.fail("layers", "hold %d layers in all (layout children included); at most %d are allowed", d.layerCount, d.limits.MaxLayers)
	}
	return req
}

// effortRange is each format's encoder effort range.
var effortRange = map[Format][2]int{WebP: {0, 6}, AVIF: {0, 9}, GIF: {1, 10}}

func (d *decoder) outputOptions(path string, v any, format Format) OutputOptions {
	var out OutputOptions
	o := d.object(path, v)
	if o == nil {
		return out
	}
	only := func(key string, formats ...Format) bool {
		if !o.has(key) {
			o.known(key)
			return false
		}
		for _, f := range formats {
			if f == format {
				return true
			}
		}
		d.fail(o.at(key), "does not apply to output_format %s", format)
		o.use(key)
		return false
	}
	if only("quality", JPEG, WebP, AVIF) {
		if q, ok := o.integer("quality", false, 1, 100); ok {
			out.Quality = &q
		}
	}
	if only("compression_level", PNG) {
		if c, ok := o.integer("compression_level", false, 0, 9); ok {
			out.CompressionLevel = &c
		}
	}
	if only("effort", WebP, AVIF, GIF) {
		r := effortRange[format]
		if e, ok := o.integer("effort", false, r[0], r[1]); ok {
			out.Effort = &e
		}
	}
	if only("resolution_in_dpi", PDF) {
		if r, ok := o.integer("resolution_in_dpi", false, 1, 2400); ok {
			out.ResolutionDPI = &r
		}
	}
	o.finish()
	return out
}

func (d *decoder) canvasSize(path string, v any) (w, h int) {
	o := d.object(path, v)
	if o == nil {
		return 0, 0
	}
	w, _ = o.integer(o.spelling("width", "width_in_px"), true, 1, d.limits.MaxSide)
	h, _ = o.integer(o.spelling("height", "height_in_px"), true, 1, d.limits.MaxSide)
	o.finish()
	if w > 0 && h > 0 && float64(w)*float64(h) > d.limits.MaxMegapixels*1e6 {
		d.fail(path, "is %dx%d = %.1f megapixels; at most %s are allowed", w, h, float64(w)*float64(h)/1e6, fmtNum(d.limits.MaxMegapixels))
	}
	return w, h
}

func (d *decoder) webhookURL(path, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		d.fail(path, "must be an absolute https URL")
	case u.Scheme != "https":
		d.fail(path, "must use https (got %q)", u.Scheme)
	case u.User != nil:
		d.fail(path, "must not carry credentials")
	case len(s) > 2048:
		d.fail(path, "must be at most 2048 characters")
	}
}

func (d *decoder) font(path string, v any) *Font {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	f := &Font{Path: path}
	f.Name, _ = o.strMax("name", true, MaxNameBytes)
	if f.Name != "" && strings.TrimSpace(f.Name) == "" {
		d.fail(o.at("name"), "must not be blank")
	}
	f.Weight = d.weight(o, "weight", true)
	f.Italic = o.enum("style", "normal", "normal", "italic") == "italic"
	if !o.has("style") {
		o.missing("style")
	}
	o.known("buffer", "file")
	switch {
	case o.has("buffer") && o.has("file"):
		d.fail(path, "send the font data as either \"buffer\" or \"file\", not both")
		o.use("buffer", "file")
	case o.has("buffer"):
		s, _ := o.str("buffer", true)
		f.File = File{Type: SourceBase64, Name: f.Name, Data: d.base64(o.at("buffer"), s, d.limits.MaxFontBytes)}
	case o.has("file"):
		v, _ := o.get("file")
		if file := d.file(o.at("file"), v, d.limits.MaxFontBytes); file != nil {
			f.File = *file
		}
	default:
		d.fail(o.at("buffer"), "is required (the font file as base64), or send \"file\"")
	}
	o.finish()
	return f
}

func (d *decoder) weight(o *object, key string, required bool) Weight {
	s, ok := o.str(key, required)
	if !ok {
		return Regular
	}
	w, known := Weights[strings.ToLower(s)]
	if !known {
		d.fail(o.at(key), "must be one of thin, extralight, light, regular, medium, semibold, bold, extrabold, black (got %q)", truncate(s, 30))
		return Regular
	}
	return w
}

// file reads an image or font source object.
func (d *decoder) file(path string, v any, maxBytes int64) *File {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	f := &File{}
	f.Type = SourceType(o.enum("type", "", "base64", "url"))
	if !o.has("type") {
		o.missing("type")
	}
	f.Name, _ = o.strMax("name", false, MaxNameBytes)
	switch f.Type {
	case SourceBase64:
		o.kind = "a base64 file"
		if s, ok := o.str("base64", true); ok {
			f.Data = d.base64(o.at("base64"), s, maxBytes)
		}
	case SourceURL:
		o.kind = "a url file"
		if s, ok := o.str("url", true); ok {
			d.sourceURL(o.at("url"), s)
			f.URL = s
		}
	}
	if fo, ok := o.get("fetch_options"); ok {
		f.Fetch = d.fetchOptions(o.at("fetch_options"), fo)
	}
	// The other source's field is ignored when empty (SDKs send both).
	for _, k := range []string{"base64", "url"} {
		if s, isStr := o.m[k].(string); isStr && s == "" {
			o.use(k)
		}
	}
	if f.Type == "" {
		// Which fields are known depends on the type: with it missing or
		// invalid, that is the one problem reported.
		return f
	}
	o.finish()
	return f
}

func (d *decoder) sourceURL(path, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		d.fail(path, "must be an absolute http or https URL")
	case u.Scheme != "https" && u.Scheme != "http":
		d.fail(path, "must use http or https (got %q)", u.Scheme)
	case len(s) > 8192:
		d.fail(path, "must be at most 8192 characters")
	}
}

// forbiddenHeaders may not be set through fetch_options.headers.
var forbiddenHeaders = map[string]bool{
	"host": true, "cookie": true, "connection": true, "keep-alive": true, "proxy-authenticate": true,
	"proxy-authorization": true, "proxy-connection": true, "te": true, "trailer": true,
	"transfer-encoding": true, "upgrade": true, "content-length": true,
}

func (d *decoder) fetchOptions(path string, v any) FetchOptions {
	var fo FetchOptions
	o := d.object(path, v)
	if o == nil {
		return fo
	}
	if h, ok := o.get("headers"); ok {
		if ho := d.object(o.at("headers"), h); ho != nil {
			fo.Headers = d.headers(ho, o.has("auth"))
		}
	}
	if ms, ok := o.integer("timeout_ms", false, 1000, 60000); ok {
		fo.Timeout = time.Duration(ms) * time.Millisecond
	}
	if a, ok := o.get("auth"); ok {
		fo.Auth = d.fetchAuth(o.at("auth"), a)
	}
	o.finish()
	return fo
}

// headers reads fetch_options.headers. Names are case-insensitive in
// HTTP, so two names that differ only in case are one header sent twice
// (which value would win is up to map order), and an Authorization header
// beside auth would be silently overwritten by it: both are problems.
// Names are read in sorted order so problems come out in a stable order.
func (d *decoder) headers(ho *object, auth bool) map[string]string {
	if len(ho.m) > MaxHeaders {
		d.fail(ho.path, "has %d headers; at most %d are allowed", len(ho.m), MaxHeaders)
		return nil
	}
	out := make(map[string]string, len(ho.m))
	names := make([]string, 0, len(ho.m))
	for k := range ho.m {
		names = append(names, k)
	}
	sort.Strings(names)
	var seen map[string]string // lower-case name → first spelling
	if len(names) > 1 {
		seen = make(map[string]string, len(names))
	}
	for _, k := range names {
		// Not ho.str: its problem's path would not bracket a name like X.Y.
		ho.use(k)
		raw := ho.m[k]
		val, ok := raw.(string)
		if !ok && raw != nil {
			d.fail(memberPath(ho.path, k), "must be a string, not %s", jsonKind(raw))
		}
		lower := strings.ToLower(k)
		first, dup := seen[lower]
		switch {
		case forbiddenHeaders[lower]:
			d.fail(memberPath(ho.path, k), "cannot be set: hop-by-hop, Cookie and Host headers are not forwarded")
		case !validHeaderName(k) || strings.ContainsAny(val, "\r\n"):
			d.fail(memberPath(ho.path, k), "is not a valid HTTP header")
		case len(k) > MaxNameBytes:
			d.fail(memberPath(ho.path, k), "is a header name of %d bytes; at most %d are allowed", len(k), MaxNameBytes)
		case len(val) > MaxHeaderValueBytes:
			d.fail(memberPath(ho.path, k), "is %d bytes; at most %d are allowed", len(val), MaxHeaderValueBytes)
		case dup:
			d.fail(memberPath(ho.path, k), "is the same header as %q (header names ignore case); send it once", first)
		case auth && lower == "authorization":
			d.fail(memberPath(ho.path, k), "conflicts with auth, which sets the Authorization header too; use one of them")
		case ok:
			out[k] = val
		}
		if seen != nil && !dup {
			seen[lower] = k
		}
	}
	return out
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

func (d *decoder) fetchAuth(path string, v any) *FetchAuth {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	a := &FetchAuth{Type: o.enum("type", "", "bearer", "basic")}
	switch a.Type {
	case "bearer":
		o.kind = "bearer auth"
		a.Token, _ = o.strMax("token", true, MaxHeaderValueBytes)
	case "basic":
		o.kind = "basic auth"
		a.Username, _ = o.strMax("username", true, MaxHeaderValueBytes)
		a.Password, _ = o.strMax("password", false, MaxHeaderValueBytes)
	default:
		if !o.has("type") {
			o.missing("type")
		}
		// Which fields are known depends on the type: with it missing or
		// invalid, that is the one problem reported.
		return a
	}
	o.finish()
	return a
}
