package api

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
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
}

// store uploads a sync render's result to its destination and answers
// with the object. A failed upload is a 422 saying why.
func (s *Server) store(c echo.Context, d *schema.Storage, res core.Result) error {
	id := syncJobID()
	obj, err := s.storage.Put(c.Request().Context(), c.Get(ctxKeyID).(string), d, res.Data, res.MimeType, id)
	if err != nil {
		return err
	}
	body := storedBody{Success: true, JobID: id, Data: storedData{MimeType: res.MimeType, Storage: obj}}
	if d.ReturnBuffer {
		body.Data.Buffer = base64.StdEncoding.EncodeToString(res.Data)
	}
	return c.JSON(http.StatusOK, body)
}

// syncJobID is a fresh id in the queue's job id format, for the {job_id}
// of a sync render (which has no job of its own).
func syncJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "job_" + hex.EncodeToString(b[:])
}
