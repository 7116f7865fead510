#!/usr/bin/env bash
# `make bench-peers`: Strata side by side with satori+resvg, @napi-rs/canvas,
# sharp and takumi on the designs in bench/designs (docs/PERFORMANCE.md, "Peers").
# Installs the peers from bench/package-lock.json when node_modules is
# missing or was installed from another lockfile, builds the Go harness and the API, runs bench/compare.js
# (in-process, HTTP, cold start, pixel differences, side-by-side sheets)
# and bench/encoders.js (GIF and AVIF against the other encoders),
# then profiles Strata on each design and prints where the time goes.
# Output: bench/out/ (PNGs, results.md, results.json, pprof/). One run takes
# about 8 minutes; BENCH_* variables (see bench/compare.js) shorten it.
set -euo pipefail
cd "$(dirname "$0")/.."
export STRATA_ASSETS_DIR=${STRATA_ASSETS_DIR:-$HOME/.cache/strata}

command -v node >/dev/null || { echo "bench-peers needs Node.js 20+ (and npm)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench-peers needs wrk (apt-get install wrk, or run scripts/setup.sh)" >&2; exit 1; }
lock_sum=$(sha256sum bench/package-lock.json | cut -d' ' -f1)
if [ "$(cat bench/node_modules/.strata-lock.sha256 2>/dev/null)" != "$lock_sum" ]; then
  (cd bench && npm ci --no-audit --no-fund)
  echo "$lock_sum" > bench/node_modules/.strata-lock.sha256
fi

mkdir -p bench/out/pprof bin
go build -o bench/out/strata-bench ./bench/strata
go build -o bin/strata-api ./cmd/api

node bench/compare.js
node bench/encoders.js > bench/out/encoders.md
cat bench/out/encoders.md >> bench/out/results.md

designs=${BENCH_DESIGNS:-social,rich,certificate,product,effects}
profile_seconds=${BENCH_PROFILE_SECONDS:-4}
echo "profiling Strata (${profile_seconds}s per design, one thread)" >&2
for d in ${designs//,/ }; do
  rm -f "bench/out/pprof/$d".{cpu.pprof,alloc.pprof,json}
  if VIPS_CONCURRENCY=1 bench/out/strata-bench -design "bench/designs/$d.json" -image bench/out/product-12mp.jpg -photo bench/out/photo-2mp.jpg \
      -wire-images -mode profile -seconds "$profile_seconds" \
      -cpuprofile "bench/out/pprof/$d.cpu.pprof" -memprofile "bench/out/pprof/$d.alloc.pprof" \
      > "bench/out/pprof/$d.json.tmp" 2> "bench/out/pprof/$d.err"; then
    mv "bench/out/pprof/$d.json.tmp" "bench/out/pprof/$d.json"
  else
    echo "  $d: $(head -c 300 "bench/out/pprof/$d.err")" >&2
    rm -f "bench/out/pprof/$d".{json.tmp,cpu.pprof,alloc.pprof}
  fi
done
node bench/breakdown.js bench/out/strata-bench bench/out/pprof ${designs//,/ } | tee bench/out/breakdown.md
cat bench/out/breakdown.md >> bench/out/results.md
echo "results: bench/out/results.md; images: bench/out/<design>/{strata,satori,canvas,sharp,takumi,side-by-side}.png; profiles: bench/out/pprof/ (go tool pprof bench/out/strata-bench bench/out/pprof/social.cpu.pprof)" >&2
