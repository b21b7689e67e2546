#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test suite,
# then the sanitizer runs (scripts/run_sanitizers.sh: the whole suite under
# ASan+UBSan, the concurrency tests under TSan). KEYART_SANITIZERS=0 skips
# those for a quick local run; CI always runs them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
build="${KEYART_BUILD_DIR:-$here/build/tests}"
"$here/scripts/build.sh" "$build" RelWithDebInfo -DKEYART_WERROR=ON
cd "$build"
ctest --output-on-failure -j "${KEYART_JOBS:-$(nproc)}" --timeout 900
if [[ "${KEYART_SANITIZERS:-1}" != 0 ]]; then
  "$here/scripts/run_sanitizers.sh" all
fi
