#!/usr/bin/env bash
# Builds the browser side of the portal (the islands that make pages interactive) into the site
# folder that `agent-connect serve` serves: the wasm bundle in the size-optimized release profile,
# its JavaScript glue, the stylesheet and the public files, under content-hashed names with
# precompressed copies. This is what `make run` serves and what Playwright tests.
#
# Needs the wasm32 target, the wasm-bindgen CLI matching Cargo.lock and the tools in
# scripts/site/ (scripts/bootstrap.sh installs them). Honours CARGO_TARGET_DIR; the site goes
# to LEPTOS_SITE_ROOT, by default <target dir>/site.
#
#   scripts/build-site.sh           the whole site
#   scripts/build-site.sh compile   only the cargo build of the bundle (needs no wasm-bindgen CLI)
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=$(scripts/target-dir.sh)
site_root=${LEPTOS_SITE_ROOT:-$target_dir/site}
profile=wasm-release

# LEPTOS_OUTPUT_NAME at compile time tells Leptos the bundle is named agent-connect.
LEPTOS_OUTPUT_NAME=agent-connect cargo build --lib --target wasm32-unknown-unknown \
  --profile "$profile" --no-default-features --features hydrate
[ "${1:-}" = compile ] && exit 0

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name agent-connect \
  "$target_dir/wasm32-unknown-unknown/$profile/agent_connect.wasm"

# Binaryen from npm (version pinned in scripts/site/package-lock.json): it understands the
# reference types, bulk memory and other features Rust enables by default for wasm32, which an
# older wasm-opt mangles into a module the browser refuses to start.
scripts/site/node_modules/.bin/wasm-opt -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$stage/agent-connect_bg.wasm" -o "$stage/agent-connect.wasm"
cp style/main.css "$stage/agent-connect.css"

node scripts/site/finish.mjs "$stage" public "$site_root"
