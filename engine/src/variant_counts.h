// Internal: two running numbers per variant id (non-contextual policies:
// reward sum and count for epsilon-greedy, Beta parameters for Thompson
// sampling), saved in key order so snapshots are deterministic.
#pragma once

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "keyart/engine/binary_io.h"
#include "keyart/engine/feature_key.h"

namespace keyart::engine {

struct VariantCounts {
  struct Entry {
    std::string id;
    double x = 0, y = 0;
  };
  std::unordered_map<FeatureKey, Entry> entries;

  const Entry* find(FeatureKey key) const {
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : &it->second;
  }
  Entry& at(FeatureKey key, std::string_view id) {
    Entry& e = entries[key];
    if (e.id.empty()) e.id = std::string(id);
    return e;
  }
  void save(BinaryWriter& out) const {
    std::vector<FeatureKey> keys;
    for (const auto& [k, v] : entries) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    out.u64(keys.size());
    for (FeatureKey k : keys) {
      const Entry& e = entries.at(k);
      out.u64(k);
      out.str(e.id);
      out.f64(e.x);
      out.f64(e.y);
    }
  }
  void load(BinaryReader& in) {
    entries.clear();
    uint64_t n = in.count(32);
    for (uint64_t i = 0; i < n; ++i) {
      FeatureKey k = in.u64();
      Entry& e = entries[k];
      e.id = in.str();
      e.x = in.f64();
      e.y = in.f64();
    }
  }
};

}  // namespace keyart::engine
