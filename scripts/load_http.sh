#!/usr/bin/env bash
# Load test of `keyart serve` with wrk on 127.0.0.1: a title with 8 artwork
# variants (the sample posters and title cards, uploaded through the real
# pipeline), an experiment (fixed control vs hybrid LinUCB), then wrk with
# keep-alive connections posting decisions (and, with --reward-share, rewards
# for a share of them). Afterwards the server is stopped with SIGTERM and the
# ledger must hold exactly one exposure per decision answered 200 and one
# reward per reward answered 200; the script fails otherwise.
#
# --baseline: beside keyart, nginx (Debian's nginx-light) answers every
# POST /v1/decide with a fixed decision of the same size (one keyart gave at
# the start); wrk runs against keyart and nginx in turn, --rounds times, and
# the script prints each run and keyart's share of nginx's rate (medians):
# this machine's HTTP ceiling, measured in the same minutes.
#
# keyart learns while it answers: each decision's reward window
# (--wait-window, 1s by default, shorter than a run) closes within the run,
# so every keyart run pays for learning what it decided, as a node does
# all day. After a keyart run the script waits until keyart has learned
# every decision of it (keyart_pending_decisions is 0) before the next run
# starts, so no run's learning falls into another's time.
#
# --personalizer: keyart serve also runs the Personalizer API
# (--personalizer-title pz), and wrk alternates, --rounds times, between
# POST /v1/decide and POST /personalizer/v1.0/rank (scripts/load/rank.lua:
# eight inline actions with features, a new eventId each) on the same
# server; the script prints the Rank rate as a share of /v1/decide's.
#
# --floor (with --baseline): each round also runs wrk against GET /livez on
# keyart and on nginx (the same 18-byte answer): the HTTP stack alone, no
# decision, no ledger row, no learning; the script prints that ratio too, so
# the distance between it and the decisions' ratio is what the decisions
# cost, measured in the same minutes.
#
# --page N: keyart is asked for whole pages (POST /v1/decide/page,
# scripts/load/page.lua) of N titles (page-1 .. page-N, added with three
# poster variants each), optionally with --max-same-actor K; rates are
# decisions/s (pages/s times N), and with --baseline the share is against
# nginx's single-decision ceiling.
#
#   scripts/load_http.sh [--keyart BIN] [--duration 30s] [--connections 32]
#                        [--wrk-threads 1] [--server-threads 2] [--reward-share 0.1]
#                        [--sample-memory SECONDS] [--work DIR] [--baseline [--rounds 2]]
#                        [--page N [--max-same-actor K]] [--personalizer [--rounds 2]]
#                        [--wait-window 1s] [--serve-args "ARGS"] [--baseline --floor]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/serve.sh
source "$root/scripts/lib/serve.sh"
# shellcheck source=lib/load_catalogue.sh
source "$root/scripts/lib/load_catalogue.sh"
keyart="$root/build/release/tools/keyart"
duration=30s connections=32 wrk_threads=1 server_threads=2 reward_share=0 sample_memory=0 work=
baseline=0 floor=0 rounds=1 page=0 max_same_actor= serve_args= personalizer=0 wait_window=1s
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
    --baseline) baseline=1; [[ "$rounds" == 1 ]] && rounds=2; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --floor) floor=1; shift ;;
    --personalizer) personalizer=1; [[ "$rounds" == 1 ]] && rounds=2; shift ;;
    --page) page="$2"; shift 2 ;;
    --max-same-actor) max_same_actor="$2"; shift 2 ;;
    --serve-args) serve_args="$2"; shift 2 ;;  # more keyart serve options (e.g. "--flush-interval 50ms")
    --wait-window) wait_window="$2"; shift 2 ;;
    *) echo "load_http: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "load_http: needs wrk (apt-get install wrk)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "load_http: needs /usr/bin/time (scripts/setup.sh installs it)" >&2; exit 1; }
if [[ "$baseline" == 1 && "$reward_share" != 0 ]]; then
  echo "load_http: --baseline compares decisions only (nginx answers no rewards); drop --reward-share" >&2
  exit 2
fi
if [[ "$floor" == 1 && "$baseline" != 1 ]]; then
  echo "load_http: --floor measures against nginx: add --baseline" >&2
  exit 2
fi
if [[ "$personalizer" == 1 && ( "$baseline" == 1 || "$page" != 0 || "$reward_share" != 0 ) ]]; then
  echo "load_http: --personalizer compares Rank with single decisions: drop --baseline, --page and --reward-share" >&2
  exit 2
fi
if [[ "$baseline" == 1 ]] && ! command -v nginx >/dev/null; then
  echo "load_http: --baseline needs nginx (scripts/setup.sh installs nginx-light)" >&2
  exit 1
fi

if [[ -z "$work" ]]; then work="$(mktemp -d /tmp/keyart-load.XXXXXX)"; else mkdir -p "$work"; fi
[[ -z "$(ls -A "$work")" ]] || { echo "load_http: $work is not empty" >&2; exit 2; }
export KEYART_DB="$work/keyart.db"
load_catalogue "$keyart" "$work"
if [[ "$page" != 0 ]]; then
  load_page_titles "$keyart" "$work" "$page"
  echo "load_http: $page page titles added"
