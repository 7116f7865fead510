package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPI is the OpenAPI 3.1 document of the whole API, served at
// GET /openapi.json. openapi_test.go validates real requests and responses
// against it, so it cannot drift from the code.
//
//go:embed openapi.json
var OpenAPI []byte

// openAPI serves the document; it needs no API key.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPI)
}
