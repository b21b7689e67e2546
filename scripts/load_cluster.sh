#!/usr/bin/env bash
# Decisions per second through nginx in front of 1, 2 and 3 serving nodes
# that follow a trainer (docs/SCALING.md), on this machine, with nginx's own
# ceiling beside them: wrk posts decisions (scripts/load/decide.lua, the
# viewer in X-Keyart-Unit) to nginx on 127.0.0.1:8080 for each node count in
# turn, ROUNDS times alternating, each run on a fresh ledger in one durable
# throwaway PostgreSQL cluster, right after the same wrk against a location
# where nginx answers by itself (`return 200`, the same size as a decision)
# while the nodes and the trainer idle. The trainer learns during the run
# (a 1 s reward window). After each run the ledger must hold one exposure
# per decision the nodes answered.
#
#   scripts/load_cluster.sh [--keyart BIN] [--nodes "1 2 3"] [--rounds 3]
#                           [--duration 15s] [--connections 32] [--wrk-threads 1]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/cluster.sh
source "$root/scripts/lib/cluster.sh"
# shellcheck source=lib/load_catalogue.sh
source "$root/scripts/lib/load_catalogue.sh"
keyart="$root/build/release/tools/keyart"
node_counts="1 2 3" rounds=3 duration=15s connections=32 wrk_threads=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keyart) keyart="$2"; shift 2 ;;
    --nodes) node_counts="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --wrk-threads) wrk_threads="$2"; shift 2 ;;
    *) echo "load_cluster: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "load_cluster: needs wrk (scripts/setup.sh)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "load_cluster: needs nginx (scripts/setup.sh)" >&2; exit 1; }
[[ -x "$keyart" ]] || { echo "load_cluster: no keyart at $keyart (build it, or --keyart)" >&2; exit 1; }

work="$(mktemp -d /tmp/keyart-load-cluster.XXXXXX)"
chmod 755 "$work"  # the PostgreSQL server runs as nobody when this runs as root
admin="$("$root/scripts/pg_cluster.sh" start "$work/pg" --durable)"
export PGPASSFILE="$work/pg/pgpass"
run_dir=""
cleanup() {
  [[ -n "$run_dir" ]] && cluster_stop "$run_dir"
  "$root/scripts/pg_cluster.sh" stop "$work/pg"
}
trap cleanup EXIT
results="$work/results"
: > "$results"

# wrk against http://127.0.0.1:8080$1; prints requests/s, p50 and p99 (us).
run_wrk() {
  local out
  out="$(KEYART_WRK_RESULT="$run_dir/wrk.result" wrk -t"$wrk_threads" -c"$connections" \
         -d"$duration" --latency -s "$root/scripts/load/decide.lua" "http://127.0.0.1:8080$1")"
  echo "$out" > "$run_dir/wrk$(tr '/' '_' <<<"$1").log"
  local rps
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  read -r _ _ _ errors p50 p99 < "$run_dir/wrk.result"
  echo "$rps $p50 $p99 $errors"
}

for ((round = 1; round <= rounds; round++)); do
  for nodes in $node_counts; do
    run_dir="$work/r${round}n$nodes"
    mkdir -p "$run_dir"
    db_name="keyart_r${round}n$nodes"
    psql -q "$admin" -c "CREATE DATABASE $db_name"
    export KEYART_DB="${admin%/postgres}/$db_name" KEYART_FILES="$run_dir/files"
    load_catalogue "$keyart" "$run_dir"
    # A reward window shorter than a run: the trainer learns while the nodes
    # answer, as it does all day, and its work is part of the run's cost.
    cluster_start "$keyart" "$run_dir" "$KEYART_DB" "$KEYART_FILES" "$nodes" "--wait-window 1s"
    # nginx's ceiling: a location answering by itself with a decision-sized body.
    body="$(printf '%*s' 420 '' | tr ' ' 'x')"
    sed -i "s|    location / {|    location = /ceiling { return 200 '{\"pad\":\"$body\"}'; }\n    location / {|" \
      "$run_dir/nginx/nginx.conf"
    nginx -p "$run_dir/nginx" -c "$run_dir/nginx/nginx.conf" -s reload
    sleep 0.5
    # The ceiling first, while the nodes and the trainer have nothing to do.
    read -r crps cp50 cp99 _ <<<"$(run_wrk /ceiling)"
    read -r rps p50 p99 errors <<<"$(run_wrk /v1/decide)"
    answered=0 pickup=""
    for ((i = 1; i <= nodes; i++)); do
      n=$(curl -s "http://127.0.0.1:808$i/metrics" | awk '/^keyart_decisions_total / {print $2}')
      answered=$((answered + ${n:-0}))
      pickup+="$(curl -s "http://127.0.0.1:808$i/healthz" |
                 python3 -c 'import json,sys; m=json.load(sys.stdin)["model"]; print("%d/%d/%d" % (m["adoptions"], m["pickup_ms"]["p99"], m["pickup_ms"]["max"]))') "
    done
    echo "nodes=$nodes round=$round model adoptions/pickup p99 ms/max ms per node: $pickup" >> "$work/pickup"
    echo "nodes=$nodes round=$round decisions/s=$rps p50_us=$p50 p99_us=$p99 non200=$errors" | tee -a "$results"
    echo "ceiling round=$round requests/s=$crps p50_us=$cp50 p99_us=$cp99" | tee -a "$results"
    cluster_stop "$run_dir"
    run_dir=""
    exposures=$(psql -qtA "$KEYART_DB" -c "SELECT count(*) FROM exposures")
    if [[ "$exposures" != "$answered" || "$errors" != 0 ]]; then
      echo "load_cluster: MISMATCH: $answered decisions answered, $exposures exposures, $errors non-200" >&2
      exit 1
    fi
  done
done

cat "$work/pickup"
python3 - "$results" <<'PY'
import statistics, sys, re
rows = [dict(kv.split("=") for kv in line.split()[1:]) | {"what": line.split()[0]}
        for line in open(sys.argv[1])]
print("median over rounds:")
for what in sorted({r["what"] for r in rows}):
    sel = [r for r in rows if r["what"] == what]
    key = "decisions/s" if what.startswith("nodes") else "requests/s"
    med = lambda k: statistics.median(float(r[k]) for r in sel)
    print(f"  {what:8} {key} {med(key):,.0f}  p50 {med('p50_us'):,.0f} us  p99 {med('p99_us'):,.0f} us")
PY
