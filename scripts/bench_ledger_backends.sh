#!/usr/bin/env bash
# Exposures written per second through the batch writer (full rows, every
# constraint), SQLite against PostgreSQL in the same run: a durable throwaway
# PostgreSQL cluster on 127.0.0.1 (scripts/pg_cluster.sh), then ROUNDS
# alternating runs of each, by wall clock. Prints each run and the medians.
#   scripts/bench_ledger_backends.sh BUILD_DIR [ROUNDS=3] [BATCH=1000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: $0 BUILD_DIR [ROUNDS] [BATCH]}"
rounds="${2:-3}"
batch="${3:-1000}"
bench="$build/benchmarks/bench_ledger_write"
[[ -x "$bench" ]] || { echo "no $bench: build the benchmarks first" >&2; exit 1; }
# shellcheck source=lib/durable_cluster.sh
source "$here/scripts/lib/durable_cluster.sh"
durable_cluster bench-pg
psql -q "$admin" -c "CREATE DATABASE keyart_bench"
db="${admin%/postgres}/keyart_bench"
results="$cluster/results"
: > "$results"
run() {  # backend filter
  KEYART_BENCH_POSTGRES="$db" "$bench" --benchmark_filter="$2/$batch/" \
    --benchmark_min_time=2 --benchmark_format=json 2>/dev/null |
    python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(sys.argv[1], round(b["items_per_second"]))' "$1" |
    tee -a "$results"
}
for ((i = 1; i <= rounds; i++)); do
  run sqlite BM_WriteExposuresSqliteWall
  run postgresql BM_WriteExposuresPostgres
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {k: statistics.median(int(v) for b, v in rows if b == k) for k in ("sqlite", "postgresql")}
print(f"median exposures/s: sqlite {med['sqlite']:,.0f}, postgresql {med['postgresql']:,.0f}; "
      f"postgresql/sqlite {med['postgresql'] / med['sqlite']:.2f}")
PY
