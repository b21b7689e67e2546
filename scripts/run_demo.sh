#!/usr/bin/env bash
# The main command: installs what is missing, builds in Release and runs the
# demo of the whole loop on the sample data in examples/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
build="${KEYART_BUILD_DIR:-$here/build/release}"
"$here/scripts/build.sh" "$build" Release
exec "$here/examples/demo.sh" "$build/tools/keyart"
