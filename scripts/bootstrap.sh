#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) Agent Connect needs, skipping whatever is
# already there. Safe to run again: every step checks first.
#
#   scripts/bootstrap.sh run            what `make run` needs first: the wasm target and
#                                       wasm-opt (npm's binaryen)
#   scripts/bootstrap.sh wasm-bindgen   the wasm-bindgen CLI matching Cargo.lock; `make release`
#                                       installs it while the server compiles, since only the
#                                       last step of the site build needs it
#   scripts/bootstrap.sh test           all of the above, plus Chromium, PostgreSQL's server,
#                                       nginx (the load-balancer tests), the Playwright packages
#                                       and the Python MCP SDK (a venv in end2end/.venv)
#
# cargo-leptos is not needed: the Makefile builds with cargo and the wasm-bindgen CLI directly.
# Developers who want its watch loop can install it themselves (`cargo leptos watch` works).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}

step() { printf '==> %s\n' "$*"; }

need_apt=()
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  # Chinese glyphs for the screenshots of the zh-Hans and zh-Hant-HK pages.
  fc-list :lang=zh 2>/dev/null | grep -q . || need_apt+=(fonts-wqy-microhei)
fi
# The suite's second pass runs on PostgreSQL (a throwaway cluster, scripts/postgres.sh).
if [ "$mode" = test ] || [ "${WITH_POSTGRES:-0}" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
fi
if { [ "$mode" = test ] || [ "${WITH_NGINX:-0}" = 1 ]; } && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  need_apt+=(nginx-light)
fi
if [ "${WITH_WRK:-0}" = 1 ]; then
  command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
  command -v bc >/dev/null 2>&1 || need_apt+=(bc)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly. Its own lock
# file names a crate version the registry no longer serves, so it is built without --locked.
# Unoptimized, it compiles in a third of the time and still binds the bundle in about a second.
install_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    step "cargo install --debug wasm-bindgen-cli $want"
    cargo install wasm-bindgen-cli --version "$want" --debug --force
  fi
}
if [ "$mode" = wasm-bindgen ]; then
  install_wasm_bindgen
  exit 0
fi
if [ "$mode" = test ]; then install_wasm_bindgen; fi

if [ ! -x scripts/site/node_modules/.bin/wasm-opt ]; then
  step "npm ci (scripts/site: binaryen's wasm-opt)"
  (cd scripts/site && npm ci --no-audit --no-fund)
fi

# The Python MCP SDK, the second official SDK the end-to-end tests drive, in its own venv.
if [ "$mode" = test ] && ! cmp -s end2end/clients/requirements.txt end2end/.venv/requirements.txt; then
  step "python3 -m venv end2end/.venv; pip install -r end2end/clients/requirements.txt"
  python3 -m venv end2end/.venv
  end2end/.venv/bin/pip install --quiet --disable-pip-version-check -r end2end/clients/requirements.txt
  cp end2end/clients/requirements.txt end2end/.venv/requirements.txt
fi

# The reference server `make bench` measures beside ours (oidc-provider, in memory).
if [ "${WITH_PEER:-0}" = 1 ] && [ ! -d scripts/bench/peer/node_modules/oidc-provider ]; then
  step "npm ci (scripts/bench/peer: oidc-provider)"
  (cd scripts/bench/peer && npm ci --no-audit --no-fund)
fi

if [ "$mode" = test ] && [ ! -d end2end/node_modules/@playwright/test ]; then
  step "npm ci (end2end: Playwright and the interoperability clients)"
  (cd end2end && npm ci --no-audit --no-fund)
fi
