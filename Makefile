# Agent Connect: `make run` serves the portal, `make test` runs every test.
# Both install what is missing first (scripts/bootstrap.sh) and skip what is there.

SHELL := /bin/bash
export LEPTOS_OUTPUT_NAME := agent-connect
export LEPTOS_SITE_ROOT := target/site
export LEPTOS_SITE_PKG_DIR := pkg

.PHONY: run test setup build release test-rust test-e2e screenshots lint

setup:
	@scripts/bootstrap.sh

## Build (release) and serve at http://127.0.0.1:3000 on ./data/agent-connect.db
run: setup
	cargo leptos build --release
	mkdir -p data
	./target/release/agent-connect serve

## Everything: formatting, lints, unit, endpoint and real-server tests, Playwright
test: setup lint test-rust build test-e2e

build:
	cargo leptos build

lint:
	cargo fmt --all -- --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

test-rust:
	cargo test --features ssr -- --show-output

test-e2e: build
	cd end2end && npx playwright test

## Screenshots of every page, desktop and phone, light and dark, into end2end/screenshots/
screenshots: build
	cd end2end && npx playwright test screenshots
