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
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/template"
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
	req, body, err := st.Template.Apply(signed.Modifications, map[string]any{"output_format": format}, s.limits)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", s.etag(body))
	h.Set("Cache-Control", cacheControl(signed, st))
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, h.Get("ETag")) {
		return c.NoContent(http.StatusNotModified)
	}
	res, err := s.renderCached(c, req)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, res.MimeType, res.Data)
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
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// cacheControl lets CDNs keep a pinned version for a year (it can never
// change), the latest version for a minute, and never past an expiry.
func cacheControl(u *imageurl.Signed, st *template.Stored) string {
	maxAge := 60
	immutable := u.Version > 0 && st.Source == "api"
	if immutable {
		maxAge = 365 * 24 * 3600
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
