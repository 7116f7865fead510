#!/usr/bin/env bash
# How far one Redis primary goes: capture the command mix of real jobs, then
# replay it with redis-benchmark and in recorded order (scripts/redisreplay).
#
#   scripts/redis-replay.sh [redisreplay flags, e.g. -copies 64 -P 1 -n 100000]
#
# 1. Capture: runs BenchmarkJobCost (cmd/worker: 500 social cards submitted,
#    then drained by one real worker process; REPLAY_BENCH picks the run,
#    default JobCost/first-attempt=render-task, the worker's default; use
#    JobCost/first-attempt=delivery-task for every attempt made by a delivery
#    task) with `redis-server` on PATH
#    wrapped so that `redis-cli MONITOR` records every command the benchmark's
#    private Redis runs, scripts' own calls included, with their arguments.
# 2. Replay: starts a Redis of its own on REPLAY_PORT (default: a free port; 256
#    databases, one per concurrent copy of the sequence), loads the captured
#    scripts, and runs scripts/redisreplay: redis-benchmark once per command
#    shape (ops/s, Redis CPU per op), then the whole captured sequence on
#    -copies connections, printing jobs/s, Redis CPU per job and how busy
#    Redis was (1.00 cores = saturated; below that the clients were the limit).
#    Jobs/s at saturation is 1 s / Redis CPU per job when Redis was not busy.
# The load average before and after is printed: the replay's clients share
# the machine with Redis, so quote it with the numbers (docs/OPERATIONS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${REPLAY_PORT:-}
if [ -z "$port" ]; then # a port nothing listens on, so parallel runs do not meet
  for p in $(shuf -i 20000-60000 -n 100); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
  done
fi
tmp=$(mktemp -d)
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

real=$(command -v redis-server)
mkdir "$tmp/bin"
cat >"$tmp/bin/redis-server" <<WRAP
#!/usr/bin/env bash
# Starts the real redis-server; once it answers, records it with MONITOR.
port=; prev=
for a in "\$@"; do [ "\$prev" = --port ] && port=\$a; prev=\$a; done
if [ -n "\$port" ]; then
  ( for _ in \$(seq 1 2000); do redis-cli -p "\$port" ping >/dev/null 2>&1 && break; sleep 0.005; done
    exec redis-cli -p "\$port" monitor >"$tmp/monitor.txt" ) &
fi
exec "$real" "\$@"
WRAP
chmod +x "$tmp/bin/redis-server"

echo "== load before: $(uptime)"
echo "== capture: BenchmarkJobCost under MONITOR (its Redis CPU figures are inflated by MONITOR; only the commands are used)"
PATH="$tmp/bin:$PATH" go test -run '^$' -bench "${REPLAY_BENCH:-JobCost/first-attempt=render-task}" -benchtime 1x ./cmd/worker | grep -E '^(Benchmark|ok|FAIL)'

"$real" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --databases 256 --loglevel warning &
srv=$!
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
echo "== replay on 127.0.0.1:$port"
# -jobs: BenchmarkJobCost's n (the jobs of its measured window).
go run ./scripts/redisreplay -capture "$tmp/monitor.txt" -jobs 500 -addr "127.0.0.1:$port" "$@"
echo "== load after: $(uptime)"
