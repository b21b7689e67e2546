#!/usr/bin/env bash
# The whole keyart loop on the sample data: a title with its cast, artwork
# uploaded and analysed, an A/B experiment (a fixed control poster against a
# contextual bandit), simulated viewers served over HTTP by `keyart serve`,
# a viewer whose tastes keyart learns from what they watched, the analyst's
# report, and off-policy evaluation of policies that were never deployed. Usage: examples/demo.sh [path/to/keyart]
# With KEYART_DEMO_POSTGRES=1 the ledgers are PostgreSQL databases on a
# throwaway local cluster (scripts/pg_cluster.sh, removed at the end) and the
# stored files go in the demo folder (--files): the same loop, the same
# commands, except that the serving node follows a trainer (`keyart train`
# beside it, docs/SCALING.md), as nodes on a shared ledger do.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
keyart="${1:-$here/../build/release/tools/keyart}"
out="${KEYART_DEMO_DIR:-$here/../demo-out}"
impressions="${KEYART_DEMO_IMPRESSIONS:-20000}"
art="$here/artwork"

rm -rf "$out"
mkdir -p "$out"
export KEYART_DB="$out/keyart.db"
sim_db="$out/sim.db"
cluster="" serve_pid="" train_pid=""
cleanup() {
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null
  [[ -n "$train_pid" ]] && kill "$train_pid" 2>/dev/null
  [[ -n "$cluster" ]] && "$here/../scripts/pg_cluster.sh" stop "$cluster"
  return 0
}
trap cleanup EXIT
if [[ "${KEYART_DEMO_POSTGRES:-0}" == 1 ]]; then
  cluster="$out/postgres"
  admin="$("$here/../scripts/pg_cluster.sh" start "$cluster")"
  export PGPASSFILE="$cluster/pgpass"
  psql -q "$admin" -c "CREATE DATABASE keyart_demo" -c "CREATE DATABASE keyart_demo_sim"
  export KEYART_DB="${admin%/postgres}/keyart_demo"
  export KEYART_FILES="$out/files"
  sim_db="${admin%/postgres}/keyart_demo_sim"
  echo "demo: ledgers on PostgreSQL ($KEYART_DB and $sim_db)"
fi
# shellcheck source=../scripts/lib/serve.sh
source "$here/../scripts/lib/serve.sh"
step() { printf '\n== %s\n' "$*"; }

step "1. A ledger, a title and its cast (with reference headshots)"
"$keyart" init
"$keyart" title add night --name "The Long Night" --genre thriller --genre drama
"$keyart" cast add --title night --actor frl_004 --name "Alex Reyes" --billing 1 "$art/headshots/frl_004.jpg"
"$keyart" cast add --title night --actor frl_030 --name "Cole Amari" --billing 2 "$art/headshots/frl_030.jpg"
"$keyart" cast add --title night --actor frl_042 --name "Dara Quinn" --billing 3 --role supporting "$art/headshots/frl_042.jpg"
"$keyart" cast add --title night --actor lisa --name "Lisa Marsh" --billing 4 --role supporting "$art/headshots/lisa.jpg"
"$keyart" cast add --title night --actor frl_025 --name "Bea Cole" --billing 9 --role minor "$art/headshots/frl_025.jpg"

step "2. Upload the artwork: validate, extract features, recognise the cast"
"$keyart" variant upload --title night "$art/artwork"
"$keyart" variant list --title night
"$keyart" variant inspect night-v1 --out "$out/night-v1-inspect.png"
echo "(what the engine saw in night-v1: $out/night-v1-inspect.png)"

step "3. An experiment: the ensemble poster for everyone vs a contextual bandit"
"$keyart" experiment create poster-test --name "Ensemble poster vs personalised artwork" \
  --title night --arm control=fixed:night-v3@0.5 --arm bandit=hybrid-linucb@0.5 \
  --guardrail play --start
"$keyart" experiment show poster-test

