package webhook

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/warning"
)

func TestPayloads(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n")
	tests := []struct {
		name string
		body func() ([]byte, error)
		want string
	}{
		{
			name: "success",
			body: func() ([]byte, error) { return SuccessBody("job_1", png, "image/png", nil) },
			want: `{"success":true,"api":"image_generation","job_id":"job_1","data":{"buffer":"` + base64.StdEncoding.EncodeToString(png) + `","mime_type":"image/png","warnings":[]}}`,
		},
		{
			name: "success with a render report",
			body: func() ([]byte, error) {
				return SuccessBody("job_5", png, "image/png", []warning.Warning{{Path: "layers[0].value", Code: warning.BarcodeCheckDigit, Message: "wrong"}})
			},
			want: `{"success":true,"api":"image_generation","job_id":"job_5","data":{"buffer":"` + base64.StdEncoding.EncodeToString(png) + `","mime_type":"image/png","warnings":[{"path":"layers[0].value","code":"barcode_check_digit","message":"wrong"}]}}`,
		},
		{
			name: "stored in object storage, no buffer",
			body: func() ([]byte, error) {
				return StoredBody("job_3", nil, "image/png", []byte(`{"bucket":"b","key":"k.png","url":"https://s3/b/k.png?X-Amz-Signature=1"}`), nil)
			},
			want: `{"success":true,"api":"image_generation","job_id":"job_3","data":{"mime_type":"image/png","storage":{"bucket":"b","key":"k.png","url":"https://s3/b/k.png?X-Amz-Signature=1"},"warnings":[]}}`,
		},
		{
			name: "stored, buffer kept",
			body: func() ([]byte, error) { return StoredBody("job_4", png, "image/png", []byte(`{"key":"k"}`), nil) },
			want: `{"success":true,"api":"image_generation","job_id":"job_4","data":{"buffer":"` + base64.StdEncoding.EncodeToString(png) + `","mime_type":"image/png","storage":{"key":"k"},"warnings":[]}}`,
		},
		{
			name: "failure",
			body: func() ([]byte, error) { return FailureBody("job_2", `layers[1].file: "quoted" <b>`) },
			want: `{"success":false,"api":"image_generation","job_id":"job_2","error":{"message":"layers[1].file: \"quoted\" \u003cb\u003e"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.body()
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(got))
		})
	}
	got, err := SuccessBody("job_1", png, "image/png", nil)
	require.NoError(t, err)
	var back SuccessPayload
	require.NoError(t, json.Unmarshal(got, &back))
	require.Equal(t, png, back.Data.Buffer)
}
