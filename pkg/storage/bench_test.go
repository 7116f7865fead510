package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/strata-render/strata/pkg/storage/s3test"
	"github.com/strata-render/strata/pkg/webhook"
)

// photoPNG is a w×h opaque PNG of a gradient with per-pixel noise: it
// compresses about as badly as a photograph (4000×4000 → about 20 MB).
func photoPNG(b *testing.B, w, h int) []byte {
	b.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := uint8(r.IntN(6))
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*255/w) ^ n, uint8(y*255/h) ^ n, n * 8, 255})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkPut is the upload a storage destination adds to a render: one
// Put (SHA-256, PUT or multipart upload, presign) of a PNG to the real
// SeaweedFS on loopback. It also reports the webhook body with the image
// as base64 (webhook-base64-B) and with the stored object instead
// (webhook-stored-B).
func BenchmarkPut(b *testing.B) {
	srv := s3test.Start(b)
	bucket := srv.Bucket(b)
	cfg, err := Parse(srv.Destinations("k", bucket, s3test.WriterKey, s3test.WriterSecret))
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(cfg, Options{KeyID: func(k string) string { return k }})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"1200x630", 1200, 630}, {"4000x4000", 4000, 4000}} {
		data := photoPNG(b, size.w, size.h)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			d := dest(bucket)
			var obj *Object
			for b.Loop() {
				if obj, err = s.Put(context.Background(), "k", d, data, "image/png", "job_bench"); err != nil {
					b.Fatal(err)
				}
			}
			before, _ := webhook.SuccessBody("job_bench", data, "image/png", nil)
			js, _ := json.Marshal(obj)
			after, _ := webhook.StoredBody("job_bench", nil, "image/png", js, nil)
			b.ReportMetric(float64(len(data)), "png-B")
			b.ReportMetric(float64(len(before)), "webhook-base64-B")
			b.ReportMetric(float64(len(after)), "webhook-stored-B")
		})
	}
}