fi
echo "load_http: ledger $KEYART_DB with $("$keyart" variant list --title night --json | grep -c '"variant_id"') variants"

[[ "$personalizer" == 1 ]] && serve_args="--personalizer-title pz $serve_args"
# shellcheck disable=SC2086  # serve_args is a list of options
start_keyart_serve "$keyart" "$work/serve.log" --threads "$server_threads" --wait-window "$wait_window" \
  $serve_args ||
  exit 1
pid=$serve_pid port=$serve_port
trap 'kill -9 $pid 2>/dev/null || true' EXIT

if [[ "$sample_memory" != 0 ]]; then
  (while kill -0 "$pid" 2>/dev/null; do
     echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null)"
     sleep "$sample_memory"
   done) > "$work/rss.log" &
fi

# nginx with a fixed decision of keyart's size, on a free port.
nginx_pid=""
if [[ "$baseline" == 1 ]]; then
  answer="$(curl -s -X POST -d '{"unit_id":"viewer-1","title_id":"night","context":{"device":"tv","country":"US","hour":21},"user":{"actor_frl_004":0.5,"genre_thriller":0.5,"activity":1.0}}' \
            "http://127.0.0.1:$port/v1/decide")"
  nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$work/nginx/logs" "$work/nginx/temp"
  cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path temp/body;
  proxy_temp_path temp/proxy;
  fastcgi_temp_path temp/fastcgi;
  uwsgi_temp_path temp/uwsgi;
  scgi_temp_path temp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /v1/decide { default_type application/json; return 200 '$answer'; }
    location = /livez { default_type application/json; return 200 '{"status":"alive"}'; }
  }
}
NGINX
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -q
  for _ in $(seq 1 50); do [[ -s "$work/nginx/logs/nginx.pid" ]] && break; sleep 0.1; done
  nginx_pid=$(cat "$work/nginx/logs/nginx.pid")
  trap 'kill -9 $pid 2>/dev/null || true; kill $nginx_pid 2>/dev/null || true' EXIT
  echo "load_http: nginx on :$nginx_port answers a fixed decision of ${#answer} bytes"
fi

# Waits until keyart has learned every decision it was sent (its reward
# windows closed and the expirer learned them); prints how long it took.
wait_until_learned() {
  local start=$SECONDS pending
  while :; do
    pending=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^keyart_pending_decisions / {print $2}') ||
      { echo "load_http: keyart's /metrics does not answer" >&2; exit 1; }
    [[ -n "$pending" ]] || { echo "load_http: keyart's /metrics has no keyart_pending_decisions" >&2; exit 1; }
    [[ "$pending" == 0 ]] && break
    (( SECONDS - start < 120 )) || { echo "load_http: keyart still has $pending decisions to learn" >&2; exit 1; }
    sleep 0.2
  done
  echo "load_http: keyart learned its run's decisions $((SECONDS - start)) s after it"
}
# CPU time of each thread of PID in clock ticks, summed by thread name
# (keyart-http-1 and keyart-http-2 as keyart-http): "name ticks" lines.
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    [[ -r "$task/stat" ]] || continue
    # after the ")" closing the name: state is field 1, utime 12, stime 13
    awk -v name="$(cat "$task/comm" 2>/dev/null)" '{sub(/.*\) /, ""); print name, $12 + $13}' "$task/stat" 2>/dev/null
  done | sed 's/-[0-9]* / /' | awk '{t[$1] += $2} END {for (n in t) print n, t[n]}'
}
ticks_per_second=$(getconf CLK_TCK)

