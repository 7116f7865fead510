#!/usr/bin/env bash
# Render cache hits and 304s of a signed template URL, measured from
# outside with the load generator off the server's core: strata-api runs
# as its own process pinned to one CPU (BENCH_SERVER_CPU, default 0) and
# scripts/loadtest -get, pinned to the other (BENCH_CLIENT_CPU, default
# 1), drives it over BENCH_CONNECTIONS (50) keep-alive connections. The
# template is the 1200x630 social card of scripts/bench-cache/card.json;
# one GET fills the cache, then for the hit (200 from the in-process
# cache) and the 304 (If-None-Match with the image's ETag):
#   - closed loop: every connection sends as soon as it has its answer;
#   - open loop at each rate of BENCH_RATES (req/s over all connections),
#     latency from each request's scheduled send time (no coordinated
#     omission; send_lag says how late the generator itself was, service
#     is the latency from the actual send: without that lag).
# Every run prints latency percentiles, the answers' Cache-Status values,
# the server's own time per request (p50/p99 of the access log's
# duration_ms: from the request read to the answer written) and its CPU time per request (from /proc); BENCH_ROUNDS rounds,
# then the medians per run. The API keeps production settings: the rate
# limiter on (a budget the load never reaches), info logging.
#
#   BENCH_REDIS_URL        the queue/template Redis (redis://127.0.0.1:6379/5;
#                          the benchmark's template is deleted at the end)
#   BENCH_CACHE_REDIS_URL  the cache Redis (default: a temporary
#                          redis-server, allkeys-lru, 256 MB, on BENCH_PORT+2)
#   BENCH_DURATION         each run (10s); BENCH_ROUNDS (3); BENCH_RATES ("1000 2000 5000")
#   BENCH_LOG_LEVEL        the API's log level (info)
#   BENCH_PROFILE          a file for the API's CPU profile of the first closed-loop hit run
#   BENCH_LOADTEST         a load generator binary to use instead of this tree's
#                          scripts/loadtest (to compare two generators)
set -euo pipefail
cd "$(dirname "$0")/.."
export STRATA_ASSETS_DIR=${STRATA_ASSETS_DIR:-$HOME/.cache/strata}
conns=${BENCH_CONNECTIONS:-50}
duration=${BENCH_DURATION:-10s}
rounds=${BENCH_ROUNDS:-3}
rates=${BENCH_RATES:-1000 2000 5000}
server_cpu=${BENCH_SERVER_CPU:-0}
client_cpu=${BENCH_CLIENT_CPU:-1}
redis_url=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/5}
port=${BENCH_PORT:-18095}
addr=127.0.0.1:$port
key="bench-$(openssl rand -hex 12)"
template=bench-cache

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	if [ -f "$tmp/cache-redis.pid" ]; then
		local rp
		rp=$(cat "$tmp/cache-redis.pid")
		kill "$rp" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$rp" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/strata-api" ./cmd/api
go build -o "$tmp/strata" ./cmd/strata
if [ -n "${BENCH_LOADTEST:-}" ]; then
	cp "$BENCH_LOADTEST" "$tmp/loadtest"
else
	go build -o "$tmp/loadtest" ./scripts/loadtest
fi

cache_url=${BENCH_CACHE_REDIS_URL:-}
if [ -z "$cache_url" ]; then
	cport=$((port + 2))
	redis-server --bind 127.0.0.1 --port "$cport" --save "" --appendonly no --maxmemory 256mb \
		--maxmemory-policy allkeys-lru --daemonize yes --pidfile "$tmp/cache-redis.pid" --logfile "$tmp/cache-redis.log"
	cache_url=redis://127.0.0.1:$cport/0
	for _ in $(seq 1 50); do redis-cli -u "$cache_url" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

admin=
if [ -n "${BENCH_PROFILE:-}" ]; then admin=127.0.0.1:$((port + 1)); fi
STRATA_ADMIN_ADDR=$admin STRATA_API_KEYS=$key STRATA_LISTEN_ADDR=$addr STRATA_REDIS_URL=$redis_url \
	STRATA_CACHE_REDIS_URL=$cache_url STRATA_RATE_LIMIT=100000000 STRATA_RATE_BURST=1000 \
	STRATA_LOG_LEVEL=${BENCH_LOG_LEVEL:-info} taskset -c "$server_cpu" "$tmp/strata-api" 2>"$tmp/api.log" >/dev/null &
pid=$!
pids+=("$pid")
for _ in $(seq 1 300); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done
curl -fs "http://$addr/readyz" >/dev/null || { echo "strata-api did not become ready:"; cat "$tmp/api.log"; exit 1; }

