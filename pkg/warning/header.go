package warning

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// HeaderName is the response header that carries the warnings of an image
// response (a response whose body is the image itself, not the JSON
// envelope): a JSON array of Warning objects, ASCII only.
const HeaderName = "Strata-Warnings"

// CountHeaderName carries how many warnings the render had, also when not
// all of them fit HeaderName.
const CountHeaderName = "Strata-Warnings-Count"

// MaxHeaderBytes bounds HeaderName's value: proxies commonly refuse header
// blocks over 8 KB, and the image must still arrive.
const MaxHeaderBytes = 4096

// SetHeader writes ws to h as HeaderName (as many whole warnings, from the
// first, as fit MaxHeaderBytes) and CountHeaderName (len(ws)). With no
// warnings it sets nothing, so a clean render's headers are unchanged.
func SetHeader(h http.Header, ws []Warning) {
	if len(ws) == 0 {
		return
	}
	h.Set(CountHeaderName, strconv.Itoa(len(ws)))
	var b strings.Builder
	b.WriteByte('[')
	for _, w := range ws {
		item := asciiJSON(w)
		sep := 0
		if b.Len() > 1 {
			sep = 1
		}
		if b.Len()+sep+len(item)+1 > MaxHeaderBytes {
			break
		}
		if sep == 1 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteByte(']')
	h.Set(HeaderName, b.String())
}

// asciiJSON encodes w as JSON with every non-ASCII character escaped as
// \uXXXX (a header value must be ASCII without control characters; JSON
// already escapes the controls).
func asciiJSON(w Warning) string {
	raw, _ := json.Marshal(w) // strings only: cannot fail
	var b strings.Builder
	for _, r := range string(raw) {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			writeU(&b, r1)
			writeU(&b, r2)
			continue
		}
		writeU(&b, r)
	}
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	const hex = "0123456789abcdef"
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hex[(r>>shift)&0xf])
	}
}
