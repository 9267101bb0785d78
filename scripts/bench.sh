#!/usr/bin/env bash
# Agent Connect beside a well-known peer, in one run, on this machine, over loopback only.
#
# Ours: the release binary on a fresh SQLite database. The peer: oidc-provider with its
# in-memory store (scripts/bench/peer). Every figure is wrk with 2 threads and 64 connections
# for DURATION seconds, from the same machine, after a short warm-up:
#
#   redemptions   each request redeems a fresh agent auth code: a durable grant, two tokens
#                 and a security event, committed before the answer. The peer's nearest
#                 figure is client_credentials, which stores nothing durably.
#   whoami        a Bearer-checked tool call on /mcp (JSON-RPC tools/call, no MCP session).
#   introspection RFC 7662 for a live access token, as the resource server.
#   sign-in storm 64 connections of wrong-password sign-ins, while 8 connections call whoami;
#                 whoami's p99 is compared with 8 connections calling it alone, in three
#                 alternating rounds of half the duration each.
#   memory        resident memory idle, after the runs, and at its peak (VmHWM).
#
#   make bench        DURATION=10 (seconds per figure)
#   BIN=... SEED=...  measure another build of the server and its seeder
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(scripts/target-dir.sh)
bin=${BIN:-$target/release/agent-connect}
seed=${SEED:-$target/release/examples/seed_codes}
duration=${DURATION:-10}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

export BENCH_DIR=$PWD/scripts/bench
port=3291
peer_port=3290
base=http://127.0.0.1:$port
peer=http://127.0.0.1:$peer_port

