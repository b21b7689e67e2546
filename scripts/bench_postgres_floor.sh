#!/usr/bin/env bash
# The floor under PostgreSQL's exposure writes (docs/BENCHMARKS.md, "Exposures
# written through the batch writer"): real exposure rows, COPYed by the
# server from a file (no client at all, one transaction per load) into
#   bare      the exposures table's columns alone (LIKE exposures)
#   indexed   its columns, indexes and CHECKs, unpartitioned, no foreign
#             keys or trigger (LIKE exposures INCLUDING ALL)
#   ledger    the ledger's own exposures table, every rule
# in text and binary COPY, alternating with SQLite's full rows through the
# batch writer (bench_ledger_write), ROUNDS times. Prints each run, the
# medians and each case's ratio to SQLite's median. A durable throwaway
# cluster (scripts/pg_cluster.sh), removed at the end.
#   scripts/bench_postgres_floor.sh BUILD_DIR [ROUNDS=3] [ROWS=200000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: $0 BUILD_DIR [ROUNDS] [ROWS]}"
rounds="${2:-3}"
rows="${3:-200000}"
bench="$build/benchmarks/bench_ledger_write"
[[ -x "$bench" ]] || { echo "no $bench: build the benchmarks first" >&2; exit 1; }
# shellcheck source=lib/durable_cluster.sh
source "$here/scripts/lib/durable_cluster.sh"
durable_cluster pg-floor
psql -X -q "$admin" -c "CREATE DATABASE floor"
db="${admin%/postgres}/floor"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$db" "$@"; }

# Real rows: the benchmark's own, left in the database by its last run.
KEYART_BENCH_POSTGRES="$db" "$bench" --benchmark_filter='BM_WriteExposuresPostgres/1000/' \
  --benchmark_min_time=8 >/dev/null 2>&1
have="$(sql -c "SELECT count(*) FROM exposures")"
(( have >= rows )) || { echo "bench_postgres_floor: only $have rows to copy (need $rows)" >&2; exit 1; }
# The server writes and reads the files: its run directory is its own.
text="$cluster/run/rows.copy" binary="$cluster/run/rows.bin"
sql -c "COPY (SELECT * FROM exposures LIMIT $rows) TO '$text'"
sql -c "COPY (SELECT * FROM exposures LIMIT $rows) TO '$binary' WITH (FORMAT binary)"
sql -c "CREATE TABLE bare (LIKE exposures)" -c "CREATE TABLE indexed (LIKE exposures INCLUDING ALL)"
echo "bench_postgres_floor: $rows rows, $(sql -c "SELECT round(avg(pg_column_size(e.*))) FROM exposures e") bytes each on average"

declare -A table=([bare]=bare [indexed]=indexed [ledger]=exposures)
declare -A emptied=([bare]=bare [indexed]=indexed [ledger]="exposures, rewards")
results="$cluster/results"
: > "$results"
copy_once() {  # case format
  local from="$text" with=""
  [[ "$2" == binary ]] && from="$binary" with=" WITH (FORMAT binary)"
  sql -c "TRUNCATE ${emptied[$1]}"
  local ms
  ms="$(printf '\\timing on\nCOPY %s FROM %s%s;\n' "${table[$1]}" "'$from'" "$with" |
        psql -X -v ON_ERROR_STOP=1 "$db" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')"
  [[ "$(sql -c "SELECT count(*) FROM ${table[$1]}")" == "$rows" ]] ||
    { echo "bench_postgres_floor: COPY into ${table[$1]} lost rows" >&2; exit 1; }
  awk -v c="$1/$2" -v ms="$ms" -v n="$rows" 'BEGIN { printf "%s %.0f\n", c, n / (ms / 1000) }' |
    tee -a "$results"
}
sqlite_once() {
  "$bench" --benchmark_filter='BM_WriteExposuresSqliteWall/1000/' --benchmark_min_time=2 \
    --benchmark_format=json 2>/dev/null |
    python3 -c 'import json,sys; print("sqlite", round(json.load(sys.stdin)["benchmarks"][0]["items_per_second"]))' |
    tee -a "$results"
}
cases=(bare/text bare/binary indexed/text indexed/binary ledger/text ledger/binary)
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < ${#cases[@]}; k++)); do  # each round starts one case later
    c="${cases[$(((k + r) % ${#cases[@]}))]}"
    copy_once "${c%/*}" "${c#*/}"
    (( k == ${#cases[@]} / 2 - 1 )) && sqlite_once
  done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rate = line.split()
    runs.setdefault(name, []).append(int(rate))
sqlite = statistics.median(runs.pop("sqlite"))
print(f"sqlite, full rows through the batch writer: median {sqlite:,.0f} exposures/s")
for name, rates in runs.items():
    med = statistics.median(rates)
    print(f"postgresql {name:15} median {med:>9,.0f} rows/s  / sqlite {med / sqlite:.2f}")
PY
