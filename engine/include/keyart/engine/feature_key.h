// Stable 64-bit keys for feature names. The same name gives the same key on
// every machine and in every version of keyart (snapshots store these keys),
// so the hash is fixed: FNV-1a over the bytes, then the splitmix64 finalizer
// to spread the bits. No allocation.
#pragma once

#include <cstdint>
#include <string_view>

namespace keyart::engine {

using FeatureKey = uint64_t;

constexpr FeatureKey mix_key(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Key of `name` in namespace `ns` (e.g. "user:", "ctx:"): hash(ns + name).
constexpr FeatureKey feature_key(std::string_view ns, std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : ns) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return mix_key(h);
}
constexpr FeatureKey feature_key(std::string_view name) { return feature_key({}, name); }

// Key of a pair, e.g. a categorical "name=value" or a crossed feature.
constexpr FeatureKey combine_keys(FeatureKey a, FeatureKey b) {
  return mix_key(a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2)));
}

// One entry of a sparse feature vector.
struct Feature {
  FeatureKey key;
  double value;
};

}  // namespace keyart::engine
