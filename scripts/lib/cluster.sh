# Sourced by scripts/cluster.sh and scripts/load_cluster.sh: a keyart
# cluster on this machine, on 127.0.0.1. One `keyart train`, N `keyart serve`
# nodes that follow it (--model-from ledger), and nginx in front with the
# shipped configuration (deploy/nginx/keyart.conf; ports 8080 and 8081-8083,
# the server lines of nodes beyond N left out). Everything lives in DIR:
# logs, pid files, nginx's prefix.
#
#   cluster_start KEYART DIR DB FILES N LEARNING [extra serve options...]
#                               LEARNING: learner flags for the trainer and
#                               the nodes alike ("" for the defaults; not
#                               --sticky, the nodes' alone: it goes with the
#                               serve options)
#   cluster_stop DIR            SIGTERM to every process (nodes first, the
#                               trainer last, so it learns what they flushed)
cluster_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Waits up to 30 s for "listening on" in LOG; prints LOG and fails otherwise.
cluster_wait_listening() {
  local log="$1"
  for _ in $(seq 1 300); do
    grep -q "listening on" "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "cluster: $(basename "$log" .log) did not start:" >&2
  cat "$log" >&2
  return 1
}

cluster_start() {
  local keyart="$1" dir="$2" db="$3" files="$4" nodes="$5" learning="$6"
  shift 6
  mkdir -p "$dir/nginx/logs" "$dir/nginx/temp"
  # shellcheck disable=SC2086  # learning is a list of flags
  "$keyart" train --db "$db" --files "$files" --listen 127.0.0.1:9090 $learning > "$dir/trainer.log" 2>&1 &
  echo $! > "$dir/trainer.pid"
  cluster_wait_listening "$dir/trainer.log" || return 1
  local i
  for ((i = 1; i <= nodes; i++)); do
    # shellcheck disable=SC2086  # learning is a list of flags
    "$keyart" serve --db "$db" --files "$files" --listen "127.0.0.1:808$i" --model-from ledger $learning "$@" \
      > "$dir/node$i.log" 2>&1 &
    echo $! > "$dir/node$i.pid"
  done
  for ((i = 1; i <= nodes; i++)); do cluster_wait_listening "$dir/node$i.log" || return 1; done
  # The shipped configuration, without the server lines of absent nodes.
  local drop=""
  for ((i = nodes + 1; i <= 3; i++)); do drop+="/server 127\\.0\\.0\\.1:808$i /d;"; done
  sed -e "$drop" "$cluster_root/deploy/nginx/keyart.conf" > "$dir/nginx/nginx.conf"
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -q
  for _ in $(seq 1 100); do
    [[ -s "$dir/nginx/logs/nginx.pid" ]] && return 0
    sleep 0.1
  done
  echo "cluster: nginx did not start" >&2
  cat "$dir/nginx/logs/error.log" >&2
  return 1
}

cluster_stop() {
  local dir="$1" f pid
  if [[ -s "$dir/nginx/logs/nginx.pid" ]]; then
    nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s quit 2>/dev/null || true
  fi
  for f in "$dir"/node*.pid "$dir/trainer.pid"; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  done
}
