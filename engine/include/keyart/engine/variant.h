// A prepared artwork variant: its named features turned, once, into what the
// feature layout needs per request (stable keys and values), so deciding
// never parses or hashes variant features again. Immutable after preparation
// and safe to share between threads and policies.
//
// Conventions (see docs/ENGINE.md, "Feature layout"):
//   style           categorical; selects the candidate's model block
//   featured_actor  "none" or an actor id <a>; matched against the user
//                   feature "actor_<a>" (the viewer's affinity to that actor)
//   any other key   categorical -> "var:<name>=<value>" = 1,
//                   number      -> "var:<name>" = value
// Unknown extra keys are welcome and become features like any other.
#pragma once

#include <string>
#include <vector>

#include "keyart/engine/feature_key.h"
#include "keyart/engine/named_features.h"

namespace keyart::engine {

struct PreparedVariant {
  std::string id;
  FeatureKey id_key = 0;          // feature_key(id): per-variant state is keyed by it
  FeatureKey block_key = 0;       // key of "style=<value>" ("style=none" when absent)
  FeatureKey affinity_key = 0;    // key of the user feature "actor_<a>"; 0 = no featured actor
  std::vector<Feature> features;  // "var:" features (style and featured_actor excluded)
  // Categorical features as (name key, value key), for crosses with context.
  struct Category {
    FeatureKey name;
    FeatureKey value;
  };
  std::vector<Category> categories;
  NamedFeatures named;  // the original names and values (for logging and replay)
};

// Throws std::invalid_argument for an empty id or a non-finite number.
PreparedVariant prepare_variant(std::string id, const NamedFeatures& features);

}  // namespace keyart::engine
