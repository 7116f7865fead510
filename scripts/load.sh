#!/usr/bin/env bash
# `make load`: start a local API and drive it (docs/RELIABILITY.md).
#   scripts/load.sh          50 clients for 60 s of mixed requests, then a 10,000-render soak
#   scripts/load.sh hostile  hostile traffic beside legitimate clients; peak and settled RSS
#   scripts/load.sh fair     a light key's latency alone, then beside a heavy key
# LOAD_SERVER_CPUS and LOAD_CLIENT_CPUS pin the API and the load generator to
# CPU lists (taskset -c); the fair scenario pins them to 0 and 1 by default, so
# the clients' CPU does not come out of the server's. A pinned API keeps
# STRATA_RENDER_CONCURRENCY at the machine's CPU count (default 2 here) unless
# set: Go would size it from the one CPU it may use. LOAD_API_BIN runs a
# prebuilt API binary instead of building one (A/B runs of two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-${LOAD_SCENARIO:-mixed}}
api=${LOAD_API_BIN:-bin/strata-api}
[ -n "${LOAD_API_BIN:-}" ] || go build -o bin/strata-api ./cmd/api
go build -o bin/loadtest ./scripts/loadtest
key="loadkey-$(openssl rand -hex 8)"
heavy="heavykey-$(openssl rand -hex 8)"
addr=127.0.0.1:${LOAD_PORT:-18090}
if [ "$scenario" = fair ] && [ "$(nproc)" -ge 2 ]; then
	: "${LOAD_SERVER_CPUS=0}" "${LOAD_CLIENT_CPUS=1}"
fi
server_pin=() client_pin=()
if [ -n "${LOAD_SERVER_CPUS:-}" ]; then
	server_pin=(taskset -c "$LOAD_SERVER_CPUS")
	export STRATA_RENDER_CONCURRENCY=${STRATA_RENDER_CONCURRENCY:-$(nproc)}
fi
if [ -n "${LOAD_CLIENT_CPUS:-}" ]; then client_pin=(taskset -c "$LOAD_CLIENT_CPUS"); fi
echo "server CPUs: ${LOAD_SERVER_CPUS:-all}, load generator CPUs: ${LOAD_CLIENT_CPUS:-all}; $(uptime)"
STRATA_API_KEYS=$key,$heavy STRATA_LISTEN_ADDR=$addr STRATA_RATE_LIMIT=0 STRATA_LOG_LEVEL=warn "${server_pin[@]}" "$api" &
pid=$!
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fs "http://$addr/healthz" >/dev/null && break; sleep 0.1; done
light=(scripts/loadtest/testdata/*.json)
lt() { "${client_pin[@]}" bin/loadtest -url "http://$addr" -pid $pid "$@"; }
# The hostile and fair scenarios render every request (no render cache hits).
ltr() { lt -no-cache "$@"; }
case $scenario in
mixed)
	echo "== load: ${LOAD_CLIENTS:-50} clients for ${LOAD_DURATION:-60s}"
	lt -key "$key" -c "${LOAD_CLIENTS:-50}" -d "${LOAD_DURATION:-60s}" "${light[@]}"
	echo "== soak: ${SOAK_RENDERS:-10000} renders"
	lt -key "$key" -c 8 -n "${SOAK_RENDERS:-10000}" -rss-every 1000 "${light[@]}"
	;;
hostile)
	bin/loadtest -gen-hostile "$tmp"
	d=${LOAD_DURATION:-60s}
	echo "== hostile: 16 hostile clients, 8 hanging up after 100 ms, 2 guessing keys (from 127.0.0.2), beside 8 legitimate clients, for $d"
	# The hostile traffic comes from its own key, as one abusive customer's would.
	ltr -key "$heavy" -c 16 -d "$d" -allow 503 "$tmp"/*.json >"$tmp/hostile.out" &
	h1=$!
	ltr -key "$heavy" -c 8 -d "$d" -timeout 100ms -allow -1,503 "$tmp"/largest-png.json "${light[@]}" >"$tmp/hangup.out" &
	h2=$!
	# From another address: failed authentications are throttled per address.
	ltr -key "wrong-$key" -c 2 -d "$d" -source 127.0.0.2 "${light[@]}" >"$tmp/guess.out" &
	h3=$!
	ltr -key "$key" -c 8 -d "$d" -allow 503 -settle 30s "${light[@]}" >"$tmp/legit.out" &
	h4=$!
	rc=0
	for p in $h1 $h2 $h3 $h4; do wait $p || rc=1; done
	for f in hostile hangup guess legit; do echo "-- $f"; cat "$tmp/$f.out"; done
	echo "-- server: 5xx other than 503 counted by the API"
	curl -fs "http://$addr/metrics" | grep -E '^strata_http_requests_total\{.*status="5' || echo "none"
	exit $rc
	;;
fair)
	bin/loadtest -gen-hostile "$tmp"
	d=${LOAD_DURATION:-30s}
	echo "== fair: the light key alone (4 clients, $d)"
	ltr -key "$key" -c 4 -d "$d" "${light[@]}"
	echo "== fair: the light key (4 clients) beside a heavy key (8 clients of largest-canvas renders), $d"
	ltr -key "$heavy" -c 8 -d "$d" -allow 503 "$tmp"/largest-png.json "$tmp"/text-64k.json >"$tmp/heavy.out" &
	hp=$!
	ltr -key "$key" -c 4 -d "$d"  "${light[@]}"
	wait $hp || true
	echo "-- heavy key"
	cat "$tmp/heavy.out"
	uptime
	;;
*)
	echo "unknown scenario $scenario (mixed, hostile, fair)" >&2
	exit 2
	;;
esac
