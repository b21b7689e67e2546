// One impression's request features, filled by the caller and reused: keep
// one Request per thread and call reset() for each impression. Names are
// hashed once, here; after the first few requests the object's buffers have
// grown to size and filling it, building the vectors (FeatureLayout) and
// deciding allocate nothing.
//
// Naming conventions (docs/ENGINE.md, "Feature layout"):
//   user    "actor_<a>" = affinity to actor <a> (used only through the
//           variant's featured actor); any other name (genre_<g>, activity, ...)
//           becomes "user:<name>" = value
//   context numeric "ctx:<name>" = value; categorical "ctx:<name>=<value>" = 1;
//           "hour" (0-23) becomes the daypart "ctx:daypart=<night|morning|
//           afternoon|evening>" (22-5, 6-11, 12-17, 18-21)
//   title   "cast_<a>" is ignored (the featured actor carries it); any other
//           name (genre_<g>, ...) becomes "title:<name>" = value
// Non-finite numbers are rejected with std::invalid_argument.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "keyart/engine/feature_key.h"
#include "keyart/engine/named_features.h"

namespace keyart::engine {

struct PreparedVariant;

// The model-ready features of one candidate, valid until the next build.
struct CandidateVector {
  const PreparedVariant* variant = nullptr;
  FeatureKey block = 0;          // block of the shared model (0 when blocks are off)
  std::span<const Feature> own;  // features specific to this candidate
};

// Reusable scratch memory for deciding; owned by a Request (so per thread).
struct Workspace {
  std::vector<Feature> own;  // candidates' own features, back to back
  std::vector<CandidateVector> candidates;
  std::vector<double> a, b, c, d, e;  // policy scratch
  std::vector<int> index;
};

class Request {
 public:
  Request();

  // Starts a new impression for (unit, title); clears all features.
  void reset(std::string_view unit, std::string_view title);

  void add_user(std::string_view name, double value);
  void add_context(std::string_view name, double value);
  void add_context(std::string_view name, std::string_view value);
  void add_title(std::string_view name, double value);
  // Adds every entry of a map (numbers and, for context, categories).
  void add_user(const NamedFeatures& features);
  void add_context(const NamedFeatures& features);
  void add_title(const NamedFeatures& features);

  FeatureKey unit_key() const { return unit_key_; }
  FeatureKey title_key() const { return title_key_; }

  // Used by FeatureLayout.
  std::span<const Feature> user_features() const { return user_; }
  std::span<const Feature> context_features() const { return context_; }
  std::span<const Feature> title_features() const { return title_; }
  struct Category {
    FeatureKey name;
    FeatureKey value;
  };
  std::span<const Category> context_categories() const { return categories_; }
  // The user's value for the feature with key feature_key(name), 0 if absent.
  double affinity(FeatureKey key) const;

  Workspace& workspace() { return workspace_; }
  // Request-level features of the last build (see FeatureLayout::build).
  std::vector<Feature>& common() { return common_; }

 private:
  FeatureKey unit_key_ = 0, title_key_ = 0;
  std::vector<Feature> user_, context_, title_, affinities_, common_;
  std::vector<Category> categories_;
  Workspace workspace_;
};

// The daypart bucket of an hour (0 night, 1 morning, 2 afternoon, 3 evening).
int daypart(int hour);

}  // namespace keyart::engine
