#!/usr/bin/env bash
# `make load`: start a local API, drive it with 50 concurrent clients for 60 s
# of mixed requests, then a 10,000-render soak; print latency, statuses and RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/strata-api ./cmd/api
key="loadkey-$(openssl rand -hex 8)"
addr=127.0.0.1:${LOAD_PORT:-18090}
STRATA_API_KEYS=$key STRATA_LISTEN_ADDR=$addr STRATA_RATE_LIMIT=0 STRATA_LOG_LEVEL=warn bin/strata-api &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://$addr/healthz" >/dev/null && break; sleep 0.1; done
echo "== load: ${LOAD_CLIENTS:-50} clients for ${LOAD_DURATION:-60s}"
go run ./scripts/loadtest -url "http://$addr" -key "$key" -pid $pid -c "${LOAD_CLIENTS:-50}" -d "${LOAD_DURATION:-60s}" scripts/loadtest/testdata/*.json
echo "== soak: ${SOAK_RENDERS:-10000} renders"
go run ./scripts/loadtest -url "http://$addr" -key "$key" -pid $pid -c 8 -n "${SOAK_RENDERS:-10000}" -rss-every 1000 scripts/loadtest/testdata/*.json
