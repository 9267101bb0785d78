#!/usr/bin/env bash
# Several Agent Connect instances on PostgreSQL behind nginx, on this machine, for trying the
# reference deployment (deploy/nginx.conf.template). `make cluster` builds first.
#
#   scripts/cluster.sh start   PostgreSQL (a throwaway cluster, scripts/postgres.sh), the
#                              database `agent_connect`, INSTANCES instances (default 2) on
#                              127.0.0.1:3101.., and nginx on 127.0.0.1:8080 in front of them
#   scripts/cluster.sh run     the same, in the foreground until interrupted, then stops the
#                              instances and nginx (PostgreSQL keeps running)
#   scripts/cluster.sh stop    stops all of them (the database's files stay)
#
# CLUSTER_PORT (8080), INSTANCES (2), CLUSTER_BASE_PORT (3100: instances on 3101, 3102, ...),
# CLUSTER_DIR (target/cluster) and CLUSTER_DATABASE (agent_connect; CLUSTER_FRESH=1 drops it
# first) choose where; the binary (AGENT_CONNECT_BIN) and the site are those of
# `make release`. Other AGENT_CONNECT_* variables in the environment reach every instance.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-start}
export PGOPTIONS="--client-min-messages=warning"
port=${CLUSTER_PORT:-8080}
instances=${INSTANCES:-2}
target=$(scripts/target-dir.sh)
dir=$(realpath -m "${CLUSTER_DIR:-$target/cluster}")
bin=${AGENT_CONNECT_BIN:-$target/release/agent-connect}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

stop() {
  if [ -f "$dir/nginx/nginx.pid" ]; then
    "$nginx_bin" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s stop 2>/dev/null || true
  fi
  for pidfile in "$dir"/instance-*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [ "$mode" = stop ]; then
  stop
  [ "${KEEP_POSTGRES:-0}" = 1 ] || scripts/postgres.sh stop
  exit 0
fi
if [ "$mode" != start ] && [ "$mode" != run ]; then
  echo "usage: $0 start|run|stop" >&2
  exit 2
fi
if [ ! -x "$nginx_bin" ]; then
  echo "error: nginx is not installed (Debian: apt-get install nginx-light)" >&2
  exit 1
fi
if [ ! -x "$bin" ]; then
  echo "error: no release build at $bin (run make release)" >&2
  exit 1
fi

stop
mkdir -p "$dir/nginx"
scripts/postgres.sh start
server=$(scripts/postgres.sh url)
database=${CLUSTER_DATABASE:-agent_connect}
if [ "${CLUSTER_FRESH:-0}" = 1 ]; then
  psql -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
fi
psql -q "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
  || psql -q "$server" -c "CREATE DATABASE $database" >/dev/null
database_url=${server%/postgres}/$database

public=http://127.0.0.1:$port
upstreams=""
for n in $(seq 1 "$instances"); do
  addr=127.0.0.1:$((${CLUSTER_BASE_PORT:-3100} + n))
  upstreams+="        server $addr max_fails=3 fail_timeout=10s;"$'\n'
  DATABASE_URL=$database_url \
  AGENT_CONNECT_BIND=$addr \
  AGENT_CONNECT_PUBLIC_URL=$public \
  AGENT_CONNECT_TRUSTED_PROXIES=127.0.0.1 \
  AGENT_CONNECT_METRICS_TOKEN=${AGENT_CONNECT_METRICS_TOKEN:-local-metrics} \
  LEPTOS_SITE_ROOT=$target/site \
  RUST_LOG=${RUST_LOG:-info} \
    "$bin" serve >"$dir/instance-$n.log" 2>&1 &
  echo $! >"$dir/instance-$n.pid"
done

user=""
[ "$(id -u)" = 0 ] && user="user root;"
sed -e "s|@LISTEN@|127.0.0.1:$port|" -e "s|@PREFIX@|$dir/nginx|g" -e "s|@USER@|$user|" \
  deploy/nginx.conf.template | awk -v ups="$upstreams" '{ if ($0 == "@INSTANCES@") printf "%s", ups; else print }' \
  >"$dir/nginx/nginx.conf"

for n in $(seq 1 "$instances"); do
  addr=127.0.0.1:$((${CLUSTER_BASE_PORT:-3100} + n))
  for _ in $(seq 1 100); do
    curl -fsS "http://$addr/healthz/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://$addr/healthz/ready" >/dev/null || {
    echo "error: instance $n did not become ready; see $dir/instance-$n.log" >&2
    exit 1
  }
done
"$nginx_bin" -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
echo "Agent Connect: $instances instances on PostgreSQL behind nginx at $public"
echo "Metrics of instance 1: curl -H 'Authorization: Bearer ${AGENT_CONNECT_METRICS_TOKEN:-local-metrics}' http://127.0.0.1:3101/metrics"
echo "Stop with: scripts/cluster.sh stop"
if [ "$mode" = run ]; then
  trap 'stop; exit 0' INT TERM
  wait
fi
