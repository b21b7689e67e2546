#!/usr/bin/env bash
# Installs what keyart needs on Debian 12 (only what is missing), then
# obtains the face models (scripts/fetch_models.sh). Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  cmake g++ make pkg-config ccache git ca-certificates curl wrk
  time  # /usr/bin/time: wall and CPU of a run (scripts/bench_report_backends.sh)
  libboost-dev libboost-program-options-dev
  nlohmann-json3-dev libsqlite3-dev sqlite3 libeigen3-dev libsimdjson-dev libssl-dev
  libopencv-dev libopencv-contrib-dev
  libwebp-dev  # artwork decodes WebP with libwebp directly (docs/RELIABILITY.md, Fuzzing)
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-onnx
  python3-scipy  # regenerates the reference values of the statistics tests
  chromium fonts-dejavu-core  # renders the HTML report in tests (headless)
  libcsv-dev  # parses CSV files for keyart import logs
  libjemalloc-dev  # the allocator of the keyart program and the benchmarks (CMakeLists.txt)
  postgresql-15 libpq-dev  # the PostgreSQL ledger backend; tests start a throwaway cluster
  nginx-light  # the load balancer in front of several serving nodes (deploy/nginx/)
  nodejs  # runs the OpenAPI validators (tests/openapi/) and the Personalizer client (tests/personalizer/)
  clang-14 libfuzzer-14-dev libclang-rt-14-dev  # the libFuzzer targets in fuzz/ (docs/RELIABILITY.md)
)
# npm may come with a nodejs package from elsewhere (e.g. NodeSource), which
# conflicts with Debian's npm package: only ask for it when no npm is found.
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [[ "${KEYART_SETUP_EXTRA:-}" != "" ]]; then
  # shellcheck disable=SC2206
  packages+=(${KEYART_SETUP_EXTRA})
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || true
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# From npm into a cache outside the repository: the OpenAPI test's
# validators (tests/openapi/) and Microsoft's Personalizer client with its
# REST runtime (tests/personalizer/). The marker names the versions, so a
# change of them installs again.
node_cache="${KEYART_NODE_CACHE:-$HOME/.cache/keyart-node}"
node_packages=(@apidevtools/swagger-parser@10.1.0 ajv@8.17.1
               @azure/cognitiveservices-personalizer@2.0.1 @azure/ms-rest-js@2.7.0)
node_marker="$node_cache/.installed-$(echo "${node_packages[*]}" | md5sum | cut -c1-12)"
if [[ ! -f "$node_marker" ]]; then
  echo "setup: installing ${node_packages[*]} into $node_cache"
  mkdir -p "$node_cache"
  (cd "$node_cache" && npm install --no-audit --no-fund --silent --no-save "${node_packages[@]}")
  touch "$node_marker"
fi

if [[ -x "$here/scripts/fetch_models.sh" ]]; then
  "$here/scripts/fetch_models.sh"
fi
