package queue

import (
	"encoding/json"

	"github.com/strata-render/strata/pkg/warning"
	"github.com/strata-render/strata/pkg/webhook"
)

// result is what a finished render hands to its webhook: the image (or
// the object storage put it in, and the image only when the request keeps
// the buffer) with the render report, or the public message of a render
// that failed for good. The render task makes the first delivery attempt
// from it in memory; only when a delivery task takes over is it stored,
// as the result hash (fields), and read back (resultFrom).
type result struct {
	mime, errMsg string
	failed       bool
	data         []byte
	// stored is the storage.Object (JSON) when the result went to object
	// storage; warnings the render report (JSON), nil when it is empty.
	stored, warnings []byte
}

// failedResult is the result of a render that failed for good with the
// public message msg.
func failedResult(msg string) *result { return &result{errMsg: msg, failed: true} }

// fields are r's result hash fields and values.
func (r *result) fields() []any {
	if r.failed {
		return []any{fError, r.errMsg}
	}
	f := []any{fMime, r.mime}
	if r.stored != nil {
		f = append(f, fStored, r.stored)
	}
	if r.data != nil {
		f = append(f, fData, r.data)
	}
	if r.warnings != nil {
		f = append(f, fWarnings, r.warnings)
	}
	return f
}

// resultFrom reads a stored result hash; nil when there is none (it
// expired).
func resultFrom(m map[string]string) *result {
	if len(m) == 0 {
		return nil
	}
	if msg, failed := m[fError]; failed {
		return failedResult(msg)
	}
	r := &result{mime: m[fMime]}
	if d, ok := m[fData]; ok {
		r.data = []byte(d)
	}
	if s, ok := m[fStored]; ok {
		r.stored = []byte(s)
	}
	if js, ok := m[fWarnings]; ok && js != "" {
		r.warnings = []byte(js)
	}
	return r
}

// webhookBody is the §6 payload of job id's result.
func (r *result) webhookBody(id string) ([]byte, error) {
	if r.failed {
		return webhook.FailureBody(id, r.errMsg)
	}
	var report []warning.Warning
	if r.warnings != nil {
		_ = json.Unmarshal(r.warnings, &report) // written by resultFields; a bad one delivers no report
	}
	if r.stored != nil {
		return webhook.StoredBody(id, r.data, r.mime, json.RawMessage(r.stored), report)
	}
	return webhook.SuccessBody(id, r.data, r.mime, report)
}
