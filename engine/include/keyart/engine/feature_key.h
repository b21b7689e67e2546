// Stable 64-bit keys for feature names. The same name gives the same key on
// every machine and in every version of keyart (snapshots store these keys),
// so the hash is fixed: FNV-1a over the bytes, then the splitmix64 finalizer
// to spread the bits. No allocation.
#pragma once

#include <cstdint>
#include <string_view>

#include "keyart/engine/hash.h"

namespace keyart::engine {

using FeatureKey = uint64_t;

// Key of `name` in namespace `ns` (e.g. "user:", "ctx:"): hash(ns + name).
constexpr FeatureKey feature_key(std::string_view ns, std::string_view name) {
  return mix_key(fnv1a(fnv1a(kFnvOffset, ns), name));
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