step "4. Serve $impressions simulated impressions over HTTP (keyart serve on 127.0.0.1)"
"$keyart" variant list --title night --json > "$out/variants.json"
if [[ -n "$cluster" ]]; then
  # On the shared ledger the node only decides and logs; the trainer learns
  # from the ledger and publishes a model every half second (1 s behind the
  # newest decision, windows of 2 s), which the node adopts.
  "$keyart" train --listen 127.0.0.1:0 --wait-window 2s --lateness 1s \
    --publish-interval 500ms > "$out/train.log" 2>&1 &
  train_pid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$out/train.log" && break; sleep 0.1; done
  head -1 "$out/train.log"
fi
start_keyart_serve "$keyart" "$out/serve.log" --wait-window 2s ||
  { echo "demo: keyart serve did not start" >&2; exit 1; }
port="$serve_port"
python3 "$here/traffic.py" --port "$port" --title night --variants "$out/variants.json" \
  --impressions "$impressions"
curl -s "http://127.0.0.1:$port/healthz" 2>/dev/null && echo || true
kill -TERM "$serve_pid"
wait "$serve_pid" || true
serve_pid=""
tail -2 "$out/serve.log"
if [[ -n "$train_pid" ]]; then
  kill -TERM "$train_pid"
  wait "$train_pid" || true
  train_pid=""
  tail -1 "$out/train.log"
fi

step "4b. A viewer who follows a supporting actor (keyart serve --profiles)"
# Three more films in which one of the night's supporting actors (one that
# some poster features) also plays a supporting part, each with its own lead.
supporting="$(python3 -c 'import json, sys
featured = {v["arm_features"].get("featured_actor") for v in json.load(open(sys.argv[1]))}
print(next((a for a in ["frl_042", "lisa"] if a in featured), ""))' "$out/variants.json")"
if [[ -z "$supporting" ]]; then
  echo "(no poster features a supporting actor: step skipped)"
else
  declare -A names=([frl_042]="Dara Quinn" [lisa]="Lisa Marsh")
  for i in 1 2 3; do
    "$keyart" title add "film$i" --name "Earlier film $i" --genre thriller >/dev/null
    "$keyart" cast add --title "film$i" --actor "lead$i" --name "Lead Actor $i" >/dev/null
    "$keyart" cast add --title "film$i" --actor "$supporting" --name "${names[$supporting]}" \
      --billing 2 --role supporting >/dev/null
  done
  echo "film1, film2, film3: each led by someone else, with ${names[$supporting]} ($supporting) supporting"
  start_keyart_serve "$keyart" "$out/serve-profiles.log" --wait-window 2s --profiles ||
    { echo "demo: keyart serve --profiles did not start" >&2; exit 1; }
  python3 "$here/profile_demo.py" --port "$serve_port" --title night --watched film1 film2 film3 \
    --variants "$out/variants.json"
  kill -TERM "$serve_pid"
  wait "$serve_pid" || true
  serve_pid=""
fi

step "5. The analyst's report"
"$keyart" variant sheet --title night --out "$out/night-sheet.png"
echo "(contact sheet with each variant's click rate: $out/night-sheet.png)"
"$keyart" report experiment poster-test
"$keyart" report experiment poster-test --by device
"$keyart" report experiment poster-test --format html --out "$out/report.html"
echo "(HTML report with charts: $out/report.html)"

step "6. Policies never deployed, evaluated on the logged exposures (off-policy)"
"$keyart" report ope --from poster-test --policy uniform
"$keyart" report ope --from poster-test --policy lints

step "7. A bigger simulated A/B test: 200,000 impressions of a synthetic catalogue"
"$keyart" sim generate --n 200000 --users 50000 --seed 7 --out - |
  "$keyart" sim ab --db "$sim_db" --workload - --experiment sim-ab \
    --arm control=fixed:default --arm bandit=hybrid-linucb --per-day 20000 |
  tail -1
"$keyart" report experiment sim-ab --db "$sim_db" --format html --out "$out/sim-report.html"
"$keyart" report experiment sim-ab --db "$sim_db" | sed -n '1,12p'
echo "(HTML report: $out/sim-report.html)"
echo
echo "demo: done; everything is in $out"
