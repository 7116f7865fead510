package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/imageurl"
	"github.com/strata-render/strata/pkg/redistest"
)

const otherKey = "e2e-other-key-0123456789"

// cardTemplate is a 200x100 card: a named background and a named badge.
const cardTemplate = `{"dimensions":{"width":200,"height":100},"layers":[
  {"index":0,"type":"solid-color","name":"bg","hex_color":"#FFFFFF"},
  {"index":1,"type":"solid-color","name":"badge","hex_color":"#0000FF","position":{"x":10,"y":10},"dimensions":{"width":40,"height":40}},
  {"index":2,"type":"text","name":"title","text":"Hi","font_name":"Inter","font_size_in_px":20,"text_color":"#000000",
   "position":{"x":60,"y":10},"dimensions":{"width":130,"height":30}}]}`

func call(t testing.TB, method, url, key, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func startTemplateMain(t testing.TB, cacheDB int, edits ...func(*config.Config)) string {
	t.Helper()
	return startMainWith(t, templateConfig(cacheDB, edits...))
}

// templateConfig is the configuration of the template tests: two keys,
// no rate limit, the render cache on database cacheDB.
func templateConfig(cacheDB int, edits ...func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		c.APIKeys = map[string]string{e2eKey: "", otherKey: ""}
		c.RateLimit = 0
		c.CacheRedisURL = strings.TrimSuffix(redistest.URL(), "/0") + "/" + strconv.Itoa(cacheDB)
		for _, e := range edits {
			e(c)
		}
	}
}

// pixel decodes a PNG and returns the colour at x, y as #RRGGBB.
func pixel(t *testing.T, img []byte, x, y int) string {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(img))
	require.NoError(t, err)
	r, g, b, _ := m.At(x, y).RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}

