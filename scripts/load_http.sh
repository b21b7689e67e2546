#!/usr/bin/env bash
# Load test of `keyart serve` with wrk on 127.0.0.1: a title with 8 artwork
# variants (the sample posters and title cards, uploaded through the real
# pipeline), an experiment (fixed control vs hybrid LinUCB), then wrk with
# keep-alive connections posting decisions (and, with --reward-share, rewards
# for a share of them). Afterwards the server is stopped with SIGTERM and the
# ledger must hold exactly one exposure per decision answered 200 and one
# reward per reward answered 200; the script fails otherwise.
#
#   scripts/load_http.sh [--keyart BIN] [--duration 30s] [--connections 32]
#                        [--wrk-threads 1] [--server-threads 2] [--reward-share 0.1]
#                        [--sample-memory SECONDS] [--work DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/serve.sh
source "$root/scripts/lib/serve.sh"
# shellcheck source=lib/load_catalogue.sh
source "$root/scripts/lib/load_catalogue.sh"
keyart="$root/build/release/tools/keyart"
duration=30s connections=32 wrk_threads=1 server_threads=2 reward_share=0 sample_memory=0 work=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keyart) keyart="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --wrk-threads) wrk_threads="$2"; shift 2 ;;
    --server-threads) server_threads="$2"; shift 2 ;;
    --reward-share) reward_share="$2"; shift 2 ;;
    --sample-memory) sample_memory="$2"; shift 2 ;;  # seconds between RSS samples (0 = off)
    --work) work="$2"; shift 2 ;;  # folder for the ledger, logs and samples (default: a new one)
    *) echo "load_http: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "load_http: needs wrk (apt-get install wrk)" >&2; exit 1; }

if [[ -z "$work" ]]; then work="$(mktemp -d /tmp/keyart-load.XXXXXX)"; else mkdir -p "$work"; fi
[[ -z "$(ls -A "$work")" ]] || { echo "load_http: $work is not empty" >&2; exit 2; }
export KEYART_DB="$work/keyart.db"
load_catalogue "$keyart" "$work"
echo "load_http: ledger $KEYART_DB with $("$keyart" variant list --title night --json | grep -c '"variant_id"') variants"

start_keyart_serve "$keyart" "$work/serve.log" --threads "$server_threads" --wait-window 10s ||
  exit 1
pid=$serve_pid port=$serve_port
trap 'kill -9 $pid 2>/dev/null || true' EXIT

if [[ "$sample_memory" != 0 ]]; then
  (while kill -0 "$pid" 2>/dev/null; do
     echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null)"
     sleep "$sample_memory"
   done) > "$work/rss.log" &
fi

KEYART_REWARD_SHARE="$reward_share" KEYART_WRK_RESULT="$work/wrk.result" \
  wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency \
  -s "$root/scripts/load/decide.lua" "http://127.0.0.1:$port" | tee "$work/wrk.log"

metrics="$(curl -s "http://127.0.0.1:$port/metrics")"
grep -E '^keyart_(decisions_total|fallbacks_total|rewards_acknowledged|ledger_shed|errors_total)' <<<"$metrics" || true
answered_decisions=$(awk '/^keyart_decisions_total / {print $2}' <<<"$metrics")
answered_rewards=$(awk '/^keyart_rewards_acknowledged_total / {print $2}' <<<"$metrics")
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
tail -1 "$work/serve.log"

read -r ok decisions rewards errors p50 p99 < "$work/wrk.result"
exposures=$(sqlite3 "$KEYART_DB" "SELECT count(*) FROM exposures")
stored_rewards=$(sqlite3 "$KEYART_DB" "SELECT count(*) FROM rewards")
integrity=$(sqlite3 "$KEYART_DB" "PRAGMA integrity_check")
# wrk stops reading when its time is up, so answers to requests still in
# flight then are sent but not counted by wrk (at most one per connection):
# the exact count of answers sent with 200 is the server's own.
echo "load_http: decisions answered 200: $answered_decisions (wrk read $decisions), exposures in the ledger: $exposures"
echo "load_http: rewards acknowledged: $answered_rewards (wrk read $rewards), rewards in the ledger: $stored_rewards"
echo "load_http: non-200 answers: $errors; integrity_check: $integrity"
if [[ "$sample_memory" != 0 ]]; then
  echo "load_http: resident memory samples (unix time, KiB) in $work/rss.log:"
  cat "$work/rss.log"
fi
status=0
[[ "$exposures" == "$answered_decisions" ]] || { echo "load_http: MISMATCH exposures" >&2; status=1; }
[[ "$stored_rewards" == "$answered_rewards" ]] || { echo "load_http: MISMATCH rewards" >&2; status=1; }
(( answered_decisions - decisions <= connections )) || { echo "load_http: wrk lost too many" >&2; status=1; }
[[ "$errors" == 0 ]] || { echo "load_http: errors answered" >&2; status=1; }
[[ "$integrity" == "ok" ]] || status=1
echo "load_http: work files in $work"
exit $status
