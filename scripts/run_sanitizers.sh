#!/usr/bin/env bash
# Builds and runs the test suites under sanitizers (docs/RELIABILITY.md,
# "Sanitizers"). Usage: scripts/run_sanitizers.sh [asan|tsan|all]  (default all)
#   asan  the whole suite (every test, the fuzz corpus replays included) built
#         with -fsanitize=address,undefined in build/asan (benchmarks built,
#         not run); leaks are errors and any report fails the run.
#   tsan  the concurrency tests (the engine's Learner threads, every serving
#         test: service, ledger writer, HTTP API, ledger faults, serve
#         process, crash; the trainer and the nodes that follow it), the
#         profile store's fitter thread and the report's two-thread pass, built with
#         -fsanitize=thread in build/tsan; only the targets those tests need
#         are built.
# Both trees: -O1 -g1, warnings as errors. ccache is used when present.
# Environment: KEYART_JOBS (default: cores), KEYART_ASAN_DIR, KEYART_TSAN_DIR
# (build folders).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-all}"
jobs="${KEYART_JOBS:-$(nproc)}"
asan_dir="${KEYART_ASAN_DIR:-$here/build/asan}"
tsan_dir="${KEYART_TSAN_DIR:-$here/build/tsan}"
supp="$here/scripts/sanitizers"
# The tests that exercise threads: every serving test (label "serving") and
# the engine's Learner threading tests.
learner_threads='^LearnerThreads\.'
# The report's two-thread pass (analysis/src/scan.cc).
report_threads='^ReportStatistics\.'
# The profile store's fitter thread (profiles/src/profile_store.cc).
fitter_threads='^FittedStore\.'

case "$what" in asan|tsan|all) ;; *)
  echo "run_sanitizers.sh: unknown run '$what' (use asan, tsan or all)" >&2; exit 2 ;;
esac

seconds() { date +%s; }

# Sanitizer trees are built at -O1 with line tables only (-g1): what the
# sanitizers' reports need, and much faster to compile than -O2 -g.
sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
                 "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DKEYART_WERROR=ON)

run_asan() {
  local t0; t0=$(seconds)
  # Benchmarks are built (so the suite's build checks they compile), not run.
  "$here/scripts/build.sh" "$asan_dir" RelWithDebInfo "${sanitizer_flags[@]}" \
    -DKEYART_SANITIZE=address,undefined
  local t1; t1=$(seconds)
  echo "run_sanitizers: asan build took $((t1 - t0)) s"
  (
    cd "$asan_dir"
    # alloc_dealloc_mismatch=0: with gcc 12, memory from operator new(nothrow)
    # released by operator delete is reported as "operator new vs free" in
    # third-party code (libstdc++'s std::stable_sort temporary buffer,
    # simdjson's document_stream); ASan cannot suppress that per function.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:check_initialization_order=1:alloc_dealloc_mismatch=0"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ctest --output-on-failure -j "$jobs" --timeout 1800
  )
  echo "run_sanitizers: asan tests took $(( $(seconds) - t1 )) s"
}

run_tsan() {
  local t0; t0=$(seconds)
  cmake -S "$here" -B "$tsan_dir" "${sanitizer_flags[@]}" \
    -DKEYART_SANITIZE=thread -DKEYART_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$tsan_dir" -j "$jobs" --target test_engine test_serving test_training test_analysis test_profiles keyart
  local t1; t1=$(seconds)
  echo "run_sanitizers: tsan build took $((t1 - t0)) s"
  (
    cd "$tsan_dir"
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
    ctest --output-on-failure -j "$jobs" --timeout 1800 -L '^(serving|training)$'
    ctest --output-on-failure -j "$jobs" --timeout 1800 -R "$learner_threads|$report_threads|$fitter_threads"
  )
  echo "run_sanitizers: tsan tests took $(( $(seconds) - t1 )) s"
}

[[ "$what" == asan || "$what" == all ]] && run_asan
[[ "$what" == tsan || "$what" == all ]] && run_tsan
echo "run_sanitizers: $what passed"
