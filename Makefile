# ocap — everything is installed by this file and go.mod.
GO        ?= go
BIN       := $(CURDIR)/bin
GOFLAGS   ?=
export GOTOOLCHAIN := local

PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2

.PHONY: all build run test test-short bench bench-quick bench-compare soak lint lint-deploy generate tools clean hostile fuzz

all: build

# The worker is pure Go: its memory cap (RLIMIT_DATA) counts the stacks of
# C threads, 8 MiB each, that a cgo build would start.
build:
	$(GO) build -o $(BIN)/ ./cmd/kernel
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/vat-worker

# run: the kernel guide's weather example over an embedded SQLite store in
# ./tmp: a Go service, a TypeScript vat, a kernel restart in between.
run: build
	@mkdir -p tmp
	$(GO) build -o $(BIN)/weather ./examples/weather
	$(BIN)/weather --db sqlite://$(CURDIR)/tmp/weather.db

# test runs every package's tests under the race detector: the kernel is
# concurrent (crank loop, worker streams, service calls, scrapes) and a
# race is a bug whether or not a test notices it. The tests about the
# worker itself (platform's, and the end-to-end tests of timers, fetch, io
# channels, services, garbage collection and vatstore reads: see
# raceWorkerTests) start race-built vat-workers, so the worker's stream,
# event loop and endowments are checked in real use; the rest start plain
# ones, as race-built goja is several times slower (with it everywhere the
# root package alone took nine minutes). A worker has no test to fail and
# gets no environment from the kernel, so it runs through a wrapper that
# sends its race reports to $(RACE_REPORTS) (keeping its command line,
# which tests look for), and any report fails the run. cmd/kernel's daemon
# tests, beside them, start plain workers and a plain kernel binary.
RACE_REPORTS := $(BIN)/race-reports
RACE_WORKER  := $(BIN)/race/vat-worker
GOTEST       := $(GO) test -race -count=1 -timeout 15m
test: build lint-deploy
	$(GO) vet ./...
	$(GO) build -race -o $(BIN)/race/bin/ ./cmd/vat-worker
	@rm -rf $(RACE_REPORTS) && mkdir -p $(RACE_REPORTS)
	@printf '#!/bin/bash\nGORACE=log_path=%s/race exec -a "$$0" %s "$$@"\n' \
		$(RACE_REPORTS) $(BIN)/race/bin/vat-worker > $(RACE_WORKER) && chmod +x $(RACE_WORKER)
	OCAP_WORKER_PATH=$(BIN)/vat-worker $(GOTEST) ./cmd/kernel & daemons=$$!; \
	OCAP_WORKER_PATH=$(BIN)/vat-worker OCAP_RACE_WORKER_PATH=$(RACE_WORKER) \
		$(GOTEST) $$($(GO) list ./... | grep -v '/cmd/kernel$$'); status=$$?; \
	wait $$daemons || status=1; \
	if ls $(RACE_REPORTS)/race.* >/dev/null 2>&1; then \
		echo "data races in vat-workers:"; cat $(RACE_REPORTS)/race.*; exit 1; \
	fi; exit $$status

# hostile prints the hostile suite's table: each attack of testdata/hostile,
# its outcome, how long it took to end, the bystander's worst latency and
# the kernel's RSS (make test runs the same suite without printing it).
hostile: build
	OCAP_WORKER_PATH=$(BIN)/vat-worker $(GO) test -count=1 -run 'TestHostile(Worker)?$$' -v . | grep -v '^ *{'

# fuzz runs each fuzz target for FUZZTIME (make test runs their checked-in
# seed corpora, testdata/fuzz/, as ordinary tests).
FUZZTIME ?= 2m
FUZZ_TARGETS := FuzzUnmarshal:./marshal FuzzParseClusterConfig:. FuzzCheckMethargs:./router FuzzDecodeRequest:./control
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "== $${t%%:*}"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) $${t##*:} || exit 1; \
	done

# bench prints the rows of bench/README.md, each the median of several runs
# with min–max, on SQLite and PostgreSQL (about ten minutes); bench-quick
# runs them smaller, in about a minute. BENCHFLAGS adds flags (-json,
# -rows pingpong,launch, -stores sqlite, ...: go run ./bench -help).
BENCHFLAGS ?=
bench: build
	OCAP_WORKER_PATH=$(BIN)/vat-worker $(GO) run ./bench $(BENCHFLAGS)

bench-quick: build
	OCAP_WORKER_PATH=$(BIN)/vat-worker $(GO) run ./bench -quick $(BENCHFLAGS)

# bench-compare runs the same workloads, same vat sources, on MetaMask's
# JavaScript kernel (npm, in bench/compare/node_modules) and on ocap, and
# prints them side by side.
bench-compare: build
	OCAP_WORKER_PATH=$(BIN)/vat-worker bench/compare/compare.sh

# soak: 1,000,000 vat-to-vat round trips and 100,000 short-lived exos;
# store keys, heap, worker RSS and restart time stay as after the first
# 10,000 (SOAK=n sets the round trips).
SOAK ?= 1000000
soak: build
	OCAP_WORKER_PATH=$(BIN)/vat-worker $(GO) run ./bench -soak $(SOAK) -soak-exos $$(( $(SOAK) / 10 ))

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# lint-deploy validates docker-compose.yml with Debian's docker-compose,
# which needs no Docker engine; it is installed when missing (waiting for
# another apt run on the machine to finish rather than failing). The systemd
# unit is verified by systemd-analyze, where there is one, against the
# binaries just built. The metrics
# package's tests check the metric names used in deploy/ and README.md.
lint-deploy: build
	@command -v docker-compose >/dev/null || { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker-compose >/dev/null; }
	docker-compose -f docker-compose.yml config -q
	@if command -v systemd-analyze >/dev/null; then \
		d=$$(mktemp -d) && sed 's#/opt/ocap/bin/#$(abspath $(BIN))/#' deploy/systemd/ocap-kernel.service > $$d/ocap-kernel.service && \
		out=$$(systemd-analyze verify $$d/ocap-kernel.service 2>&1); status=$$?; rm -rf $$d; \
		if [ -n "$$out" ]; then echo "$$out"; status=1; fi; exit $$status; \
	else echo "systemd-analyze is not installed: deploy/systemd/ocap-kernel.service not verified"; fi

# generate rebuilds committed generated code: protobuf stubs (protoc from
# Debian's protobuf-compiler, the Go plugins from the module proxy).
generate: tools
	PATH=$(BIN):$$PATH protoc --go_out=. --go_opt=module=github.com/ocapgo/ocap \
		--go-grpc_out=. --go-grpc_opt=module=github.com/ocapgo/ocap proto/worker.proto

tools:
	@command -v protoc >/dev/null || { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq protobuf-compiler; }
	GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

clean:
	rm -rf $(BIN)
