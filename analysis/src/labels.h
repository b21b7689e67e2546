// Strings seen during a pass (segments, variants, devices) numbered in order
// of first appearance and looked up by string_view without allocating: a
// flat table keyed by the string's 64-bit hash, with the name checked on
// every hit (two names sharing a hash fall back to an ordinary map).
// Internal to keyart_analysis.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flat_map.h"

namespace keyart::analysis {

class Labels {
 public:
  // The label's number, adding it when new.
  int index(std::string_view label) {
    int& slot = by_hash_[key(label)];
    if (slot == 0) {
      names_.emplace_back(label);
      slot = static_cast<int>(names_.size());
      return slot - 1;
    }
    if (names_[slot - 1] == label) return slot - 1;
    return colliding_index(label);
  }
  // The label's number, or -1 when it was never added.
  int find(std::string_view label) const {
    const int* slot = by_hash_.find(key(label));
    if (slot == nullptr) return -1;
    if (names_[*slot - 1] == label) return *slot - 1;
    auto it = colliding_.find(std::string(label));
    return it == colliding_.end() ? -1 : it->second;
  }
  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }

 private:
  static uint64_t key(std::string_view label) {
    return engine::fmix64(std::hash<std::string_view>()(label));
  }
  int colliding_index(std::string_view label) {
    auto [it, added] = colliding_.emplace(std::string(label), static_cast<int>(names_.size()));
    if (added) names_.emplace_back(label);
    return it->second;
  }

  FlatMap64<int> by_hash_{64};  // number + 1; 0 is empty
  std::unordered_map<std::string, int> colliding_;
  std::vector<std::string> names_;
};

}  // namespace keyart::analysis
