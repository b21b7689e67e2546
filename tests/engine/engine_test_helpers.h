// Helpers for the engine tests: building requests and variants quickly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "keyart/engine/feature_layout.h"
#include "keyart/engine/named_features.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/request.h"
#include "keyart/engine/variant.h"

namespace keyart::engine::test {

// A variant with only a style (and optionally a featured actor).
inline PreparedVariant styled(const std::string& id, const std::string& style,
                              const std::string& actor = "none") {
  NamedFeatures f;
  f.set("style", style.c_str());
  f.set("featured_actor", actor.c_str());
  return prepare_variant(id, f);
}

inline std::vector<const PreparedVariant*> pointers(const std::vector<PreparedVariant>& v) {
  std::vector<const PreparedVariant*> out;
  for (const auto& x : v) out.push_back(&x);
  return out;
}

// Runs choose() with a fresh generator and returns probabilities and scores.
struct Chosen {
  std::vector<double> p, scores;
  int chosen = -1;
};
inline Chosen choose(const Policy& policy, const ChoiceInput& in, uint64_t seed, Workspace& ws) {
  Chosen c;
  c.p.resize(in.candidates.size());
  c.scores.resize(in.candidates.size());
  Rng rng(seed);
  ChoiceOutput out{c.p, c.scores, -1};
  policy.choose(in, rng, ws, out);
  c.chosen = out.chosen;
  return c;
}

}  // namespace keyart::engine::test
