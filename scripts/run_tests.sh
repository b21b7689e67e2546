#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test suite,
# plus the fuzz corpus replays (CTest's FuzzReplay.*). The sanitizer runs
# (scripts/run_sanitizers.sh: the whole suite under ASan+UBSan, the
# concurrency tests under TSan) follow with KEYART_SANITIZERS=1; they are not
# yet part of CI: they have not been run to the end on this machine, and a
# cold normal build alone took 26-45 min here (docs/RELIABILITY.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
build="${KEYART_BUILD_DIR:-$here/build/tests}"
"$here/scripts/build.sh" "$build" RelWithDebInfo -DKEYART_WERROR=ON
cd "$build"
ctest --output-on-failure -j "${KEYART_JOBS:-$(nproc)}" --timeout 900
if [[ "${KEYART_SANITIZERS:-0}" != 0 ]]; then
  "$here/scripts/run_sanitizers.sh" all
fi
