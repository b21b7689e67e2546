# Sourced by the scripts that drive `keyart serve` (examples/demo.sh,
# scripts/load_http.sh). start_keyart_serve KEYART LOG [serve options...]
# starts the server in the background on 127.0.0.1 with an OS-chosen port,
# logging to LOG, and waits up to 10 s for its startup line. It sets
# serve_pid and serve_port; when the server does not come up it prints the
# log and returns 1.
start_keyart_serve() {
  local keyart="$1" log="$2"
  shift 2
  "$keyart" serve --listen 127.0.0.1:0 "$@" > "$log" 2>&1 &
  serve_pid=$!
  serve_port=""
  for _ in $(seq 1 100); do
    serve_port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
    [[ -n "$serve_port" ]] && break
    sleep 0.1
  done
  if [[ -z "$serve_port" ]]; then
    cat "$log" >&2
    return 1
  fi
  head -1 "$log"
}
