#!/usr/bin/env bash
# The test command (CI's .ci/run): installs what is missing, then builds and
# runs every test suite, the fuzz corpus replays (CTest's FuzzReplay.*)
# included, under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# concurrency tests under ThreadSanitizer (scripts/run_sanitizers.sh). Every
# test runs in the ASan build, so CI needs no third, plain build; warnings
# are errors in both. KEYART_SANITIZERS=0 builds and runs the suite without
# sanitizers instead (a quicker local check; build/tests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
if [[ "${KEYART_SANITIZERS:-1}" != 0 ]]; then
  exec "$here/scripts/run_sanitizers.sh" all
fi
build="${KEYART_BUILD_DIR:-$here/build/tests}"
"$here/scripts/build.sh" "$build" RelWithDebInfo -DKEYART_WERROR=ON
cd "$build"
ctest --output-on-failure -j "${KEYART_JOBS:-$(nproc)}" --timeout 900
