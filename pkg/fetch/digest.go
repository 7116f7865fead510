package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"
)

// Digests records the SHA-256 of every body Get fetched under a context
// made by Record: what a render's pixels depend on besides its request,
// for the ETags and render cache entries of docs/TEMPLATES.md. It is safe
// for concurrent use.
type Digests struct {
	mu   sync.Mutex
	sums map[string]string // URL → hex SHA-256 of its body
}

type digestsKey struct{}

// Record returns a context under which every successful Get adds the
// digest of what it fetched to the returned Digests.
func Record(ctx context.Context) (context.Context, *Digests) {
	d := &Digests{sums: map[string]string{}}
	return context.WithValue(ctx, digestsKey{}, d), d
}

func (d *Digests) add(url string, body []byte) {
	sum := sha256.Sum256(body)
	d.mu.Lock()
	d.sums[url] = hex.EncodeToString(sum[:])
	d.mu.Unlock()
}

// Sum is one digest of every URL fetched and its body's digest, "" when
// nothing was fetched. The same fetched bytes give the same Sum whatever
// the order of the fetches.
func (d *Digests) Sum() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.sums) == 0 {
		return ""
	}
	urls := make([]string, 0, len(d.sums))
	for u := range d.sums {
		urls = append(urls, u)
	}
	slices.Sort(urls)
	h := sha256.New()
	for _, u := range urls {
		h.Write([]byte(u + "\x00" + d.sums[u] + "\n"))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
