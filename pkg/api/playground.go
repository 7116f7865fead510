package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// playgroundFiles is the playground page: plain HTML, CSS and JavaScript,
// no build step and nothing fetched from a CDN, so it works offline.
//
//go:embed playground
var playgroundFiles embed.FS

// playgroundFS is the playground directory itself.
var playgroundFS, _ = fs.Sub(playgroundFiles, "playground")

// playground serves the page at / and its assets under /playground/. It
// needs no API key: the page sends the key the user typed in.
func (s *Server) playground(c echo.Context) error {
	name := c.Param("*")
	if c.Path() == "/" {
		name = "index.html"
	}
	data, err := fs.ReadFile(playgroundFS, name)
	if err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
	return c.Blob(http.StatusOK, contentType(name), data)
}

func contentType(name string) string {
	switch {
	case len(name) > 5 && name[len(name)-5:] == ".html":
		return echo.MIMETextHTMLCharsetUTF8
	case len(name) > 4 && name[len(name)-4:] == ".css":
		return "text/css; charset=utf-8"
	case len(name) > 3 && name[len(name)-3:] == ".js":
		return echo.MIMEApplicationJavaScriptCharsetUTF8
	}
	return echo.MIMEOctetStream
}
