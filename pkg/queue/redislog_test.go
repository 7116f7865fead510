package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedisLogIsJSON(t *testing.T) {
	var buf bytes.Buffer
	redisLog{slog.New(slog.NewJSONHandler(&buf, nil))}.Printf(context.Background(), "redis: connection pool: %s\n", "retrying")
	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec), buf.String())
	require.Equal(t, "redis: connection pool: retrying", rec["msg"])
	require.Equal(t, "redis", rec["component"])
	require.Equal(t, "WARN", rec["level"])
}
