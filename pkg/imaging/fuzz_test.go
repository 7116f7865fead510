package imaging

import (
	"bytes"
	"context"
	"testing"

	"github.com/strata-render/strata/pkg/failure"
)

// FuzzLoad feeds arbitrary bytes to the loader: it never panics or hangs,
// and every refusal is a client error naming the layer. Seeds: one small
// file per format and the bomb corpus, in testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(iconSVG))
	f.Add([]byte("GIF89a"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	l := NewLoader(Options{MaxPixels: 1 << 20, MaxBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, smart := range []bool{false, true} {
			img := base64Image(data)
			img.SmartCrop = smart
			out, err := l.Load(context.Background(), "layers[0]", img, 16, 12)
			if err != nil {
				fe := failure.As(err)
				if fe.Kind != failure.Unprocessable && fe.Kind != failure.TooLarge {
					t.Fatalf("kind %v for %v", fe.Kind, err)
				}
				continue
			}
			if out.Rect.Dx() != 16 || out.Rect.Dy() != 12 {
				t.Fatalf("size %v", out.Rect)
			}
		}
	})
}

// FuzzSniff feeds arbitrary bytes (an untrusted server's response) to the
// format sniffer: it must not panic and must only claim SVG for text with
// an <svg element, HEIF only for an ftyp box.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"))
	f.Add([]byte("\x00\x00\x00\x08ftyp"))
	f.Add([]byte("\xff\xff\xff\xffftypheic\x00\x00\x00\x00mif1"))
	f.Add([]byte(`<?xml version="1.0"?><!-- c --><svg/>`))
	f.Add([]byte("II*\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		switch Sniff(b) {
		case FormatSVG:
			if !bytes.Contains(bytes.ToLower(b), []byte("<svg")) {
				t.Fatalf("claimed SVG without an <svg element: %q", b)
			}
		case FormatHEIF:
			if len(b) < 16 || string(b[4:8]) != "ftyp" {
				t.Fatalf("claimed HEIF without an ftyp box: %q", b)
			}
		}
	})
}
