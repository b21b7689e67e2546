#!/usr/bin/env bash
# A report on a large ledger, SQLite against PostgreSQL in the same run (and
# optionally a second keyart build on PostgreSQL, to compare two builds):
# one warm-up run each, then ROUNDS alternating runs, by wall clock. Prints
# each run, the medians, and whether the JSON reports agree byte for byte
# apart from generated_at. The PostgreSQL ledger is a copy of the SQLite one
# (keyart ledger copy), so both hold the same data.
#   scripts/bench_report_backends.sh KEYART SQLITE_DB POSTGRES_URI EXPERIMENT [ROUNDS=3] [KEYART_BEFORE]
set -euo pipefail
usage="usage: $0 KEYART SQLITE_DB POSTGRES_URI EXPERIMENT [ROUNDS] [KEYART_BEFORE]"
keyart="${1:?$usage}" sqlite_db="${2:?$usage}" pg_uri="${3:?$usage}" experiment="${4:?$usage}"
rounds="${5:-3}" before="${6:-}"
work="$(mktemp -d /tmp/keyart-bench-report.XXXXXX)"
trap 'rm -rf "$work"' EXIT
run() {  # tag keyart db
  local tag="$1" bin="$2" db="$3"
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" report experiment "$experiment" --db "$db" \
    --format json > "$work/$tag.json"
  read -r wall user sys < "$work/time"
  echo "$tag $wall s wall ($user user + $sys sys)" | tee -a "$work/results"
}
round() {
  [[ -z "$before" ]] || run postgresql-before "$before" "$pg_uri"
  run postgresql "$keyart" "$pg_uri"
  run sqlite "$keyart" "$sqlite_db"
}
round > /dev/null  # warm-up
: > "$work/results"
for ((i = 1; i <= rounds; i++)); do round; done
python3 - "$work/results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    tag, wall = line.split()[:2]
    runs.setdefault(tag, []).append(float(wall))
for tag, walls in runs.items():
    print(f"median {tag}: {statistics.median(walls):.2f} s over {len(walls)} runs")
PY
same=yes
for f in "$work"/*.json; do
  cmp -s <(grep -v '"generated_at"' "$f") <(grep -v '"generated_at"' "$work/sqlite.json") || same=no
done
echo "reports identical apart from generated_at: $same"
[[ "$same" == yes ]]
