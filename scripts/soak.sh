#!/usr/bin/env bash
# Soak test of `keyart serve`: mixed decide/reward load with wrk against
# 127.0.0.1 for a long time (default 10 minutes), resident memory sampled
# every 10 s. Passes when no request was answered with anything but 200,
# the ledger holds exactly the acknowledged decisions and rewards, its
# integrity check is ok (all checked by scripts/load_http.sh), and resident
# memory after warm-up grew by less than --max-growth-mib.
#
#   scripts/soak.sh [--keyart BIN] [--duration 10m] [--reward-share 0.2]
#                   [--warmup-s 60] [--max-growth-mib 32] [--work DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keyart="$root/build/release/tools/keyart"
duration=10m reward_share=0.2 warmup=60 max_growth=32 work=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keyart) keyart="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --reward-share) reward_share="$2"; shift 2 ;;
    --warmup-s) warmup="$2"; shift 2 ;;
    --max-growth-mib) max_growth="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$work" ]] || work="$(mktemp -d /tmp/keyart-soak.XXXXXX)"

status=0
"$root/scripts/load_http.sh" --keyart "$keyart" --duration "$duration" \
  --reward-share "$reward_share" --sample-memory 10 --connections 32 --work "$work" \
  --wait-window 10s || status=$?

# rss.log: "<unix time> <KiB>" every 10 s from the server's start.
awk -v warmup="$warmup" -v limit="$max_growth" '
  NF == 2 && $2 != "" {
    if (start == "") start = $1
    t = $1 - start
    if (t >= warmup && base == "") { base = $2; base_t = t }
    if (base != "") { last = $2; last_t = t; if ($2 > peak) peak = $2 }
  }
  END {
    if (base == "") { print "soak: run shorter than the warm-up; no verdict on memory"; exit 1 }
    growth = (last - base) / 1024
    printf "soak: resident memory %.1f MiB at %d s (after warm-up), %.1f MiB at %d s, peak %.1f MiB: growth %.1f MiB (limit %d)\n",
           base / 1024, base_t, last / 1024, last_t, peak / 1024, growth, limit
    exit growth < limit ? 0 : 1
  }' "$work/rss.log" || { echo "soak: memory grew too much" >&2; status=1; }
echo "soak: $( [[ $status == 0 ]] && echo PASS || echo FAIL ) (files in $work)"
exit $status