api="http://$addr/image-generation/v1/templates/$template"
curl -fs -X DELETE -H "Authorization: Bearer $key" "$api" >/dev/null || true
curl -fs -X PUT -H "Authorization: Bearer $key" --data-binary @scripts/bench-cache/card.json "$api" >/dev/null
trap 'curl -fs -X DELETE -H "Authorization: Bearer $key" "$api" >/dev/null || true; cleanup' EXIT
signed=$("$tmp/strata" sign-url --key "$key" --template "$template" --version 1 title.text=Bench)
etag=$(curl -fs -D - -o "$tmp/fill.png" "http://$addr$signed" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')
echo "== $(stat -c %s "$tmp/fill.png")-byte PNG, ETag $etag; server on CPU $server_cpu, load generator on CPU $client_cpu, $conns connections"

ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$1/stat"; }

# run LABEL ARGS... runs the load generator once and prints one result line.
run() {
	local label=$1 a0 a1 out l0 server
	shift
	a0=$(cpu_ms "$pid")
	l0=$(wc -l <"$tmp/api.log")
	out=$(taskset -c "$client_cpu" "$tmp/loadtest" -url "http://$addr" -get "$signed" -c "$conns" -d "$duration" "$@")
	a1=$(cpu_ms "$pid")
	# The server's own time per request (the access log's duration_ms: from
	# the request read to the answer written, without the wait for a core
	# before the read or the client's part).
	server=$(tail -n +"$((l0 + 1))" "$tmp/api.log" | grep -o '"duration_ms":[0-9.e+-]*' | cut -d: -f2 | sort -g |
		awk '{v[NR] = $1} END {if (NR) printf "server_p50_ms=%.3f server_p99_ms=%.3f", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1]}')
	jq -r --arg name "$label" --arg server "$server" --argjson cpu "$(awk -v a="$a0" -v b="$a1" 'BEGIN {print b - a}')" \
		'"\($name) rps=\(.rps | floor) p50_ms=\(.p50_ms) p90_ms=\(.p90_ms) p99_ms=\(.p99_ms) p999_ms=\(.p999_ms) max_ms=\(.max_ms) send_lag_p99_ms=\(.send_lag_p99_ms // 0) service_p50_ms=\(.service_p50_ms) service_p99_ms=\(.service_p99_ms) \($server) api_cpu_us=\(($cpu * 1000 / .requests) * 10 | round / 10) statuses=\(.statuses | to_entries | map("\(.key):\(.value)") | join(",")) cache_status=\(.cache_status | to_entries | map("\(.key | gsub(" "; ""))×\(.value)") | join(","))"' <<<"$out"
}

echo "== warm-up: closed loop, 3s"
run warm-up -d 3s >/dev/null

results=()
for r in $(seq 1 "$rounds"); do
	echo "== round $r/$rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for kind in hit 304; do
		hdr=()
		if [ "$kind" = 304 ]; then hdr=(-H "If-None-Match: $etag"); fi
		if [ -n "$admin" ] && [ "$r" = 1 ] && [ "$kind" = hit ]; then
			curl -fs "http://$admin/debug/pprof/profile?seconds=$((${duration%s} - 1))" -o "$BENCH_PROFILE" &
			prof=$!
		fi
		line=$(run "$kind/closed" "${hdr[@]}")
		if [ -n "${prof:-}" ]; then wait "$prof"; prof=; fi
		echo "$line"
		results+=("$line")
		for rate in $rates; do
			line=$(run "$kind/open-$rate" -rate "$rate" "${hdr[@]}")
			echo "$line"
			results+=("$line")
		done
	done
done

# Medians over the rounds, per run and field.
echo "== medians of $rounds rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${results[@]}" | awk '
	{
		if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
		for (i = 2; i <= NF; i++) {
			split($i, kv, "="); if (kv[1] == "statuses" || kv[1] == "cache_status") continue
			c = ++cnt[$1, kv[1]]; v[$1, kv[1], c] = kv[2]; if (!(($1, kv[1]) in f)) { f[$1, kv[1]] = 1; fields[$1] = fields[$1] " " kv[1] }
		}
	}
	END {
		for (j = 1; j <= n; j++) {
			l = order[j]; line = l; m = split(substr(fields[l], 2), fs, " ")
			for (k = 1; k <= m; k++) {
				c = cnt[l, fs[k]]; delete s
				for (i = 1; i <= c; i++) s[i] = v[l, fs[k], i] + 0
				asort(s); med = (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
				line = line " " fs[k] "=" med
			}
			print line
		}
	}'
