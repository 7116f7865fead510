package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/redistest"
)

// A host whose libvips cannot find its modules (here VIPSHOME points
// nowhere, which on Debian's libvips 8.14 drops the HEIF module) must not
// start: the API process exits 1 at once with a log line naming the
// missing operations and the VIPSHOME hint, instead of serving and
// answering every AVIF request with a 500. The process is this test
// binary running main() as a child.
func TestStartFailsWithoutVipsModules(t *testing.T) {
	if os.Getenv("STRATA_API_CHILD") == "1" {
		main()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestStartFailsWithoutVipsModules$")
	cmd.Env = append(os.Environ(), "STRATA_API_CHILD=1", "VIPSHOME=/nonexistent",
		"STRATA_API_KEYS="+e2eKey, "STRATA_LISTEN_ADDR=127.0.0.1:0",
		"STRATA_ASSETS_DIR="+assets.Dir(), "STRATA_REDIS_URL="+redistest.URL())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the API must not start (err %v): %s", err, stderr.String())
	require.Equal(t, 1, exit.ExitCode(), stderr.String())
	var line struct{ Msg, Error string }
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "start failed" {
			break
		}
	}
	require.Equal(t, "start failed", line.Msg, stderr.String())
	require.Contains(t, line.Error, "heifsave_buffer (AVIF output)")
	require.Contains(t, line.Error, "heifload_buffer (AVIF/HEIF image layers)")
	require.Contains(t, line.Error, `VIPSHOME="/nonexistent" sets that directory: unset VIPSHOME`)
}
