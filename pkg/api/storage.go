package api

import (
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/warning"
)

// storedBody is the sync answer when the request named a storage
// destination: the stored object (with its presigned URL) instead of the
// base64 image, which is kept only when the request asked for it. JobID
// is the id that filled the key template's {job_id}.
type storedBody struct {
	Success bool       `json:"success"`
	JobID   string     `json:"job_id"`
	Data    storedData `json:"data"`
}

type storedData struct {
	Buffer   string          `json:"buffer,omitempty"`
	MimeType string          `json:"mime_type"`
	Storage  *storage.Object `json:"storage"`
	// Warnings is the render report ([] when none), as in imageData.
	Warnings []warning.Warning `json:"warnings"`
}

// store uploads a sync render's result to its destination and answers
// with the object. A failed upload is a 422 saying why.
func (s *Server) store(c echo.Context, d *schema.Storage, res core.Result) error {
	id := core.NewJobID()
	obj, err := s.storage.Put(c.Request().Context(), c.Get(ctxKeyID).(string), d, res.Data, res.MimeType, id)
	if err != nil {
		return err
	}
	body := storedBody{Success: true, JobID: id, Data: storedData{MimeType: res.MimeType, Storage: obj, Warnings: warning.OrEmpty(res.Warnings)}}
	if d.ReturnBuffer {
		body.Data.Buffer = base64.StdEncoding.EncodeToString(res.Data)
	}
	return c.JSON(http.StatusOK, body)
}
