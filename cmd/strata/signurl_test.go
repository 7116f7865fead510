package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/imageurl"
)

func TestSignURL(t *testing.T) {
	const key = "sk_cli_0123456789abcdef"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"sign-url", "--key", key, "--template", "og", "--version", "3", "--expires", "1h",
		"--format", "webp", "title.text=Hello world", "badge.hex_color=#DC2626"}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	path, query, ok := strings.Cut(strings.TrimSpace(stdout.String()), "?")
	require.True(t, ok)
	require.Equal(t, "/image-generation/v1/templates/og/image.webp", path)
	got, err := imageurl.Verify(path, query, func(id string) (string, bool) { return key, id == core.KeyID(key) }, time.Now())
	require.NoError(t, err)
	require.Equal(t, 3, got.Version)
	require.WithinDuration(t, time.Now().Add(time.Hour), got.Expires, 5*time.Second)
	require.Equal(t, "Hello world", got.Modifications[0].Fields[0].Value)

	for _, args := range [][]string{
		{"sign-url", "--template", "og"},
		{"sign-url", "--key", key, "--template", "../og"},
		{"sign-url", "--key", key, "--template", "og", "title"},
		{"sign-url", "--key", key, "--template", "og", "--format", "bmp"},
	} {
		stderr.Reset()
		require.Equal(t, 2, run(context.Background(), args, nil, &stdout, &stderr), "%v", args)
		require.NotEmpty(t, stderr.String())
	}
}
