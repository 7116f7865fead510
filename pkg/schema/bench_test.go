package schema

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// BenchmarkDecodeLargeImage decodes a request carrying a 2.7 MB image as
// base64 (3.6 MB of JSON, the size of the peers benchmark's product
// design): parsing, validation and the base64 decode.
func BenchmarkDecodeLargeImage(b *testing.B) {
	img := make([]byte, 2_700_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = byte(rng.Uint32())
	}
	body := []byte(withLayer(`{"index":0,"type":"image","buffer":"` + base64.StdEncoding.EncodeToString(img) + `"}`))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Decode(body, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCard decodes a small social-card request (three layers,
// about 700 bytes): the parse and validation every request pays.
func BenchmarkDecodeCard(b *testing.B) {
	body := []byte(`{"dimensions":{"width":1200,"height":630},"output_format":"png","layers":[` +
		`{"index":0,"type":"solid-color","hex_color":"#0F172A"},` +
		`{"index":1,"type":"text","text":"Ship faster with Strata: images from JSON in milliseconds","font_name":"Inter","font_weight":"bold","font_size_in_px":48,"text_color":"#F8FAFC","position":{"x":80,"y":120},"dimensions":{"width":1040,"height":200},"is_splitting_lines":true},` +
		`{"index":2,"type":"text","text":"Self-hosted, fast, exact.","font_name":"Inter","font_size_in_px":24,"text_color":"#94A3B8","position":{"x":80,"y":360},"dimensions":{"width":1040,"height":60}}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
