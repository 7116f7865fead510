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
