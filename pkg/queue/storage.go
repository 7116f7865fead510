package queue

import (
	"context"
	"encoding/json"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// resultFields are the result record's fields of a rendered job: the
// image, or, when the request names a storage destination, the object put
// there (and the image only if the request keeps the buffer). The upload
// is retried inside Put; a failed upload is handled like a failed render
// of its kind, with Put's message: a refusal fails the job, an
// unavailable server retries it. keyID picks the credentials. The render
// report, when there is one, is kept beside them.
func (w *Worker) resultFields(ctx context.Context, id, keyID string, req *schema.Request, res core.Result) ([]any, error) {
	data, mime := res.Data, res.MimeType
	var report []any
	if len(res.Warnings) > 0 {
		js, _ := json.Marshal(res.Warnings) // strings only: cannot fail
		report = []any{fWarnings, js}
	}
	if req.Storage == nil {
		return append([]any{fMime, mime, fData, data}, report...), nil
	}
	obj, err := w.o.Storage.Put(ctx, keyID, req.Storage, data, mime, id)
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, failure.Wrap(failure.Internal, err, "encoding the stored object of %s", id)
	}
	fields := append([]any{fMime, mime, fStored, js}, report...)
	if req.Storage.ReturnBuffer {
		fields = append(fields, fData, data)
	}
	return fields, nil
}
