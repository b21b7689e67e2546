#!/usr/bin/env bash
# A three-node keyart cluster on this machine (README, "Several serving
# nodes"): a throwaway PostgreSQL ledger, one trainer, three serving nodes
# that follow it and nginx in front with deploy/nginx/keyart.conf.
#
#   scripts/cluster.sh start DIR [--keyart BIN]   start everything; the ledger is
#                                                 empty until you fill it (below)
#   scripts/cluster.sh reload DIR                 the nodes re-read the catalogue
#   scripts/cluster.sh stop DIR                   stop everything, remove DIR
#
# After start, DIR/env holds KEYART_DB, KEYART_FILES and PGPASSFILE: source it
# and every keyart command works on the cluster's ledger. Decisions go to
# http://127.0.0.1:8080/v1/decide with the viewer in the X-Keyart-Unit header.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/cluster.sh
source "$here/scripts/lib/cluster.sh"
usage() { echo "usage: $0 start DIR [--keyart BIN] | reload DIR | stop DIR" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
cmd="$1" dir="$2"
shift 2
keyart="$here/build/release/tools/keyart"
[[ -x "$keyart" ]] || keyart="$here/build/dev/tools/keyart"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keyart) keyart="$2"; shift 2 ;;
    *) usage ;;
  esac
done

case "$cmd" in
  start)
    [[ -x "$keyart" ]] || { echo "cluster: no keyart binary at $keyart (build it, or --keyart)" >&2; exit 1; }
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    admin="$("$here/scripts/pg_cluster.sh" start "$dir/pg" --durable)"
    export PGPASSFILE="$dir/pg/pgpass"
    psql -q "$admin" -c "CREATE DATABASE keyart"
    db="${admin%/postgres}/keyart"
    head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$dir/admin-token"
    "$keyart" init --db "$db" --files "$dir/files" >/dev/null
    cat > "$dir/env" <<ENV
export KEYART_DB='$db'
export KEYART_FILES='$dir/files'
export PGPASSFILE='$dir/pg/pgpass'
ENV
    if ! cluster_start "$keyart" "$dir" "$db" "$dir/files" 3 "" --admin-token-file "$dir/admin-token"; then
      cluster_stop "$dir"
      exit 1
    fi
    echo "cluster: ledger $db (files in $dir/files); trainer on :9090, nodes on :8081-8083,"
    echo "cluster: nginx on http://127.0.0.1:8080. source $dir/env to use the ledger."
    ;;
  reload)
    for port in 8081 8082 8083; do
      curl -sf -X POST -H "Authorization: Bearer $(cat "$dir/admin-token")" \
        "http://127.0.0.1:$port/v1/admin/reload" >/dev/null
    done
    echo "cluster: the three nodes re-read the catalogue"
    ;;
  stop)
    cluster_stop "$dir"
    [[ -d "$dir/pg" ]] && "$here/scripts/pg_cluster.sh" stop "$dir/pg"
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
