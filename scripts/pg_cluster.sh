#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, on 127.0.0.1.
#
#   scripts/pg_cluster.sh start DIR [--durable]   initdb into DIR and start it
#                                                 (a cluster left at DIR is removed first)
#   scripts/pg_cluster.sh stop DIR                stop it and remove DIR
#   scripts/pg_cluster.sh halt DIR                stop the server, keep its data (a
#                                                 database that goes away)
#   scripts/pg_cluster.sh resume DIR              start it again on the same port
#
# start prints the cluster's admin URI (postgresql://keyart@127.0.0.1:PORT/postgres)
# and writes it to DIR/uri; the password is in DIR/pgpass, a libpq password
# file (export PGPASSFILE=DIR/pgpass). The server refuses to run as root, so
# as root the cluster runs as the unprivileged user nobody. Without --durable
# it skips fsync (tests: fast, and nothing to keep); benchmarks use --durable.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
usage() { echo "usage: $0 start DIR [--durable] | stop DIR | halt DIR | resume DIR" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
cmd="$1" dir="$2"

as_server() {
  if [[ $(id -u) -eq 0 ]]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    durable="${3:-}"
    [[ -x "$bin/initdb" ]] || { echo "pg_cluster: PostgreSQL 15 is not installed (scripts/setup.sh)" >&2; exit 1; }
    "$0" stop "$dir"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    chmod 755 "$dir"
    mkdir -p "$dir/data" "$dir/run"  # run: the server's socket and log
    if [[ $(id -u) -eq 0 ]]; then
      chown nobody:nogroup "$dir/data" "$dir/run"
      chmod 700 "$dir/data"
    fi
    password="keyart-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
    printf '%s\n' "$password" > "$dir/password"
    chmod 644 "$dir/password"
    as_server "$bin/initdb" -D "$dir/data" -U keyart --pwfile="$dir/password" \
      --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/password"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/run -c max_connections=200"
    if [[ "$durable" != "--durable" ]]; then
      opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    printf '%s\n' "$opts" > "$dir/options"
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -o "$opts" -w -t 60 start >/dev/null \
      || { cat "$dir/run/server.log" >&2; exit 1; }
    printf '127.0.0.1:%s:*:keyart:%s\n' "$port" "$password" > "$dir/pgpass"
    chmod 600 "$dir/pgpass"
    echo "postgresql://keyart@127.0.0.1:$port/postgres" > "$dir/uri"
    cat "$dir/uri"
    ;;
  stop)
    [[ -d "$dir" ]] || exit 0
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  halt)
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -o "$(cat "$dir/options")" \
      -w -t 60 start >/dev/null || { cat "$dir/run/server.log" >&2; exit 1; }
    ;;
  *) usage ;;
esac
