package webhook

import (
	"encoding/json"

	"github.com/strata-render/strata/pkg/warning"
)

// APIName is the "api" field of every payload (spec/API.md §6).
const APIName = "image_generation"

// SuccessPayload is the body delivered when a render succeeded.
type SuccessPayload struct {
	Success bool      `json:"success"`
	API     string    `json:"api"`
	JobID   string    `json:"job_id"`
	Data    ImageData `json:"data"`
}

// ImageData is the rendered image. Buffer holds the raw encoded image;
// encoding/json writes it as standard base64, as the sync API does.
type ImageData struct {
	Buffer   []byte `json:"buffer,omitempty"`
	MimeType string `json:"mime_type"`
	// Storage describes the object a result was put in (the request's
	// storage destination); the buffer is then left out unless asked for.
	Storage json.RawMessage `json:"storage,omitempty"`
	// Warnings is the render report, [] when nothing went wrong (as in
	// the sync envelope).
	Warnings []warning.Warning `json:"warnings"`
}

// FailurePayload is the body delivered when a render failed.
type FailurePayload struct {
	Success bool         `json:"success"`
	API     string       `json:"api"`
	JobID   string       `json:"job_id"`
	Error   ErrorMessage `json:"error"`
}

// ErrorMessage carries the public error sentence of a failed render.
type ErrorMessage struct {
	Message string `json:"message"`
}

// SuccessBody marshals the success payload of jobID with its render
// report (nil: none).
func SuccessBody(jobID string, image []byte, mimeType string, report []warning.Warning) ([]byte, error) {
	return json.Marshal(SuccessPayload{
		Success: true, API: APIName, JobID: jobID,
		Data: ImageData{Buffer: image, MimeType: mimeType, Warnings: warning.OrEmpty(report)},
	})
}

// StoredBody marshals the success payload of jobID for a result put in
// object storage: stored is the object (storage.Object as JSON); image is
// nil unless the request kept the buffer; report is the render report.
func StoredBody(jobID string, image []byte, mimeType string, stored json.RawMessage, report []warning.Warning) ([]byte, error) {
	return json.Marshal(SuccessPayload{
		Success: true, API: APIName, JobID: jobID,
		Data: ImageData{Buffer: image, MimeType: mimeType, Storage: stored, Warnings: warning.OrEmpty(report)},
	})
}

// FailureBody marshals the failure payload of jobID with a public message.
func FailureBody(jobID, message string) ([]byte, error) {
	return json.Marshal(FailurePayload{
		Success: false, API: APIName, JobID: jobID,
		Error: ErrorMessage{Message: message},
	})
}
