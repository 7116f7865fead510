# Strata — make targets. `make help` lists them.
SHELL := /bin/bash
GO ?= go
export STRATA_ASSETS_DIR ?= $(HOME)/.cache/strata
# Tests use this Redis; scripts/ensure-redis.sh starts one when none answers.
TEST_REDIS_PORT ?= 6379
BIN := bin

.PHONY: help setup build run test test-short fidelity vet lint bench bench-peers bench-cache load fuzz golden clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-14s %s\n", $$1, $$2}'

setup: ## Install system packages and pinned assets (idempotent)
	@bash scripts/setup.sh

build: setup ## Build bin/strata-api, bin/strata-worker and bin/strata
	$(GO) build -o $(BIN)/strata-api ./cmd/api
	$(GO) build -o $(BIN)/strata-worker ./cmd/worker
	$(GO) build -o $(BIN)/strata ./cmd/strata

run: build ## Set up, build, start Redis if needed, the API and one worker
	@bash scripts/run.sh

vet: ## gofmt and go vet
	@unformatted=$$(gofmt -l cmd pkg scripts 2>/dev/null); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: setup vet ## Set up and run every test with -race against a real Redis
	@export STRATA_TEST_REDIS_URL=$$(bash scripts/ensure-redis.sh $(TEST_REDIS_PORT)) && \
	echo "tests use Redis at $$STRATA_TEST_REDIS_URL" && \
	$(GO) test -race -count=1 -timeout 14m ./... && \
	echo "allocation checks that -race's sync.Pool drops make meaningless, without -race:" && \
	$(GO) test -count=1 -run 'TestTextDrawnAsInkOnly|TestGradientBuffersGoBackToThePool' ./pkg/render/

fidelity: setup ## Strata against headless Chromium, case by case (prints the table; also part of make test)
	set -o pipefail; $(GO) test -count=1 -v -run 'TestFidelity$$' ./pkg/fidelity/ | grep -E '^(\||--- FAIL|ok|FAIL|\s+fidelity_test)'

test-short: ## Quick tests without -race
	$(GO) test -count=1 -short ./...

lint: vet ## Static checks (gofmt, go vet)

bench: setup ## Run the Go benchmarks (numbers go to docs/PERFORMANCE.md)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./pkg/... | tee bench.txt

bench-peers: setup ## Compare Strata with satori+resvg, @napi-rs/canvas, sharp and takumi; GIF/AVIF encoders (bench/encoders.js)
	@bash scripts/bench-peers.sh

bench-submit: build ## Async 201 path from outside: strata-api process + wrk, 50 connections
	@bash scripts/bench-submit.sh

bench-cache: setup ## Render cache hits and 304s from outside: strata-api on CPU 0, the load generator on CPU 1, 50 connections, closed and open loop
	@bash scripts/bench-cache.sh

load: build ## Load (50 clients, 60 s) and soak (10,000 renders) a local API; LOAD_SCENARIO=hostile or fair for the others (docs/RELIABILITY.md)
	@bash scripts/load.sh

fuzz: ## Run every fuzz target for FUZZTIME each (default 1m)
	@bash scripts/fuzz.sh $${FUZZTIME:-1m}

golden: ## Rewrite golden images (look at them before committing!)
	UPDATE_GOLDEN=1 $(GO) test -count=1 ./pkg/...

examples: ## Regenerate docs/examples (requests and images)
	$(GO) run ./scripts/examples

clean: ## Remove build output
	rm -rf $(BIN)
