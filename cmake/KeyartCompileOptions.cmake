# Warnings, hardening and sanitizer flags shared by every keyart target.
# Use: target_link_libraries(<t> PRIVATE keyart_options)
add_library(keyart_options INTERFACE)
target_compile_options(keyart_options INTERFACE
  -Wall -Wextra -Wpedantic
  # Designated initializers leave defaulted members out on purpose.
  -Wno-missing-field-initializers
  -fstack-protector-strong
  $<$<BOOL:${KEYART_WERROR}>:-Werror>
  # _FORTIFY_SOURCE needs optimisation; glibc warns at -O0.
  $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)

# GCC 12 at -O2/-O3 warns -Wrestrict inside libstdc++ for "literal" +
# std::string (GCC bug 105329, fixed in GCC 13): a false positive in
# third-party code that made the Release build print 14 warnings.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(keyart_options INTERFACE -Wno-restrict)
endif()

if(KEYART_SANITIZE)
  target_compile_options(keyart_options INTERFACE
    -fsanitize=${KEYART_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(keyart_options INTERFACE -fsanitize=${KEYART_SANITIZE})
  # GCC warns (-Wtsan) that TSan does not model std::atomic_thread_fence,
  # which Boost.Asio's headers use; with warnings as errors that stops the
  # TSan build in third-party code. TSan still checks everything else.
  if(KEYART_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(keyart_options INTERFACE -Wno-tsan)
  endif()
  # GCC's flow-based -Wmaybe-uninitialized gives false positives on the
  # sanitizers' instrumented code: at -O1 with ASan it flags std::function
  # inside libstdc++'s std::regex (third-party code, with -Werror). The plain
  # builds keep the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(keyart_options INTERFACE -Wno-maybe-uninitialized)
  endif()
endif()

# libFuzzer needs coverage instrumentation in every library a target links;
# the fuzz programs add -fsanitize=fuzzer (the driver) at link time.
if(KEYART_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KEYART_BUILD_FUZZERS needs clang (CXX=clang++)")
  endif()
  target_compile_options(keyart_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
