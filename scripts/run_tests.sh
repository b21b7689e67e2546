#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test suite.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
build="${KEYART_BUILD_DIR:-$here/build/tests}"
"$here/scripts/build.sh" "$build" RelWithDebInfo -DKEYART_WERROR=ON
cd "$build"
ctest --output-on-failure -j "${KEYART_JOBS:-$(nproc)}" --timeout 900
