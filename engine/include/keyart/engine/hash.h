// The fixed (never seeded, the same in every process and on every machine)
// 64-bit hashes keyart builds on: FNV-1a over bytes, and two finalisers that
// make every output bit depend on every input bit: MurmurHash3's fmix64
// (arm assignment, the reports' hash tables) and SplitMix64's (mix_key:
// feature keys). Changing any of them changes stored assignments and model
// snapshots.
#pragma once

#include <cstdint>
#include <string_view>

namespace keyart::engine {

inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// FNV-1a of bytes, continuing from h (start with kFnvOffset).
constexpr uint64_t fnv1a(uint64_t h, std::string_view bytes) {
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

constexpr uint64_t fmix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

constexpr uint64_t mix_key(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace keyart::engine
