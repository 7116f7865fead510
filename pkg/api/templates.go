package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/imageurl"
	"github.com/strata-render/strata/pkg/rendercache"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/template"
	"github.com/strata-render/strata/pkg/warning"
)

// templateView is the data of a template answer.
type templateView struct {
	ID        string              `json:"template_id"`
	Version   int                 `json:"version"`
	Source    string              `json:"source"`
	CreatedAt time.Time           `json:"created_at"`
	Variables []template.Variable `json:"variables"`
	Template  json.RawMessage     `json:"template,omitempty"`
}

func viewOf(st *template.Stored, withBody bool) templateView {
	v := templateView{ID: st.ID, Version: st.Version, Source: st.Source, CreatedAt: st.CreatedAt, Variables: st.Template.Variables}
	if v.Variables == nil {
		v.Variables = []template.Variable{}
	}
	if withBody {
		v.Template = st.Template.Body
	}
	return v
}

func (s *Server) keyOf(c echo.Context) string { return c.Get(ctxKeyID).(string) }

// putTemplate handles PUT /templates/{id}: the body is the template; it
// becomes the next version (201 for version 1, else 200).
func (s *Server) putTemplate(c echo.Context) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	st, err := s.templates.Put(c.Request().Context(), s.keyOf(c), c.Param("template_id"), body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if st.Version == 1 {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"success": true, "data": viewOf(st, false)})
}

func (s *Server) getTemplate(c echo.Context) error {
	version := 0
	if v := c.QueryParam("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return schema.Problems([]failure.Detail{{Path: "query.version", Message: "must be a version number, 1 or more"}})
		}
		version = n
	}
	st, err := s.templates.Get(c.Request().Context(), s.keyOf(c), c.Param("template_id"), version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "data": viewOf(st, true)})
}

func (s *Server) listTemplates(c echo.Context) error {
	list, err := s.templates.List(c.Request().Context(), s.keyOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "data": list})
}

func (s *Server) deleteTemplate(c echo.Context) error {
	if err := s.templates.Delete(c.Request().Context(), s.keyOf(c), c.Param("template_id")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true})
}

// renderFields are the top-level fields of a template render request
// besides modifications and version; they are set on the template.
var renderFields = []string{"output_format", "output_options", "webhook_url"}

// generateTemplate handles POST /templates/{id}/generate: the template's
// request with the modifications applied, answered as /generate answers.
func (s *Server) generateTemplate(c echo.Context) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return schema.Problems([]failure.Detail{{Path: "", Message: "the body must be a JSON object: {\"modifications\": [...], \"version\": N, \"output_format\": ..., \"webhook_url\": ...}"}})
	}
	var problems []failure.Detail
	version := 0
	top := map[string]any{}
	for k, v := range m {
		switch {
		case k == "modifications":
		case k == "version":
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil || i < 1 || i > 1<<31 {
				problems = append(problems, failure.Detail{Path: "version", Message: "must be a version number, 1 or more"})
			}
			version = int(i)
		case slices.Contains(renderFields, k):
			top[k] = v
		default:
			msg := "is not a known field of a template render"
			if sg := schema.Suggest(k, append([]string{"modifications", "version"}, renderFields...)); sg != "" {
				msg += "; did you mean " + sg + "?"
			}
			problems = append(problems, failure.Detail{Path: k, Message: msg})
		}
	}
	if len(problems) > 0 {
		slices.SortFunc(problems, func(a, b failure.Detail) int { return strings.Compare(a.Path, b.Path) })
		return schema.Problems(problems)
	}
	mods, err := template.ParseModifications("modifications", m["modifications"])
	if err != nil {
		return err
	}
	st, err := s.templates.Get(c.Request().Context(), s.keyOf(c), c.Param("template_id"), version)
	if err != nil {
		return err
	}
	req, reqBody, err := st.Template.Apply(mods, top, s.limits)
	if err != nil {
		return err
	}
	return s.respond(c, req, reqBody)
}

// templateImage handles GET /templates/{id}/image.{ext}: a signed URL
// (pkg/imageurl) answered with the image itself.
func (s *Server) templateImage(c echo.Context) error {
	file := c.Param("file")
	ext, ok := strings.CutPrefix(file, "image.")
	format := imageurl.Formats[ext]
	if !ok || format == "" {
		return failure.New(failure.NotFound, "No such image: ask for image.png, image.jpeg, image.webp, image.avif or image.pdf.")
	}
	r := c.Request()
	signed, err := imageurl.Verify(r.URL.EscapedPath(), r.URL.RawQuery, s.signingKey, time.Now())
	if err != nil {
		return err
	}
	c.Set(ctxKeyID, signed.KeyID)
	// The key's budget applies once the signature says whose URL it is.
	return s.limitRate(func(c echo.Context) error { return s.serveImage(c, signed, format) })(c)
}

