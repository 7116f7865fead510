package queue

import (
	"context"
	"encoding/json"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// resultOf is the result of a rendered job: the
// image, or, when the request names a storage destination, the object put
// there (and the image only if the request keeps the buffer). The upload
// is retried inside Put; a failed upload is handled like a failed render
// of its kind, with Put's message: a refusal fails the job, an
// unavailable server retries it. keyID picks the credentials. The render
// report, when there is one, is kept beside them.
func (w *Worker) resultOf(ctx context.Context, id, keyID string, req *schema.Request, res core.Result) (*result, error) {
	r := &result{mime: res.MimeType, data: res.Data}
	if r.data == nil {
		r.data = []byte{}
	}
	if len(res.Warnings) > 0 {
		r.warnings, _ = json.Marshal(res.Warnings) // strings only: cannot fail
	}
	if req.Storage == nil {
		return r, nil
	}
	obj, err := w.o.Storage.Put(ctx, keyID, req.Storage, res.Data, res.MimeType, id)
	if err != nil {
		return nil, err
	}
	if r.stored, err = json.Marshal(obj); err != nil {
		return nil, failure.Wrap(failure.Internal, err, "encoding the stored object of %s", id)
	}
	if !req.Storage.ReturnBuffer {
		r.data = nil
	}
	return r, nil
}
