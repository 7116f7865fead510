package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPI is the OpenAPI 3.1 document of the whole API, served at
// GET /openapi.json. openapi_test.go validates real requests and responses
// against it, so it cannot drift from the code. It uses OpenAPI 3.1 (JSON
// Schema 2020-12: const, if/then, unevaluatedProperties), which
// kin-openapi v0.153 validates in full. Edit the JSON by hand; keep
// decoder and document in step (TestOpenAPIAgreesWithDecoder).
//
//go:embed openapi.json
var OpenAPI []byte

// openAPI serves the document; it needs no API key.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPI)
}
