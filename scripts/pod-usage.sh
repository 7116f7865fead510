#!/usr/bin/env bash
# CPU and memory of one API and one worker process, idle and under a short
# load: the numbers deploy/helm/strata's resource requests come from
# (docs/OPERATIONS.md, "Pod resources").
#
#   scripts/pod-usage.sh        # USAGE_PORT (6322): its own Redis; USAGE_IDLE (20 s),
#                               # USAGE_LOAD (20 s) sync load, USAGE_JOBS (1000) async jobs
#
# The render cache is off (STRATA_CACHE_MAX_BYTES=0): every request renders,
# the worst case for CPU. Idle: both processes started, 5 s to settle, then CPU over USAGE_IDLE
# seconds (the worker's queue polls, the API's health of Redis) and RSS.
# API load: scripts/loadtest, 8 clients of sync renders for USAGE_LOAD.
# Worker load: USAGE_JOBS async 1200×630 social cards submitted while the
# worker is stopped (SIGSTOP), then drained at STRATA_WORKER_CONCURRENCY=2;
# the webhook points at a closed local port, so each delivery fails at once
# (its retry is scheduled far out) and the figure is the render's. CPU is
# utime+stime from /proc/<pid>/stat over the window, in cores; peak RSS is
# VmHWM. The load average is printed: quote it with the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${USAGE_PORT:-6322}
idle=${USAGE_IDLE:-20}
jobs=${USAGE_JOBS:-1000}
go build -o bin/strata-api ./cmd/api
go build -o bin/strata-worker ./cmd/worker
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; kill -CONT "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
redis-server --port "$port" --logfile /dev/null --bind 127.0.0.1 --save "" --appendonly no --loglevel warning &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" flushall >/dev/null

key="usage-$(openssl rand -hex 8)"
addr=127.0.0.1:${USAGE_API_PORT:-18122}
export STRATA_REDIS_URL=redis://127.0.0.1:$port/0 STRATA_API_KEYS=$key STRATA_RATE_LIMIT=0 \
  STRATA_LOG_LEVEL=warn STRATA_ALLOW_PRIVATE_NETWORKS=true STRATA_WEBHOOK_RETRY_SCALE=100 \
  STRATA_WEBHOOK_SECRET="whsec_$(openssl rand -base64 24)" STRATA_WORKER_METRICS_ADDR= \
  STRATA_WORKER_CONCURRENCY=2 STRATA_RENDER_CONCURRENCY=2 STRATA_CACHE_MAX_BYTES=0
STRATA_LISTEN_ADDR=$addr bin/strata-api & api=$!; pids+=($api)
STRATA_LOG_LEVEL=error bin/strata-worker & worker=$!; pids+=($worker)
for _ in $(seq 1 200); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done
kill -0 $api && kill -0 $worker

hz=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
kb() { awk -v f="$2:" '$1==f {print $2}' "/proc/$1/status"; }
report() { # name pid ticks0 t0
  local now t1; now=$(ticks "$2"); t1=$(date +%s.%N)
  awk -v n="$1" -v d="$((now - $3))" -v hz="$hz" -v t0="$4" -v t1="$t1" -v rss="$(kb "$2" VmRSS)" -v hwm="$(kb "$2" VmHWM)" \
    'BEGIN {printf "%-14s %6.3f cores over %5.1f s   RSS %4.0f MB   peak RSS %4.0f MB\n", n, d/hz/(t1-t0), t1-t0, rss/1024, hwm/1024}'
}

echo "== load average: $(uptime)"
sleep 5
a0=$(ticks $api); w0=$(ticks $worker); t0=$(date +%s.%N)
sleep "$idle"
report "api idle" $api "$a0" "$t0"
report "worker idle" $worker "$w0" "$t0"

a0=$(ticks $api); t0=$(date +%s.%N)
go run ./scripts/loadtest -url "http://$addr" -key "$key" -pid $api -c 8 -d "${USAGE_LOAD:-20}s" scripts/loadtest/testdata/*.json | grep -E "requests|rps|p50|p99|throughput" || true
report "api load" $api "$a0" "$t0"

kill -STOP $worker
for i in $(seq 1 "$jobs"); do # a different text each, so no render is served from the cache
  jq -c --arg i "$i" '.layers[1].text += " #" + $i | . + {webhook_url: "https://127.0.0.1:9/hook"}' \
    scripts/loadtest/testdata/social-card.json |
  curl -fs -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    --data @- "http://$addr/image-generation/v1/generate" || { echo "submit failed"; exit 1; }
done
w0=$(ticks $worker); t0=$(date +%s.%N)
kill -CONT $worker
until [ "$(redis-cli -p "$port" llen 'asynq:{renders}:pending')" = 0 ] &&
      [ "$(redis-cli -p "$port" llen 'asynq:{renders}:active')" = 0 ]; do sleep 0.05; done
report "worker load" $worker "$w0" "$t0"
echo "   ($jobs jobs drained)"
echo "== load average: $(uptime)"
