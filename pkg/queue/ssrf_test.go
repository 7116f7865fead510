package queue

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Webhook URLs that resolve to loopback, private or metadata addresses are
// never called when private networks are off (the production default): the
// job ends failed with a reason the client can read, and the receiver sees
// nothing.
func TestWebhookSSRF(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{blockPrivate: true})
	port := s.recv.URL()[strings.LastIndex(s.recv.URL(), ":")+1:]
	for _, url := range []string{
		s.recv.URL(),
		"https://localhost:" + port,
		"https://[::1]:" + port,
		"https://[::ffff:127.0.0.1]:" + port,
		"https://10.0.0.1/hook",
		"https://169.254.169.254/latest/meta-data/",
	} {
		t.Run(url, func(t *testing.T) {
			id := s.submit(t, keyA, card(url))
			job := s.waitStatus(t, keyA, id, StatusFailed, 20*time.Second)
			require.Contains(t, job["last_error"], "not allowed")
		})
	}
	require.Empty(t, s.recv.deliveries(), "no delivery may reach a private address")
}