func TestTemplatesEndToEnd(t *testing.T) {
	redistest.Client(t, 7)
	base := startTemplateMain(t, 7)
	tpl := base + "/image-generation/v1/templates/card-e2e"

	call(t, http.MethodDelete, tpl, e2eKey, "") // left by an earlier run
	resp, body := call(t, http.MethodPut, tpl, e2eKey, cardTemplate)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), `"version":1`)
	require.Contains(t, string(body), `{"name":"badge","type":"solid-color","fields":["hide","opacity","position","dimensions","rotation_in_degrees","hex_color"],"path":"layers[1]"}`)
	resp, body = call(t, http.MethodPut, tpl, e2eKey, strings.Replace(cardTemplate, "#0000FF", "#00FF00", 1))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), `"version":2`)

	resp, body = call(t, http.MethodGet, tpl+"?version=1", e2eKey, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "#0000FF")
	resp, body = call(t, http.MethodGet, base+"/image-generation/v1/templates", e2eKey, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `{"template_id":"card-e2e","version":2,"source":"api"}`)

	// Another key's view: nothing.
	resp, _ = call(t, http.MethodGet, tpl, otherKey, "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = call(t, http.MethodPost, tpl+"/generate", otherKey, `{}`)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = call(t, http.MethodPut, base+"/image-generation/v1/templates/..%2Fx", e2eKey, cardTemplate)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Render with modifications: the badge turns red, version 1 stays blue.
	resp, body = call(t, http.MethodPost, tpl+"/generate", e2eKey, `{"modifications":[{"name":"badge","hex_color":"#FF0000"}]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, "strata; fwd=miss", resp.Header.Get("Cache-Status"))
	var out struct{ Data struct{ Buffer string } }
	require.NoError(t, json.Unmarshal(body, &out))
	img, _ := base64.StdEncoding.DecodeString(out.Data.Buffer)
	require.Equal(t, "#FF0000", pixel(t, img, 30, 30))
	require.Equal(t, "#FFFFFF", pixel(t, img, 5, 95))
	resp, body = call(t, http.MethodPost, tpl+"/generate", e2eKey, `{"version":1}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.NoError(t, json.Unmarshal(body, &out))
	img, _ = base64.StdEncoding.DecodeString(out.Data.Buffer)
	require.Equal(t, "#0000FF", pixel(t, img, 30, 30))

	// A bad modification is a 400 where it was written.
	resp, body = call(t, http.MethodPost, tpl+"/generate", e2eKey, `{"modifications":[{"name":"badge","hex_color":"#FF0000"},{"name":"title","text_color":"blue"}]}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(body), `"path":"modifications[1].text_color"`)
	resp, body = call(t, http.MethodPost, tpl+"/generate", e2eKey, `{"modifications":[{"name":"bdge","hex_color":"#FF0000"}],"verison":1}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(body), "did you mean version?")

	// Async: the same envelope as /generate.
	resp, body = call(t, http.MethodPost, tpl+"/generate", e2eKey, `{"webhook_url":"https://example.com/hook"}`)
	require.Contains(t, []int{http.StatusCreated, http.StatusServiceUnavailable}, resp.StatusCode, "%s", body)

	// Signed image URLs.
	signed, err := imageurl.Sign(e2eKey, "card-e2e", "png", imageurl.Options{Version: 2}, []string{"badge.hex_color=#FF00FF"})
	require.NoError(t, err)
	resp, img = call(t, http.MethodGet, base+signed, "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
	require.Equal(t, "#FF00FF", pixel(t, img, 30, 30))
	require.Empty(t, resp.Header.Get("Strata-Warnings"), "a clean render sends no report header")
	// An image response carries the render report in headers.
	hidden, err := imageurl.Sign(e2eKey, "card-e2e", "png", imageurl.Options{Version: 2}, []string{"badge.opacity=0"})
	require.NoError(t, err)
	hresp, _ := call(t, http.MethodGet, base+hidden, "", "")
	require.Equal(t, http.StatusOK, hresp.StatusCode)
	require.Equal(t, "1", hresp.Header.Get("Strata-Warnings-Count"))
	var report []map[string]string
	require.NoError(t, json.Unmarshal([]byte(hresp.Header.Get("Strata-Warnings")), &report))
	require.Equal(t, "layer_transparent", report[0]["code"])
	require.Equal(t, "layers[1].opacity", report[0]["path"])
	etag := resp.Header.Get("ETag")
	require.Regexp(t, regexp.MustCompile(`^"[A-Za-z0-9_-]{24}"$`), etag)

	renders := metric(t, "strata_render_cache_misses_total", base) + metric(t, "strata_render_cache_hits_total", base)
	resp, body = call(t, http.MethodGet, base+signed, "", "", "If-None-Match", `"x", `+etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, body)
	require.Equal(t, renders, metric(t, "strata_render_cache_misses_total", base)+metric(t, "strata_render_cache_hits_total", base),
		"a 304 neither renders nor reads the cache")

	asPDF, err := imageurl.Sign(e2eKey, "card-e2e", "pdf", imageurl.Options{Version: 2}, []string{"badge.hex_color=#FF00FF"})
	require.NoError(t, err)
	resp, body = call(t, http.MethodGet, base+asPDF, "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(body, []byte("%PDF-1.7")))
	require.NotEqual(t, etag, resp.Header.Get("ETag"), "another format, another ETag")

	latest, err := imageurl.Sign(e2eKey, "card-e2e", "png", imageurl.Options{}, []string{"badge.hex_color=#FF00FF"})
	require.NoError(t, err)
	resp, _ = call(t, http.MethodGet, base+latest, "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "public, max-age=60", resp.Header.Get("Cache-Control"))
	require.Equal(t, etag, resp.Header.Get("ETag"), "latest is version 2: the same output, the same ETag")
	other, err := imageurl.Sign(e2eKey, "card-e2e", "png", imageurl.Options{Version: 1}, []string{"badge.hex_color=#FF00FF"})
	require.NoError(t, err)
	resp, _ = call(t, http.MethodGet, base+other, "", "")
	require.Equal(t, etag, resp.Header.Get("ETag"), "versions 1 and 2 differ only in the badge's colour, which the URL sets: the same output")
	plain, err := imageurl.Sign(e2eKey, "card-e2e", "png", imageurl.Options{Version: 1}, nil)
	require.NoError(t, err)
	resp, _ = call(t, http.MethodGet, base+plain, "", "")
	require.NotEqual(t, etag, resp.Header.Get("ETag"), "other output, another ETag")

	resp, _ = call(t, http.MethodGet, base+strings.Replace(signed, "FF00FF", "FF00FE", 1), "", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	unsigned, _, _ := strings.Cut(signed, "&sig=")
	resp, _ = call(t, http.MethodGet, base+unsigned, "", "")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	// Another key's signature on its own URL reaches only its own templates.
	theirs, err := imageurl.Sign(otherKey, "card-e2e", "png", imageurl.Options{}, nil)
	require.NoError(t, err)
	resp, _ = call(t, http.MethodGet, base+theirs, "", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	// A bad modification in the query names its parameter.
	bad, err := imageurl.Sign(e2eKey, "card-e2e", "png", imageurl.Options{}, []string{"badge.hex_color=red"})
	require.NoError(t, err)
	resp, body = call(t, http.MethodGet, base+bad, "", "")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(body), `query[\"badge.hex_color\"]`)

	resp, _ = call(t, http.MethodDelete, tpl, otherKey, "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = call(t, http.MethodDelete, tpl, e2eKey, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = call(t, http.MethodGet, base+signed, "", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// metric sums a counter over API processes' /metrics.
func metric(t testing.TB, name string, bases ...string) int {
	t.Helper()
	total := 0
	re := regexp.MustCompile(`(?m)^` + name + `(?:\{[^}]*\})? ([0-9.e+]+)$`)
	for _, b := range bases {
		_, body := call(t, http.MethodGet, b+"/metrics", "", "")
		for _, m := range re.FindAllStringSubmatch(string(body), -1) {
			f, _ := strconv.ParseFloat(m[1], 64)
			total += int(f)
		}
	}
	return total
}

// 50 concurrent identical GETs of one signed URL, spread over two API
// processes sharing the cache Redis, make exactly one render.
func TestFiftyConcurrentGETsOnTwoProcessesRenderOnce(t *testing.T) {
	redistest.Client(t, 6)
	a, b := startTemplateMain(t, 6), startTemplateMain(t, 6)
	call(t, http.MethodDelete, a+"/image-generation/v1/templates/card-once", e2eKey, "") // left by an earlier run
	resp, body := call(t, http.MethodPut, a+"/image-generation/v1/templates/card-once", e2eKey, cardTemplate)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	signed, err := imageurl.Sign(e2eKey, "card-once", "webp", imageurl.Options{Version: 1}, []string{"title.text=Once"})
	require.NoError(t, err)

	var wg sync.WaitGroup
	statuses := make([]string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := a
			if i%2 == 1 {
				base = b
			}
			resp, body := call(t, http.MethodGet, base+signed, "", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			require.Equal(t, "image/webp", resp.Header.Get("Content-Type"))
			statuses[i] = resp.Header.Get("Cache-Status")
		}()
	}
	wg.Wait()
	require.Equal(t, 1, metric(t, "strata_render_cache_misses_total", a, b), "one render in all")
	misses := 0
	for _, s := range statuses {
		if s == "strata; fwd=miss" {
			misses++
		} else {
			require.Contains(t, []string{"strata; hit", "strata; fwd=miss; collapsed"}, s)
		}
	}
	require.Equal(t, 1, misses, "one request rendered; the others waited for it")

	// no-cache renders again, and says so.
	resp, _ = call(t, http.MethodGet, b+signed, "", "", "Cache-Control", "no-cache")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "strata; fwd=request", resp.Header.Get("Cache-Status"))
	require.Equal(t, 1, metric(t, "strata_render_cache_bypasses_total", a, b))

	// Renders at once of one memoized request (the -race run checks
	// nothing writes to it).
	var again sync.WaitGroup
	for range 4 {
		again.Add(1)
		go func() {
			defer again.Done()
			resp, _ := call(t, http.MethodGet, a+signed, "", "", "Cache-Control", "no-cache")
			require.Equal(t, http.StatusOK, resp.StatusCode)
		}()
	}
	again.Wait()
	require.Equal(t, 5, metric(t, "strata_render_cache_bypasses_total", a, b))
}

// HEAD of a signed URL answers GET's status and headers without a body,
// under GET's signature; a matching If-None-Match is a 304 as well.
func TestSignedURLHead(t *testing.T) {
	redistest.Client(t, 8)
	base := startTemplateMain(t, 8)
	call(t, http.MethodDelete, base+"/image-generation/v1/templates/card-head", e2eKey, "")
	resp, body := call(t, http.MethodPut, base+"/image-generation/v1/templates/card-head", e2eKey, cardTemplate)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	signed, err := imageurl.Sign(e2eKey, "card-head", "png", imageurl.Options{Version: 1}, []string{"title.text=Head"})
	require.NoError(t, err)

	head, body := call(t, http.MethodHead, base+signed, "", "")
	require.Equal(t, http.StatusOK, head.StatusCode)
	require.Empty(t, body)
	get, img := call(t, http.MethodGet, base+signed, "", "")
	require.Equal(t, http.StatusOK, get.StatusCode)
	require.Equal(t, "#0000FF", pixel(t, img, 30, 30))
	for _, h := range []string{"Content-Type", "ETag", "Cache-Control"} {
		require.NotEmpty(t, get.Header.Get(h), h)
		require.Equal(t, get.Header.Get(h), head.Header.Get(h), h)
	}
	require.Equal(t, strconv.Itoa(len(img)), head.Header.Get("Content-Length"))
	require.Equal(t, int64(len(img)), get.ContentLength)
	require.Equal(t, "strata; fwd=miss", head.Header.Get("Cache-Status"), "HEAD renders a miss, so GET finds it")
	require.Equal(t, "strata; hit", get.Header.Get("Cache-Status"))

	resp, _ = call(t, http.MethodHead, base+signed, "", "", "If-None-Match", get.Header.Get("ETag"))
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	resp, _ = call(t, http.MethodHead, base+strings.Replace(signed, "Head", "Heat", 1), "", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the signature is checked as for GET")
	unsigned, _, _ := strings.Cut(signed, "&sig=")
	resp, _ = call(t, http.MethodHead, base+unsigned, "", "")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// An image from a URL is part of the ETag by the bytes fetched: inside
// STRATA_CACHE_ASSET_TTL the cached render (and its ETag) answers; past it
// the next request renders and fetches again, so a changed picture is a
// new image with a new ETag, and an unchanged one keeps its ETag (304).
func TestFetchedAssetsInTheETag(t *testing.T) {
	var colour atomic.Value
	colour.Store(color.NRGBA{255, 0, 0, 255})
	var fetches atomic.Int32
	photos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		m := image.NewNRGBA(image.Rect(0, 0, 8, 8))
		draw.Draw(m, m.Bounds(), image.NewUniform(colour.Load().(color.NRGBA)), image.Point{}, draw.Src)
		w.Header().Set("Content-Type", "image/png")
		_ = png.Encode(w, m)
	}))
	defer photos.Close()
	redistest.Client(t, 10)
	base := startTemplateMain(t, 10, func(c *config.Config) {
		c.AllowPrivateNetworks = true // the photo server is on loopback
		c.CacheAssetTTL = time.Second
	})
	tpl := fmt.Sprintf(`{"dimensions":{"width":40,"height":40},"layers":[
	  {"index":0,"type":"image","name":"photo","file":{"type":"url","url":%q},"position":{"x":0,"y":0},"dimensions":{"width":40,"height":40}}]}`, photos.URL+"/p.png")
	call(t, http.MethodDelete, base+"/image-generation/v1/templates/photo-card", e2eKey, "")
	resp, body := call(t, http.MethodPut, base+"/image-generation/v1/templates/photo-card", e2eKey, tpl)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	fetches.Store(0) // validation does not fetch; count renders' fetches
	signed, err := imageurl.Sign(e2eKey, "photo-card", "png", imageurl.Options{Version: 1}, nil)
	require.NoError(t, err)

	resp, img := call(t, http.MethodGet, base+signed, "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
	require.Equal(t, "#FF0000", pixel(t, img, 20, 20))
	require.Equal(t, "public, max-age=1", resp.Header.Get("Cache-Control"), "pinned, but not immutable: the photo may change")
	red := resp.Header.Get("ETag")
	require.Equal(t, int32(1), fetches.Load())

	colour.Store(color.NRGBA{0, 0, 255, 255})
	resp, _ = call(t, http.MethodGet, base+signed, "", "", "If-None-Match", red)
	require.Equal(t, http.StatusNotModified, resp.StatusCode, "inside the window the cached render answers")
	require.Equal(t, int32(1), fetches.Load())

	time.Sleep(1100 * time.Millisecond)
	resp, img = call(t, http.MethodGet, base+signed, "", "", "If-None-Match", red)
	require.Equal(t, http.StatusOK, resp.StatusCode, "past the window: fetched again, and the photo changed")
	require.Equal(t, "#0000FF", pixel(t, img, 20, 20))
	blue := resp.Header.Get("ETag")
	require.NotEqual(t, red, blue)
	require.Equal(t, int32(2), fetches.Load())

	time.Sleep(1100 * time.Millisecond)
	resp, _ = call(t, http.MethodGet, base+signed, "", "", "If-None-Match", blue)
	require.Equal(t, http.StatusNotModified, resp.StatusCode, "fetched again, the same bytes: the same ETag")
	require.Equal(t, blue, resp.Header.Get("ETag"))
	require.Equal(t, int32(3), fetches.Load())
}

// A PDF is served from the shared cache like an image: a template's
// signed image.pdf and a template generate request with output_format pdf
// rendered by one API process are hits (tier shared) in a second one,
// whose own LRU has never seen them, with the same bytes.
func TestPDFFromTheSharedCacheInASecondProcess(t *testing.T) {
	redistest.Client(t, 1) // database 1: no other package's tests use it
	a, b := startTemplateMain(t, 1), startTemplateMain(t, 1)
	tpl := a + "/image-generation/v1/templates/card-pdf"
	call(t, http.MethodDelete, tpl, e2eKey, "") // left by an earlier run
	resp, body := call(t, http.MethodPut, tpl, e2eKey, cardTemplate)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)

	signed, err := imageurl.Sign(e2eKey, "card-pdf", "pdf", imageurl.Options{Version: 1}, []string{"title.text=Paper"})
	require.NoError(t, err)
	first, doc := call(t, http.MethodGet, a+signed, "", "")
	require.Equal(t, http.StatusOK, first.StatusCode, "%s", doc)
	require.Equal(t, "application/pdf", first.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(doc, []byte("%PDF-")), "a PDF document")
	require.Equal(t, "strata; fwd=miss", first.Header.Get("Cache-Status"))
	second, again := call(t, http.MethodGet, b+signed, "", "")
	require.Equal(t, http.StatusOK, second.StatusCode)
	require.Equal(t, "strata; hit", second.Header.Get("Cache-Status"), "from the shared store, not rendered again")
	require.Equal(t, doc, again)
	require.Equal(t, first.Header.Get("ETag"), second.Header.Get("ETag"))

	gen := `{"modifications":[{"name":"title","text":"Generated"}],"output_format":"pdf"}`
	r1, out1 := call(t, http.MethodPost, tpl+"/generate", e2eKey, gen)
	require.Equal(t, http.StatusOK, r1.StatusCode, "%s", out1)
	require.Equal(t, "strata; fwd=miss", r1.Header.Get("Cache-Status"))
	r2, out2 := call(t, http.MethodPost, b+"/image-generation/v1/templates/card-pdf/generate", e2eKey, gen)
	require.Equal(t, http.StatusOK, r2.StatusCode, "%s", out2)
	require.Equal(t, "strata; hit", r2.Header.Get("Cache-Status"))
	require.JSONEq(t, string(out1), string(out2))
	require.Contains(t, string(out2), `"mime_type":"application/pdf"`)

	require.Equal(t, 2, metric(t, "strata_render_cache_misses_total", a, b), "two renders: one per distinct request")
	require.Equal(t, 2, metric(t, `strata_render_cache_hits_total\{tier="shared"\}`, b))
}
