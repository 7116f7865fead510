// Package chromiumtest starts the real headless Chromium that the browser
// tests drive through chromedp (the fidelity suite and the playground's
// tests): Debian's /usr/bin/chromium, which scripts/setup.sh installs, or
// STRATA_CHROMIUM. Each browser has a fresh profile, no background network
// traffic, and is stopped at the test's cleanup.
package chromiumtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is the Chromium binary the tests run.
func Path() string {
	if p := os.Getenv("STRATA_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// Browser starts headless Chromium with the given extra options (window
// size, colour profile…) and returns a chromedp context on its first tab
// that ends after timeout, and the function that stops the browser (also
// called at the test's cleanup; a test starting one browser per case calls
// it when the case is done). It fails the test when Chromium is missing.
func Browser(t testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) (context.Context, func()) {
	t.Helper()
	if _, err := os.Stat(Path()); err != nil {
		t.Fatalf("Chromium is missing (%v): run scripts/setup.sh (apt-get install chromium) or set STRATA_CHROMIUM", err)
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	stop := func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
	t.Cleanup(stop)
	return ctx, stop
}
