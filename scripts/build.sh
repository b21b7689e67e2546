#!/usr/bin/env bash
# Configures and builds keyart. Usage: scripts/build.sh BUILD_DIR BUILD_TYPE [cmake args...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:?build dir}"; build_type="${2:?build type}"; shift 2
jobs="${KEYART_JOBS:-$(nproc)}"
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"
