# Sourced by the tests that run Node against keyart serve (tests/openapi/,
# tests/personalizer/). node_test_setup NAME PACKAGE... checks that the npm
# packages scripts/setup.sh installs are in the cache ($KEYART_NODE_CACHE,
# else ~/.cache/keyart-node; it exits 1 naming the missing one), makes a
# work folder and removes it at exit, stopping the server whose pid is in
# `pid` (set it once the server runs; empty it once it has been stopped).
# It sets node_cache and work.
node_test_setup() {
  local name="$1"
  shift
  node_cache="${KEYART_NODE_CACHE:-$HOME/.cache/keyart-node}"
  for package in "$@"; do
    if [[ ! -d "$node_cache/node_modules/$package" ]]; then
      echo "$name: $package is not in $node_cache; run scripts/setup.sh" >&2
      exit 1
    fi
  done
  work="$(mktemp -d "/tmp/keyart-$name.XXXXXX")"
  pid=""
  trap 'node_test_cleanup' EXIT
}

node_test_cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
