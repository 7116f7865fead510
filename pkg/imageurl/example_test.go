package imageurl_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/imageurl"
)

// The algorithm of docs/TEMPLATES.md, written out with the standard
// library only; imageurl.Verify accepts what it makes.
func Example() {
	apiKey, keyID := "sk_live_0123456789abcdef", core.KeyID("sk_live_0123456789abcdef")
	path := "/image-generation/v1/templates/og-card/image.png"
	query := "key=" + keyID + "&v=2&title.text=" + url.QueryEscape("Hello & welcome")
	mac := hmac.New(sha256.New, []byte(apiKey))
	mac.Write([]byte("GET\n" + path + "\n" + query))
	signed := path + "?" + query + "&sig=" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	p, q, _ := strings.Cut(signed, "?")
	got, err := imageurl.Verify(p, q, func(id string) (string, bool) { return apiKey, id == keyID }, time.Now())
	fmt.Println(err, got.Version, got.Modifications[0].Fields[0].Value)
	// Output: <nil> 2 Hello & welcome
}
