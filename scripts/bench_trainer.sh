#!/usr/bin/env bash
# The trainer's throughput: joined events (exposures and rewards) learned per
# second by `keyart train --once --no-resume`, which reads a whole ledger in
# commit order, learns it and publishes one model. The ledger: a simulated A/B
# test (`keyart sim ab`, fixed control against hybrid LinUCB) over N generated
# impressions, in SQLite, then copied into a durable throwaway PostgreSQL
# cluster (`keyart ledger copy`); ROUNDS alternating runs on each; wall clock
# (the PostgreSQL server's CPU is another process). Prints each run and the
# medians.
#   scripts/bench_trainer.sh BUILD_DIR [ROUNDS=3] [N=1000000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: $0 BUILD_DIR [ROUNDS] [N]}"
rounds="${2:-3}"
n="${3:-1000000}"
keyart="$build/tools/keyart"
[[ -x "$keyart" ]] || { echo "no $keyart: build it first" >&2; exit 1; }
work="$(mktemp -d /tmp/keyart-bench-trainer.XXXXXX)"
chmod 755 "$work"  # the PostgreSQL server runs as nobody when this runs as root
trap '"$here/scripts/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$keyart" sim generate --n "$n" --seed 1 --out "$work/wl.jsonl" >/dev/null
"$keyart" sim ab --db "$work/ab.db" -w "$work/wl.jsonl" -e ab -a control=fixed:default \
  -a bandit=hybrid-linucb >/dev/null
admin="$("$here/scripts/pg_cluster.sh" start "$work/pg" --durable)"
export PGPASSFILE="$work/pg/pgpass"
psql -q "$admin" -c "CREATE DATABASE keyart_bench"
pg="${admin%/postgres}/keyart_bench"
"$keyart" ledger copy --from "$work/ab.db" --to "$pg" --files "$work/files" >/dev/null
events=$(( $(sqlite3 "$work/ab.db" "SELECT count(*) FROM exposures") +
           $(sqlite3 "$work/ab.db" "SELECT count(*) FROM rewards") ))
echo "bench_trainer: $events events (exposures + rewards) in each ledger"
results="$work/results"
: > "$results"
run() {  # backend db [files]
  local t0 t1
  t0=$(date +%s.%N)
  "$keyart" train --db "$2" ${3:+--files "$3"} --once --no-resume --wait-window 15m >/dev/null
  t1=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(sys.argv[3], round(int(sys.argv[4])/s), round(s, 2))" \
    "$t0" "$t1" "$1" "$events" | tee -a "$results"
}
for ((i = 1; i <= rounds; i++)); do
  run sqlite "$work/ab.db"
  run postgresql "$pg" "$work/files"
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for backend in ("sqlite", "postgresql"):
    med = statistics.median(int(r[1]) for r in rows if r[0] == backend)
    print(f"median joined events/s on {backend}: {med:,.0f}")
PY