func (s *Server) serveImage(c echo.Context, signed *imageurl.Signed, format string) error {
	r := c.Request()
	st, err := s.templates.Get(r.Context(), signed.KeyID, c.Param("template_id"), signed.Version)
	if err != nil {
		return err
	}
	a, err := s.assemble(st, signed, format)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", cacheControl(signed, st, a.fetches, s.assetTTL))
	if !a.fetches {
		// The request decides every pixel: answer a revalidation now.
		h.Set("ETag", a.etag)
		if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	res, err := s.renderKeyed(c, a.req, a.key)
	if err != nil {
		return err
	}
	if a.fetches {
		// The pixels also depend on the fetched bytes, which the cached
		// render (fresh within STRATA_CACHE_ASSET_TTL) or a new one knows.
		etag := a.etag
		if res.Assets != "" {
			etag = s.etag([]byte(a.etag + "\n" + res.Assets))
		}
		h.Set("ETag", etag)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	warning.SetHeader(h, res.Warnings)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(res.Data)))
	if r.Method == http.MethodHead {
		h.Set(echo.HeaderContentType, res.MimeType)
		c.Response().WriteHeader(http.StatusOK)
		return nil
	}
	return c.Blob(http.StatusOK, res.MimeType, res.Data)
}

// assembled is a signed URL's validated request, memoized per template
// contents, format and signed query: a repeat GET neither decodes nor
// validates anything.
type assembled struct {
	req     *schema.Request
	body    []byte
	key     string // the render cache key ("" without a cache)
	etag    string // of the request alone
	fetches bool   // the request names image or font URLs
}

// assembledMemoBytes bounds the memo (a request costs about three times
// its JSON once decoded).
const assembledMemoBytes = 32 << 20

func (s *Server) assemble(st *template.Stored, signed *imageurl.Signed, format string) (*assembled, error) {
	memoKey := sha256.Sum256([]byte(st.Template.Digest + "\n" + format + "\n" + signed.Query))
	if a, ok := s.memo.Get(memoKey); ok {
		return a, nil
	}
	req, body, err := st.Template.Apply(signed.Modifications, map[string]any{"output_format": format}, s.limits)
	if err != nil {
		return nil, err
	}
	a := &assembled{req: req, body: body, etag: s.etag(body), fetches: fetchesURLs(req)}
	if s.cache != nil {
		a.key = rendercache.Key(s.rendererVersion, req)
	}
	s.memo.Put(memoKey, a)
	return a, nil
}

// fetchesURLs reports whether rendering req fetches anything: a custom
// font or an image given by URL, at any depth.
func fetchesURLs(req *schema.Request) bool {
	for _, f := range req.Fonts {
		if f.File.Type == schema.SourceURL {
			return true
		}
	}
	var layers func([]*schema.Layer) bool
	layers = func(ls []*schema.Layer) bool {
		for _, l := range ls {
			if l.Image != nil && l.Image.File.Type == schema.SourceURL {
				return true
			}
			if l.Layout != nil && (layers(l.Layout.Children) || layers(l.Layout.BackgroundLayers)) {
				return true
			}
		}
		return false
	}
	return layers(req.Layers)
}

// signingKey finds the API key of a key id for imageurl.Verify.
func (s *Server) signingKey(keyID string) (string, bool) {
	k, ok := s.rawKeys[keyID]
	return k, ok
}

// etag is a strong validator of the output: the renderer's version and
// the assembled request (template version's contents, modifications,
// format) decide every pixel.
func (s *Server) etag(body []byte) string {
	h := sha256.New()
	h.Write([]byte(s.rendererVersion + "\n"))
	h.Write(body)
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// cacheControl lets CDNs keep a pinned version for a year (it can never
// change), the latest version for a minute, an image made from fetched
// URLs no longer than their revalidation window, and never past an
// expiry.
func cacheControl(u *imageurl.Signed, st *template.Stored, fetches bool, assetTTL time.Duration) string {
	maxAge, immutable := 60, u.Version > 0 && st.Source == "api"
	if immutable {
		maxAge = 365 * 24 * 3600
	}
	if fetches {
		maxAge, immutable = min(maxAge, int(assetTTL.Seconds())), false
	}
	if !u.Expires.IsZero() {
		left := int(time.Until(u.Expires).Seconds())
		if left < maxAge {
			maxAge, immutable = max(left, 0), false
		}
	}
	cc := fmt.Sprintf("public, max-age=%d", maxAge)
	if immutable {
		cc += ", immutable"
	}
	return cc
}
