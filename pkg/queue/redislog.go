package queue

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// LogRedisTo sends go-redis's own log lines (pool and reconnection
// notices, which it otherwise prints as plain text to stderr) to l as
// warnings with component "redis", so the process's stderr stays JSON
// lines. It sets go-redis's process-wide logger.
func LogRedisTo(l *slog.Logger) { redis.SetLogger(redisLog{l}) }

// redisLog adapts slog to go-redis's logging interface.
type redisLog struct{ l *slog.Logger }

// Printf logs one go-redis line.
func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "redis")
}
