# Agent Connect: `make run` serves the portal, `make test` runs every test.
# Both install what is missing first (scripts/bootstrap.sh) and skip what is there. Both use
# the same release build: what `make run` serves is what Playwright tests.

SHELL := /bin/bash
TARGET_DIR := $(shell scripts/target-dir.sh)
BIN := $(TARGET_DIR)/release/agent-connect
export LEPTOS_OUTPUT_NAME := agent-connect
export LEPTOS_SITE_ROOT ?= $(TARGET_DIR)/site
export LEPTOS_SITE_PKG_DIR := pkg

.PHONY: run test setup setup-test cluster bench bench-backends release server site site-wasm wasm-bindgen-cli lint test-rust test-e2e page-weight screenshots fuzz

## Build (release) and serve at http://127.0.0.1:3000 on ./data/agent-connect.db
run: setup release
	mkdir -p data
	$(BIN) serve

## Everything: formatting, lints, unit, endpoint and real-server tests, Playwright on the release build
test: setup-test lint test-rust release test-e2e

setup:
	@scripts/bootstrap.sh run

## Two instances on PostgreSQL behind nginx at http://127.0.0.1:8080 (scripts/cluster.sh stop)
cluster: setup release
	@WITH_POSTGRES=1 WITH_NGINX=1 scripts/bootstrap.sh run
	scripts/cluster.sh start

setup-test:
	@scripts/bootstrap.sh test

## The release build: the server binary and the site it serves (hashed, precompressed assets).
## The server, the wasm bundle and (on a first run) the wasm-bindgen CLI compile side by side:
## each has single-threaded stretches (linking, the bundle's whole-program optimisation) that
## the others fill.
release:
	@$(MAKE) --no-print-directory -j3 server site

server:
	cargo build --release --features ssr --bin agent-connect

site: site-wasm wasm-bindgen-cli
	scripts/build-site.sh

site-wasm:
	scripts/build-site.sh compile

wasm-bindgen-cli:
	@scripts/bootstrap.sh wasm-bindgen

lint:
	cargo fmt --all -- --check
	python3 scripts/code-shape.py cycles
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

## Rust tests on the release profile: the same compiled crates as the binary make run serves.
## The real-server suite runs twice: on SQLite, then on PostgreSQL (a throwaway local cluster).
test-rust:
	cargo test --release --features ssr --no-fail-fast -- --show-output
	PG_FAST=1 scripts/postgres.sh start
	AGENT_CONNECT_TEST_POSTGRES=$$(scripts/postgres.sh url) \
	  cargo test --release --features ssr --no-fail-fast --test api -- --show-output

test-e2e: release
	cd end2end && AGENT_CONNECT_BIN=$(BIN) npx playwright test

## Bytes on the wire for the first load of /connect (HTML, CSS, JS, wasm), against its budget
page-weight: release
	cd end2end && E2E_CLUSTER=0 AGENT_CONNECT_BIN=$(BIN) npx playwright test page-weight

## Screenshots of every page, desktop and phone, light and dark, into end2end/screenshots/
screenshots: release
	cd end2end && E2E_CLUSTER=0 AGENT_CONNECT_BIN=$(BIN) npx playwright test screenshots

## Agent Connect beside oidc-provider (in memory) in one run on loopback, under 5 minutes:
## code redemptions, a Bearer-checked MCP call, introspection, memory and a sign-in storm,
## printed as a table with the ratios. DURATION=10 seconds per figure.
bench: setup release
	@WITH_WRK=1 WITH_PEER=1 scripts/bootstrap.sh run
	cargo build --release --features ssr --example seed_codes
	scripts/bench.sh

## Code redemptions per second, latency and memory on SQLite, on PostgreSQL, and on two
## instances behind nginx, in one run (outside make test). DURATION=10 seconds per setup.
bench-backends: setup release
	@WITH_POSTGRES=1 WITH_NGINX=1 WITH_WRK=1 scripts/bootstrap.sh run
	cargo build --release --features ssr --example seed_codes
	scripts/bench-backends.sh

## HTTP fuzz run against the release server (outside make test): random and mutated requests to
## every endpoint and server function on 127.0.0.1; prints requests, 5xx, panics and RSS growth.
## FUZZ_ARGS="--requests 200000 --seconds 300" by default.
fuzz: setup release
	cargo build --release --features ssr --example fuzz_http
	$(TARGET_DIR)/release/examples/fuzz_http --server $(BIN) $(FUZZ_ARGS)
