package webhook

import "encoding/json"

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
	Buffer   []byte `json:"buffer"`
	MimeType string `json:"mime_type"`
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

// SuccessBody marshals the success payload of jobID.
func SuccessBody(jobID string, image []byte, mimeType string) ([]byte, error) {
	return json.Marshal(SuccessPayload{
		Success: true, API: APIName, JobID: jobID,
		Data: ImageData{Buffer: image, MimeType: mimeType},
	})
}

// FailureBody marshals the failure payload of jobID with a public message.
func FailureBody(jobID, message string) ([]byte, error) {
	return json.Marshal(FailurePayload{
		Success: false, API: APIName, JobID: jobID,
		Error: ErrorMessage{Message: message},
	})
}
