// Internal: a candidate's features mapped to model slots for one decision.
// Known keys go to (slot, value) lists; keys the dictionary has never seen
// (while it still has room) are "fresh": their coefficients are still at the
// prior (mean 0, variance 1/lambda, independent of everything else), which
// the models account for analytically instead of inserting them.
#pragma once

#include <span>
#include <vector>

#include "keyart/engine/feature_key.h"
#include "slot_dictionary.h"

namespace keyart::engine {

struct SlotValue {
  int slot;
  double value;
};

struct MappedFeatures {
  std::vector<SlotValue> known;
  std::vector<Feature> fresh;
  void clear() {
    known.clear();
    fresh.clear();
  }
  void add(const SlotDictionary& dict, std::span<const Feature> features) {
    for (const Feature& f : features) {
      int slot = dict.find(f.key);
      if (slot >= 0) {
        known.push_back({slot, f.value});
      } else {
        fresh.push_back(f);
      }
    }
  }
};

// sum over matching keys of a_i * b_j (fresh-feature inner product).
inline double fresh_dot(std::span<const Feature> a, std::span<const Feature> b) {
  double s = 0;
  for (const Feature& x : a) {
    for (const Feature& y : b) {
      if (x.key == y.key) s += x.value * y.value;
    }
  }
  return s;
}

}  // namespace keyart::engine
