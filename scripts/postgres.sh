#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, for the tests and for trying Agent Connect on
# PostgreSQL locally. Uses Debian's server binaries (the `postgresql` package, which
# `scripts/bootstrap.sh test` installs); runs them as the `postgres` user when started as root,
# since the server refuses to run as root.
#
#   scripts/postgres.sh start   initialise (first time) and start the cluster; skips what is done
#   scripts/postgres.sh stop    stop it
#   scripts/postgres.sh url     print the URL of its `postgres` database
#
# PG_PORT (default 55432) and PG_DIR (default /tmp/agent-connect-pg-$PG_PORT) choose where.
# PG_FAST=1 turns off fsync: for tests, whose data does not outlive the run.
set -euo pipefail
port=${PG_PORT:-55432}
dir=${PG_DIR:-/tmp/agent-connect-pg-$port}
mode=${1:-start}

url="postgres://postgres@127.0.0.1:$port/postgres"
if [ "$mode" = url ]; then echo "$url"; exit 0; fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "error: PostgreSQL's server is not installed (Debian: apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$mode" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir"
      as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    fi
    if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0
    fi
    opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=400"
    if [ "${PG_FAST:-0}" = 1 ]; then
      opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
