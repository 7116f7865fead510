#!/usr/bin/env bash
# `make run`: start Redis when none answers, then the API and one worker in
# the foreground. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .run

# A development key and webhook secret, generated once and kept in .run/.
if [ -z "${STRATA_API_KEYS:-}" ]; then
  [ -s .run/dev-api-key ] || echo "sk_dev_$(openssl rand -hex 16)" > .run/dev-api-key
  export STRATA_API_KEYS=$(cat .run/dev-api-key)
fi
if [ -z "${STRATA_WEBHOOK_SECRET:-}" ]; then
  [ -s .run/dev-webhook-secret ] || echo "whsec_$(openssl rand -base64 32)" > .run/dev-webhook-secret
  export STRATA_WEBHOOK_SECRET=$(cat .run/dev-webhook-secret)
fi
export STRATA_REDIS_URL=${STRATA_REDIS_URL:-redis://127.0.0.1:6379/0}
export STRATA_LISTEN_ADDR=${STRATA_LISTEN_ADDR:-127.0.0.1:8080}
# Local development may fetch images from and deliver webhooks to localhost.
export STRATA_ALLOW_PRIVATE_NETWORKS=${STRATA_ALLOW_PRIVATE_NETWORKS:-true}

redis_port=$(sed -E 's#^redis://([^@]*@)?[^:/]+:?([0-9]*).*#\2#' <<<"$STRATA_REDIS_URL")
bash scripts/ensure-redis.sh "${redis_port:-6379}" >/dev/null
# The render cache gets its own Redis with an LRU policy: the queue's runs
# noeviction and must never fill up with images (docs/TEMPLATES.md).
export STRATA_CACHE_REDIS_URL=${STRATA_CACHE_REDIS_URL:-redis://127.0.0.1:6380/0}
cache_port=$(sed -E 's#^redis://([^@]*@)?[^:/]+:?([0-9]*).*#\2#' <<<"$STRATA_CACHE_REDIS_URL")
started_cache=false
[ -e ".run/redis-${cache_port:-6380}/redis.pid" ] || started_cache=true
bash scripts/ensure-redis.sh "${cache_port:-6380}" >/dev/null
if $started_cache && [ -e ".run/redis-${cache_port:-6380}/redis.pid" ]; then
  redis-cli -p "${cache_port:-6380}" config set maxmemory 256mb >/dev/null
  redis-cli -p "${cache_port:-6380}" config set maxmemory-policy allkeys-lru >/dev/null
  redis-cli -p "${cache_port:-6380}" config set appendonly no >/dev/null
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/ensure-redis.sh stop "${redis_port:-6379}" >/dev/null 2>&1 || true
  bash scripts/ensure-redis.sh stop "${cache_port:-6380}" >/dev/null 2>&1 || true
}
trap cleanup INT TERM EXIT

bin/strata-api & pids+=($!)
bin/strata-worker & pids+=($!)

url="http://${STRATA_LISTEN_ADDR/#:/localhost:}"
for _ in $(seq 1 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
key=${STRATA_API_KEYS%%,*}; key=${key%%:*}
cat <<MSG

Strata is running at $url
API key: $key

Try it:
curl -s $url/image-generation/v1/generate \\
  -H "Authorization: Bearer $key" -H "Content-Type: application/json" \\
  -d '{"dimensions":{"width":800,"height":418},"layers":[{"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":45,"colors":[{"hex_color":"#0F172A","position":0},{"hex_color":"#3B82F6","position":100}],"position":{"x":0,"y":0},"dimensions":{"width":800,"height":418}},{"index":1,"type":"solid-color","hex_color":"#FFFFFF33","position":{"x":60,"y":60},"dimensions":{"width":680,"height":298},"border_radius":24}]}' \\
  | sed -E 's/.*"buffer":"([^"]*)".*/\1/' | base64 -d > out.png && echo "wrote out.png"

Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
