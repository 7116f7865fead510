package imageurl

import (
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
)

const (
	keyA = "sk_test_aaaaaaaaaaaaaaaa"
	keyB = "sk_test_bbbbbbbbbbbbbbbb"
)

var now = time.Unix(1_800_000_000, 0)

func keys(id string) (string, bool) {
	for _, k := range []string{keyA, keyB} {
		if core.KeyID(k) == id {
			return k, true
		}
	}
	return "", false
}

func verify(t *testing.T, signed string) (*Signed, error) {
	t.Helper()
	path, q, _ := strings.Cut(signed, "?")
	return Verify(path, q, keys, now)
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	u, err := Sign(keyA, "og-card", "png", Options{Version: 3, Expires: now.Add(time.Hour)},
		[]string{"title.text=Hello & bye", "badge.opacity=50", "avatar.file={\"type\":\"url\",\"url\":\"https://e.com/a.png\"}", "title.text_color=#DC2626", "my.layer.hide=true"})
	require.NoError(t, err)
	got, err := verify(t, u)
	require.NoError(t, err)
	require.Equal(t, core.KeyID(keyA), got.KeyID)
	require.Equal(t, 3, got.Version)
	require.Len(t, got.Modifications, 4)
	require.Equal(t, "title", got.Modifications[0].Name)
	require.Equal(t, "Hello & bye", got.Modifications[0].Fields[0].Value)
	require.Equal(t, "text_color", got.Modifications[0].Fields[1].Name)
	require.Equal(t, "50", got.Modifications[1].Fields[0].Value.(interface{ String() string }).String())
	require.Equal(t, map[string]any{"type": "url", "url": "https://e.com/a.png"}, got.Modifications[2].Fields[0].Value)
	require.Equal(t, "my.layer", got.Modifications[3].Name, "names may hold dots: the field is after the last")
	require.Equal(t, true, got.Modifications[3].Fields[0].Value)
	require.Equal(t, `query["title.text"]`, got.Modifications[0].Fields[0].Path)
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	good, err := Sign(keyA, "og-card", "png", Options{Version: 1}, []string{"title.text=Hello", "badge.hex_color=#000"})
	require.NoError(t, err)
	path, q, _ := strings.Cut(good, "?")
	body, sig, _ := strings.Cut(q, "&sig=")
	expired, err := Sign(keyA, "og-card", "png", Options{Expires: now.Add(-time.Second)}, []string{"title.text=x"})
	require.NoError(t, err)
	otherKey, err := Sign(keyB, "og-card", "png", Options{Version: 1}, []string{"title.text=Hello", "badge.hex_color=#000"})
	require.NoError(t, err)
	_, otherSig, _ := strings.Cut(otherKey, "&sig=")
	ePath, eQuery, _ := strings.Cut(expired, "?")
	cases := []struct {
		name, path, query string
		kind              failure.Kind
	}{
		{"tampered value", path, strings.Replace(body, "Hello", "Hellp", 1) + "&sig=" + sig, failure.Forbidden},
		{"extra parameter", path, body + "&title.opacity=1&sig=" + sig, failure.Forbidden},
		{"parameter after the signature", path, q + "&title.opacity=1", failure.Forbidden},
		{"reordered", path, "key=" + core.KeyID(keyA) + "&title.text=Hello&v=1&badge.hex_color=%23000&sig=" + sig, failure.Forbidden},
		{"dropped parameter", path, strings.Replace(body, "&v=1", "", 1) + "&sig=" + sig, failure.Forbidden},
		{"other template", strings.Replace(path, "og-card", "og-card2", 1), q, failure.Forbidden},
		{"other format", strings.Replace(path, ".png", ".webp", 1), q, failure.Forbidden},
		{"missing signature", path, body, failure.Unauthorized},
		{"empty signature", path, body + "&sig=", failure.Forbidden},
		{"other key's signature", path, body + "&sig=" + otherSig, failure.Forbidden},
		{"unknown key id", path, strings.Replace(body, core.KeyID(keyA), "key_000000000000", 1) + "&sig=" + sig, failure.Forbidden},
		{"expired", ePath, eQuery, failure.Forbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(tc.path, tc.query, keys, now)
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, tc.kind, fe.Kind, "%v", err)
			// The reason never says which part was wrong.
			require.NotContains(t, fe.Message, "Hello")
			require.NotContains(t, fe.Message, sig)
		})
	}
	// The expiry is checked only once the signature holds.
	_, err = Verify(ePath, strings.Replace(eQuery, "title.text=x", "title.text=y", 1), keys, now)
	require.Equal(t, errMismatch, err)
	// A duplicate parameter, signed, is still refused: one reading only.
	dup := "key=" + core.KeyID(keyA) + "&title.text=a&title.text=b"
	_, err = Verify(path, dup+"&sig="+Signature(keyA, path, dup), keys, now)
	require.Equal(t, failure.Invalid, failure.KindOf(err))
}

// TestOtherLanguagesSign runs the JavaScript and Python examples of
// docs/TEMPLATES.md and verifies their URLs.
func TestOtherLanguagesSign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, bin, script string }{
		{"javascript", "node", "testdata/sign.js"},
		{"python", "python3", "testdata/sign.py"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := exec.LookPath(tc.bin); err != nil {
				t.Skipf("%s not installed", tc.bin)
			}
			out, err := exec.Command(tc.bin, tc.script, keyA, core.KeyID(keyA)).Output()
			require.NoError(t, err)
			signed := strings.TrimSpace(string(out))
			got, err := verify(t, signed)
			require.NoError(t, err, signed)
			require.Equal(t, 2, got.Version)
			require.Equal(t, "Héllo & welcome", got.Modifications[0].Fields[0].Value)
			_, q, _ := strings.Cut(signed, "?")
			_, err = url.ParseQuery(q)
			require.NoError(t, err)
		})
	}
}

// FuzzVerify: no query crashes the parser, and only a correctly signed
// one passes.
func FuzzVerify(f *testing.F) {
	good, _ := Sign(keyA, "og-card", "png", Options{Version: 1}, []string{"title.text=Hi", "a.b.opacity=5"})
	_, q, _ := strings.Cut(good, "?")
	f.Add(q)
	f.Add("key=" + core.KeyID(keyA) + "&sig=")
	f.Add("sig=&sig=&%zz=1")
	f.Add("key=" + core.KeyID(keyA) + "&x.=1&.y=2&v=-1&exp=zz&sig=abc")
	path := Path("og-card", "png")
	f.Fuzz(func(t *testing.T, query string) {
		s, err := Verify(path, query, keys, now)
		if err != nil {
			require.NotEqual(t, failure.Internal, failure.KindOf(err))
			return
		}
		// Accepted: its signature must be the real one for its key.
		i := strings.LastIndex(query, "sig=")
		apiKey, _ := keys(s.KeyID)
		require.Equal(t, Signature(apiKey, path, strings.TrimSuffix(query[:i], "&")), query[i+4:])
	})
}
