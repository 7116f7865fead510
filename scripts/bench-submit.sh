#!/usr/bin/env bash
# The async 201 path measured the way a client sees it: strata-api runs as
# its own process on Redis and wrk drives it over keep-alive connections
# (BENCH_CONNECTIONS, default 50, each one request at a time: 50 concurrent
# submitters). After a warm-up, BENCH_ROUNDS rounds of BENCH_DURATION each;
# every round prints wrk's latency percentiles, the server's own (the
# duration_ms of the API's access log: handler time, without the wait for a
# core or a read), and the API's and Redis's CPU time per submit (from /proc
# and INFO cpu, meaningful even when the machine is busy), then the medians. Nothing renders: no worker runs, and the jobs
# are flushed from the benchmark's Redis database after every round.
#
#   BENCH_REDIS_URL    database to use and flush (redis://127.0.0.1:6379/5)
#   BENCH_BODY         request file (scripts/bench-submit/card.json)
#   BENCH_RATE_LIMIT   per-key requests/minute; the limiter stays on by default,
#                      as in production, with a budget the load never reaches;
#                      0 turns it off
#   BENCH_LOG_LEVEL    the API's log level (info: one access log line per request)
#   BENCH_PROFILE      a file to write the API's CPU profile of the first round to
#   BENCH_THREADS      wrk threads (2)
set -euo pipefail
cd "$(dirname "$0")/.."
export STRATA_ASSETS_DIR=${STRATA_ASSETS_DIR:-$HOME/.cache/strata}
conns=${BENCH_CONNECTIONS:-50}
threads=${BENCH_THREADS:-2}
duration=${BENCH_DURATION:-10s}
rounds=${BENCH_ROUNDS:-3}
redis_url=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/5}
addr=127.0.0.1:${BENCH_PORT:-18091}
export BENCH_BODY=${BENCH_BODY:-$PWD/scripts/bench-submit/card.json}
export BENCH_KEY="bench-$(openssl rand -hex 12)"
lua=$PWD/scripts/bench-submit/submit.lua
url="http://$addr/image-generation/v1/generate"

tmp=$(mktemp -d)
go build -o "$tmp/strata-api" ./cmd/api
redis-cli -u "$redis_url" flushdb >/dev/null
admin=
if [ -n "${BENCH_PROFILE:-}" ]; then admin=127.0.0.1:$((${BENCH_PORT:-18091} + 1)); fi
STRATA_ADMIN_ADDR=$admin STRATA_API_KEYS=$BENCH_KEY STRATA_LISTEN_ADDR=$addr STRATA_REDIS_URL=$redis_url \
	STRATA_RATE_LIMIT=${BENCH_RATE_LIMIT:-100000000} STRATA_RATE_BURST=1000 \
	STRATA_LOG_LEVEL=${BENCH_LOG_LEVEL:-info} "$tmp/strata-api" 2>"$tmp/api.log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	redis-cli -u "$redis_url" flushdb async >/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 1 300); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done
curl -fs "http://$addr/readyz" >/dev/null || { echo "strata-api did not become ready:"; cat "$tmp/api.log"; exit 1; }

# cpu_ms prints the process's user+system CPU time in milliseconds.
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$1/stat"; }
redis_cpu_ms() { redis-cli -u "$redis_url" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {print s * 1000}'; }

echo "== warm-up: $conns connections, 3s"
wrk -t"$threads" -c"$conns" -d3s -s "$lua" "$url" | grep '^RESULT'
redis-cli -u "$redis_url" flushdb >/dev/null

results=()
for r in $(seq 1 "$rounds"); do
	echo "== round $r/$rounds: $conns connections, $duration (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	a0=$(cpu_ms "$pid"); r0=$(redis_cpu_ms); l0=$(wc -l <"$tmp/api.log")
	if [ -n "$admin" ] && [ "$r" = 1 ]; then
		curl -fs "http://$admin/debug/pprof/profile?seconds=$((${duration%s} - 1))" -o "$BENCH_PROFILE" &
		prof=$!
	fi
	out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$lua" "$url")
	a1=$(cpu_ms "$pid"); r1=$(redis_cpu_ms)
	if [ -n "${prof:-}" ]; then wait "$prof"; prof=; fi
	echo "$out" | sed -n '/Latency Distribution/,/Requests\/sec/p'
	line=$(echo "$out" | grep '^RESULT')
	n=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")
	secs=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$line")
	pending=$(redis-cli -u "$redis_url" llen 'asynq:{renders}:pending')
	server=$(tail -n +"$((l0 + 1))" "$tmp/api.log" | grep -o '"duration_ms":[0-9.e+-]*' | cut -d: -f2 | sort -g |
		awk '{v[NR] = $1} END {if (NR) printf "server_p50_ms=%.3f server_p99_ms=%.3f", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1]}')
	extra=$(awk -v n="$n" -v a="$((${a1%.*} - ${a0%.*}))" -v r0="$r0" -v r1="$r1" -v s="$secs" \
		'BEGIN {printf "rps=%.0f api_cpu_us=%.1f redis_cpu_us=%.1f", n / s, a * 1000 / n, (r1 - r0) * 1000 / n}')
	echo "$line $extra $server queued=$pending"
	results+=("$line $extra $server")
	redis-cli -u "$redis_url" flushdb >/dev/null
done

# Medians over the rounds, per field.
echo "== medians of $rounds rounds"
printf '%s\n' "${results[@]}" | awk '
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]][NR] = kv[2]; k[i] = kv[1] } n = NR }
	END {
		for (i = 2; i in k; i++) {
			f = k[i]; m = asort(v[f], s)
			med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
			printf "%s=%s ", f, med
		}
		print ""
	}'