# One wrk run against PORT; the keyart runs add their reads to the totals.
# A keyart decide (or rank) run lasts until keyart has learned its
# decisions. Each run's server CPU (every thread of keyart, or nginx's
# worker) is divided by the decisions (or requests) answered, in total and
# by thread.
decisions=0 rewards=0 errors=0
: > "$work/runs"
run_wrk() {  # name port
  local script="$root/scripts/load/decide.lua" per_request=1
  if [[ "$1" == keyart && "$page" != 0 ]]; then
    script="$root/scripts/load/page.lua" per_request="$page"
  fi
  [[ "$1" == rank ]] && script="$root/scripts/load/rank.lua"
  [[ "$1" == *-livez ]] && script="$root/scripts/load/livez.lua" per_request=1
  local server=$pid
  [[ "$1" == nginx* ]] && server=$(pgrep -P "$nginx_pid" | head -1)
  thread_ticks "$server" > "$work/ticks.before"
  KEYART_REWARD_SHARE="$reward_share" KEYART_WRK_RESULT="$work/wrk.result" \
    KEYART_PAGE="$page" KEYART_MAX_SAME_ACTOR="$max_same_actor" \
    /usr/bin/time -f "%U %S" -o "$work/wrk.cpu" \
    wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency \
    -s "$script" "http://127.0.0.1:$2" > "$work/wrk-$1.log"
  cat "$work/wrk-$1.log"
  [[ "$1" == keyart || "$1" == rank ]] && wait_until_learned
  thread_ticks "$server" > "$work/ticks.after"
  local r_ok r_decisions r_rewards r_errors r_p50 r_p99 rps
  read -r r_ok r_decisions r_rewards r_errors r_p50 r_p99 < "$work/wrk.result"
  # decisions/s (a page holds per_request of them)
  rps=$(awk -v n="$per_request" '/^Requests\/sec:/ {print $2 * n}' "$work/wrk-$1.log")
  # the server's CPU per decision (per request for /livez), in total and
  # by thread, and wrk's
  local cpu wrk_cpu answered=$((r_ok * per_request)) unit=decision
  [[ "$1" == *-livez ]] && unit=request
  (( answered > 0 )) || answered=1
  mapfile -t cpu < <(awk -v n="$answered" -v tick_us=$((1000000 / ticks_per_second)) '
    NR == FNR {before[$1] = $2; next}
    {d = ($2 - before[$1]) * tick_us / n; total += d; if (d > 0) parts = parts sprintf(" %s %.1f", $1, d)}
    END {printf "%.1f\n%s\n", total, parts}' "$work/ticks.before" "$work/ticks.after")
  wrk_cpu=$(awk -v n="$answered" '{printf "%.1f", ($1 + $2) * 1e6 / n}' "$work/wrk.cpu")
  echo "load_http: $1 server CPU a $unit ${cpu[0]} us, by thread:${cpu[1]}; wrk's ${wrk_cpu} us"
  local cpu_us=${cpu[0]}
  echo "$1 $rps $r_p50 $r_p99 $r_errors $cpu_us" >> "$work/runs"
  if [[ "$1" != nginx ]]; then
    decisions=$((decisions + r_decisions)) rewards=$((rewards + r_rewards))
  fi
  errors=$((errors + r_errors))
}
for ((round = 1; round <= rounds; round++)); do
  run_wrk keyart "$port"
  [[ "$baseline" == 1 ]] && run_wrk nginx "$nginx_port"
  if [[ "$floor" == 1 ]]; then
    run_wrk keyart-livez "$port"
    run_wrk nginx-livez "$nginx_port"
  fi
  if [[ "$personalizer" == 1 ]]; then
    run_wrk rank "$port"
  fi
done
[[ -n "$nginx_pid" ]] && kill "$nginx_pid"

metrics="$(curl -s "http://127.0.0.1:$port/metrics")"
grep -E '^keyart_(decisions_total|fallbacks_total|rewards_acknowledged|ledger_shed|errors_total)' <<<"$metrics" || true
answered_decisions=$(awk '/^keyart_decisions_total / {print $2}' <<<"$metrics")
answered_rewards=$(awk '/^keyart_rewards_acknowledged_total / {print $2}' <<<"$metrics")
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
tail -1 "$work/serve.log"

if [[ "$baseline" == 1 || "$personalizer" == 1 ]]; then
  other=$([[ "$personalizer" == 1 ]] && echo rank || echo nginx)
  python3 - "$work/runs" "$other" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
other = sys.argv[2]
for name, rps, p50, p99, errors, cpu in runs:
    unit = "request" if name.endswith("-livez") else "decision"
    print(f"load_http: {name:12} {float(rps):>10,.0f} {unit + 's/s':11}  p50 {float(p50):,.0f} us  p99 {float(p99):,.0f} us"
          f"  errors {errors}  server CPU {float(cpu):.1f} us a {unit}")
med = {k: statistics.median(float(r[1]) for r in runs if r[0] == k) for k in ("keyart", other)}
if any(r[0] == "keyart-livez" for r in runs):
    floor = {k: statistics.median(float(r[1]) for r in runs if r[0] == k) for k in ("keyart-livez", "nginx-livez")}
    print(f"load_http: GET /livez, keyart / nginx (medians): {floor['keyart-livez']:,.0f} / {floor['nginx-livez']:,.0f}"
          f" = {floor['keyart-livez'] / floor['nginx-livez']:.2f} (the HTTP stack alone)")
if other == "rank":
    print(f"load_http: rank / decide (medians): {med['rank']:,.0f} / {med['keyart']:,.0f} = {med['rank'] / med['keyart']:.2f}")
else:
    print(f"load_http: keyart / nginx (medians): {med['keyart']:,.0f} / {med['nginx']:,.0f} = {med['keyart'] / med['nginx']:.2f}")
PY
fi
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
# (with --baseline, the one decision that gave nginx its answer came from curl)
(( answered_decisions - decisions <= connections * rounds * (1 + personalizer) * (page > 0 ? page : 1) + baseline )) || { echo "load_http: wrk lost too many" >&2; status=1; }
[[ "$errors" == 0 ]] || { echo "load_http: errors answered" >&2; status=1; }
[[ "$integrity" == "ok" ]] || status=1
echo "load_http: work files in $work"
exit $status
