package core_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// deps lists the packages pkg (an import path pattern) links, tests left
// out.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	require.NoError(t, err, "go list -deps %s", pkg)
	return strings.Fields(string(out))
}

// The layering docs/ARCHITECTURE.md states: the queue and the worker
// binary never link the HTTP API (nor Echo, nor the rate limiter), and
// core depends on nothing of Strata's but the request, error and warning
// vocabularies.
func TestLayering(t *testing.T) {
	t.Parallel()
	const mod = "github.com/strata-render/strata/"
	for _, pkg := range []string{mod + "pkg/queue", mod + "cmd/worker", mod + "pkg/webhook"} {
		for _, d := range deps(t, pkg) {
			require.NotEqual(t, mod+"pkg/api", d, "%s must not import pkg/api", pkg)
			require.NotEqual(t, mod+"pkg/ratelimit", d, "%s must not import pkg/ratelimit", pkg)
			require.False(t, strings.HasPrefix(d, "github.com/labstack/echo"), "%s must not link Echo (%s)", pkg, d)
		}
	}
	allowed := map[string]bool{mod + "pkg/core": true, mod + "pkg/failure": true, mod + "pkg/schema": true, mod + "pkg/warning": true}
	for _, d := range deps(t, mod+"pkg/core") {
		if strings.HasPrefix(d, mod) {
			require.True(t, allowed[d], "pkg/core must not import %s", d)
		}
	}
}
