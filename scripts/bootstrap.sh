#!/usr/bin/env bash
# Installs what building and testing Agent Connect needs, skipping whatever is already there.
# Safe to run again: every step checks first. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v wasm-opt >/dev/null 2>&1 || need_apt+=(binaryen)
if [ "${WITH_POSTGRES:-0}" = 1 ] && ! command -v pg_ctlcluster >/dev/null 2>&1; then need_apt+=(postgresql); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0.3.10'; then
  echo "==> cargo install cargo-leptos 0.3.10 (about 13 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
if [ -f Cargo.lock ]; then
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
  if [ -n "$want" ] && ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    echo "==> cargo install wasm-bindgen-cli $want"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
fi

if [ -f end2end/package.json ] && [ ! -d end2end/node_modules/@playwright/test ]; then
  echo "==> npm ci (end2end)"
  (cd end2end && npm ci --no-audit --no-fund)
fi
