// The feature layout: how a request and its candidate variants become the
// sparse vectors the contextual policies learn on. See docs/ENGINE.md.
//
// Every candidate gets the same request-level features ("common": user,
// context, title) plus its own: a bias, the featured-actor interaction
// (featured, affinity = the user's "actor_<a>" value for the variant's
// featured actor, liked = affinity > 0), the variant's "var:" features and
// the configured crosses of a context category with a variant category
// (e.g. country x color). The shared linear model keeps one block of
// coefficients per value of the variant's style, so every feature acts
// crossed with style (user genre x style, device x style, affinity x style).
// Inside a block, feature keys are mapped to `dim` slots by a dictionary
// filled in order of first use; see SlotDictionary in the policies.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "keyart/engine/feature_key.h"
#include "keyart/engine/request.h"
#include "keyart/engine/variant.h"

namespace keyart::engine {

struct LayoutOptions {
  // Defaults measured on the simulator's benchmark workload (docs/BENCHMARKS.md):
  // title and variant descriptor features did not help there (style, which
  // selects the block, and the featured actor carry the artwork), so they
  // are off and 48 slots hold the rest without overflow.
  int dim = 48;                   // slots per model block (the model dimension d)
  bool blocks = true;             // one block per style; false = one block for all
  bool user_features = true;      // "user:" features
  bool context_features = true;   // "ctx:" features
  bool title_features = false;    // "title:" features
  bool variant_features = false;  // "var:" features
  // (context name, variant feature name) pairs crossed as categories.
  std::vector<std::pair<std::string, std::string>> crosses;
};

// Everything a policy sees for one decision.
struct ChoiceInput {
  std::span<const Feature> common;             // request-level, shared by all candidates
  std::span<const CandidateVector> candidates;
  int default_index = -1;                      // the title's default variant, -1 if none
};

// Fixed names of the candidate-specific features.
inline constexpr FeatureKey kBiasKey = feature_key("bias");
inline constexpr FeatureKey kFeaturedKey = feature_key("featured");
inline constexpr FeatureKey kAffinityKey = feature_key("affinity");
inline constexpr FeatureKey kLikedKey = feature_key("affinity_liked");

class FeatureLayout {
 public:
  explicit FeatureLayout(LayoutOptions options = {});
  const LayoutOptions& options() const { return options_; }

  // Builds the vectors of `candidates` into request's workspace (no
  // allocation once the workspace has grown). The result refers to memory in
  // `request` and the variants, valid until the next build on that request.
  ChoiceInput build(Request& request, std::span<const PreparedVariant* const> candidates,
                    int default_index) const;

 private:
  LayoutOptions options_;
  struct Cross {
    FeatureKey context_name, variant_name;
  };
  std::vector<Cross> crosses_;
};

}  // namespace keyart::engine