rss_mb() { awk -v key="${2:-VmRSS}:" '$1 == key { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

wait_for() {
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: $1 did not answer" >&2
  exit 1
}

# run NAME SECONDS SCRIPT URL [wrk options...]: wrk's output in $work/NAME.out, RESULT fields
# in $work/NAME.
run() {
  local name=$1 seconds=$2 script=$3 url=$4
  shift 4
  [ $# -gt 0 ] || set -- -t2 -c64
  wrk "$@" -d"${seconds}s" --latency -s "$script" "$url" >"$work/$name.out" 2>&1
  if ! grep -q '^RESULT' "$work/$name.out"; then
    echo "error: wrk gave no result for $name:" >&2
    cat "$work/$name.out" >&2
    exit 1
  fi
  grep '^RESULT' "$work/$name.out" | cut -d' ' -f2- >"$work/$name"
}

# field NAME N: the Nth RESULT field (1 requests, 2 non-2xx, 3 rate, 4 p50, 5 p99).
field() { cut -d' ' -f"$2" "$work/$1"; }
rate() { printf "%'.0f/s" "$(field "$1" 3)"; }
figure() { printf "%s, p50 %s ms, p99 %s ms" "$(rate "$1")" "$(field "$1" 4)" "$(field "$1" 5)"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
answered() {
  local bad
  bad=$(field "$1" 2)
  if [ "$bad" != 0 ]; then
    echo "error: $bad of $(field "$1" 1) $1 requests failed" >&2
    exit 1
  fi
}

echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(uname -sr)"
echo "Load: wrk -t2 -c64 -d${duration}s per figure from the same machine, after a warm-up"
echo

# --- The peer: oidc-provider, in memory. ---
peer_version=$(node -p "require('./scripts/bench/peer/node_modules/oidc-provider/package.json').version")
PORT=$peer_port node scripts/bench/peer/peer.mjs >"$work/peer.log" 2>&1 &
pids+=($!)
peer_pid=${pids[-1]}
wait_for "$peer/.well-known/openid-configuration"
peer_idle=$(rss_mb "$peer_pid")
run peer-warm 3 scripts/bench/peer/client_credentials.lua "$peer"
run peer-cc "$duration" scripts/bench/peer/client_credentials.lua "$peer"
answered peer-cc
# Its store holds a bounded number of tokens: fetch the one to introspect just before.
TOKEN=$(scripts/bench/peer/token.sh "$peer") run peer-introspect "$duration" \
  scripts/bench/peer/introspect.lua "$peer"
answered peer-introspect
peer_after=$(rss_mb "$peer_pid")
peer_peak=$(rss_mb "$peer_pid" VmHWM)
kill "$peer_pid"

# --- Agent Connect, release build, fresh SQLite database. ---
db="sqlite://$work/bench.db?mode=rwc"
email=bench@example.com
codes=$(( duration * 12000 ))
DATABASE_URL=$db BENCH_EMAIL=$email "$seed" $((codes + 1)) >"$work/codes"
tail -1 "$work/codes" >"$work/own-code"
export RUST_LOG=warn LEPTOS_SITE_ROOT=$target/site
export CLIENT_ID=bench-resource CLIENT_SECRET=bench-resource-secret-0123456789
# The load comes from one address: the per-address limits are set out of its reach.
DATABASE_URL=$db AGENT_CONNECT_BIND=127.0.0.1:$port AGENT_CONNECT_PUBLIC_URL=$base \
  AGENT_CONNECT_RATE_LIMIT_PER_MINUTE=1000000000 \
  AGENT_CONNECT_RESOURCE_CLIENT_ID=$CLIENT_ID AGENT_CONNECT_RESOURCE_CLIENT_SECRET=$CLIENT_SECRET \
  "$bin" serve >"$work/server.log" 2>&1 &
pids+=($!)
pid=${pids[-1]}
wait_for "$base/healthz/ready"
idle=$(rss_mb "$pid")

TOKEN=$(curl -fsS -X POST "$base/oauth2/token" \
  -d grant_type=urn:agent-connect:grant-type:agent-auth-code -d "code=$(cat "$work/own-code")" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
export TOKEN
run warm 3 scripts/bench/whoami.lua "$base"
CODES=$work/codes THREADS=2 run redeem "$duration" scripts/bench/redeem.lua "$base"
answered redeem
run whoami "$duration" scripts/bench/whoami.lua "$base"
answered whoami
run introspect "$duration" scripts/bench/introspect.lua "$base"
answered introspect
grep -q '"active":true' < <(curl -fsS -X POST "$base/oauth2/introspect" \
  -d "token=$TOKEN&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET") ||
  { echo "error: the introspected token is no longer active" >&2; exit 1; }
after=$(rss_mb "$pid")

# The storm: whoami alone on 8 connections, then the same beside 64 connections of sign-ins, in
# three alternating rounds. This machine's own noise comes and goes over seconds, so each storm
# is compared with the calm just before it, and the round with the median ratio is reported
# beside all three.
half=$(( (duration + 1) / 2 ))
for round in 1 2 3; do
  run calm$round "$half" scripts/bench/whoami.lua "$base" -t1 -c8
  EMAIL=$email ORIGIN=$base run storm$round $((half + 1)) scripts/bench/sign_in.lua "$base" -t1 -c64 &
  storm=$!
  sleep 0.5
  run stormy$round "$half" scripts/bench/whoami.lua "$base" -t1 -c8
  wait "$storm"
  answered calm$round
  answered stormy$round
  echo "$round $(ratio "$(field stormy$round 5)" "$(field calm$round 5)")" >>"$work/rounds"
done
median=$(sort -k2 -g "$work/rounds" | sed -n 2p | cut -d' ' -f1)
rounds=$(while read -r round r; do
  printf "%s ms / %s ms (%s); " "$(field calm$round 5)" "$(field stormy$round 5)" "$r"
done <"$work/rounds")
read -r refused shed other < <(cat "$work"/storm?.out | awk '$1 == "STATUSES" { r += $2; s += $3; o += $4 } END { print r, s, o }')
storm_rate=$(cat "$work"/storm? | awk '{ n += $1; t += $1 / $3 } END { printf "%.0f", n / t }')
storm_rss=$(rss_mb "$pid")
peak=$(rss_mb "$pid" VmHWM)

cat <<EOF
| figure | Agent Connect | oidc-provider $peer_version | ratio | target |
|---|---|---|---|---|
| agent code redemptions (durable grant + 2 tokens) vs client_credentials (in memory) | $(figure redeem) | $(figure peer-cc) | $(ratio "$(field redeem 3)" "$(field peer-cc 3)") | ≥ 5,000/s, p99 ≤ 20 ms |
| Bearer-checked MCP call (whoami on /mcp) | $(figure whoami) | — | | ≥ 20,000/s, p99 ≤ 5 ms |
| introspection (RFC 7662) | $(figure introspect) | $(figure peer-introspect) | $(ratio "$(field introspect 3)" "$(field peer-introspect 3)") | ≥ 3x the peer |
| RSS idle | $idle MB | $peer_idle MB | | ≤ 40 MB |
| RSS after the runs above | $after MB | $peer_after MB | | |
| sign-in storm: sign-ins answered | $(printf "%'.0f/s" "$storm_rate") ($refused refused, $shed turned away with 429/503, $other other), p99 $(field storm$median 5) ms | — | | excess waits briefly or gets 429/503 |
| whoami p99 on 8 connections: alone / during the storm (median of 3 rounds) | $(field calm$median 5) ms / $(field stormy$median 5) ms | — | $(ratio "$(field stormy$median 5)" "$(field calm$median 5)") | ≤ 2x |
| whoami rate on 8 connections: alone / during the storm | $(rate calm$median) / $(rate stormy$median) | — | $(ratio "$(field stormy$median 3)" "$(field calm$median 3)") | |
| RSS during the storm / peak of the whole run | $storm_rss MB / $peak MB | peak $peer_peak MB | | ≤ 150 MB under any load |

Storm rounds, whoami p99 alone / during (ratio): ${rounds%; }
EOF
