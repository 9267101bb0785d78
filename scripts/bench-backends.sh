#!/usr/bin/env bash
# Code redemptions per second and latency with 64 connections (wrk, 2 threads, loopback), in
# one run: one instance on SQLite, one instance on PostgreSQL, and two instances on
# PostgreSQL behind nginx (deploy/nginx.conf.template, via scripts/cluster.sh); with the
# resident memory of each instance idle and under load. Every request redeems a fresh code
# (a durable grant and two tokens each), seeded beforehand by examples/seed_codes.rs.
# All load comes from one address, so every redemption also takes from the same rate-limit
# bucket (on PostgreSQL a row every instance updates); the limit itself is set out of reach.
#
#   make bench-backends          DURATION=10 (seconds per setup), CODES=40000 per setup
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(scripts/target-dir.sh)
bin=$target/release/agent-connect
seed=$target/release/examples/seed_codes
duration=${DURATION:-10}
count=${CODES:-40000}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  CLUSTER_DIR=$work/cluster KEEP_POSTGRES=1 scripts/cluster.sh stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export AGENT_CONNECT_RATE_LIMIT_PER_MINUTE=1000000000
export LEPTOS_SITE_ROOT=$target/site RUST_LOG=warn BENCH_DIR=$PWD/scripts/bench

rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

wait_ready() {
  for _ in $(seq 1 100); do
    curl -fsS "$1/healthz/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "error: $1 did not become ready" >&2
  exit 1
}

# bench LABEL URL DATABASE_URL PID...
bench() {
  local label=$1 url=$2 db=$3
  shift 3
  DATABASE_URL=$db "$seed" "$count" >"$work/codes"
  local idle=() busy=()
  for pid in "$@"; do idle+=("$(rss_mb "$pid")"); done
  CODES=$work/codes THREADS=2 wrk -t2 -c64 -d"${duration}s" --latency -s scripts/bench/redeem.lua "$url" \
    >"$work/wrk.out" 2>&1 &
  local wrk_pid=$!
  sleep $((duration / 2))
  for pid in "$@"; do busy+=("$(rss_mb "$pid")"); done
  wait "$wrk_pid"
  read -r _ requests errors rate p50 p99 < <(grep '^RESULT' "$work/wrk.out")
  printf '| %s | %s | %.0f/s | %s ms | %s ms | %s | %s MB | %s MB |\n' \
    "$label" "$((requests - errors))" "$(echo "($requests - $errors) / $duration" | bc -l)" \
    "$p50" "$p99" "$errors" "${idle[*]}" "${busy[*]}"
}

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(uname -sr)"
PG_FAST=0 scripts/postgres.sh start
server=$(scripts/postgres.sh url)
echo "PostgreSQL: $(psql -tA "$server" -c 'SHOW server_version'), fsync $(psql -tA "$server" -c 'SHOW fsync'), synchronous_commit $(psql -tA "$server" -c 'SHOW synchronous_commit')"
echo "Load: wrk -t2 -c64 -d${duration}s from the same machine; each request redeems a fresh code"
echo
echo "| setup | redemptions | rate | p50 | p99 | non-200 | RSS idle | RSS under load |"
echo "|---|---|---|---|---|---|---|---|"

# One instance on SQLite.
port=3201
DATABASE_URL="sqlite://$work/bench.db?mode=rwc" AGENT_CONNECT_BIND=127.0.0.1:$port "$bin" serve &
pids+=($!)
wait_ready "http://127.0.0.1:$port"
bench "SQLite, 1 instance" "http://127.0.0.1:$port" "sqlite://$work/bench.db?mode=rwc" "${pids[-1]}"
kill "${pids[-1]}"

# One instance on PostgreSQL, on a fresh database.
name=bench_$(date +%s)
psql -q "$server" -c "CREATE DATABASE $name" >/dev/null
pg_url=${server%/postgres}/$name
port=3202
DATABASE_URL=$pg_url AGENT_CONNECT_BIND=127.0.0.1:$port "$bin" serve &
pids+=($!)
wait_ready "http://127.0.0.1:$port"
bench "PostgreSQL, 1 instance" "http://127.0.0.1:$port" "$pg_url" "${pids[-1]}"
kill "${pids[-1]}"

# Two instances on PostgreSQL behind nginx, on another fresh database.
CLUSTER_DIR=$work/cluster CLUSTER_PORT=3280 CLUSTER_DATABASE=${name}_lb INSTANCES=2 \
  scripts/cluster.sh start >/dev/null
bench "PostgreSQL, 2 instances behind nginx" "http://127.0.0.1:3280" "${pg_url}_lb" \
  "$(cat "$work/cluster/instance-1.pid")" "$(cat "$work/cluster/instance-2.pid")"
