#include "keyart/engine/feature_layout.h"

#include <stdexcept>

namespace keyart::engine {

FeatureLayout::FeatureLayout(LayoutOptions options) : options_(std::move(options)) {
  if (options_.dim < 4 || options_.dim > 4096) {
    throw std::invalid_argument("layout dim must be in [4, 4096], got " +
                                std::to_string(options_.dim));
  }
  for (const auto& [ctx, var] : options_.crosses) {
    crosses_.push_back({feature_key("ctx:", ctx), feature_key("var:", var)});
  }
}

ChoiceInput FeatureLayout::build(Request& request,
                                 std::span<const PreparedVariant* const> candidates,
                                 int default_index) const {
  if (candidates.empty()) throw std::invalid_argument("a decision needs at least one candidate");
  if (default_index < -1 || default_index >= static_cast<int>(candidates.size())) {
    throw std::invalid_argument("default candidate index out of range");
  }
  std::vector<Feature>& common = request.common();
  common.clear();
  if (options_.user_features) {
    auto f = request.user_features();
    common.insert(common.end(), f.begin(), f.end());
  }
  if (options_.context_features) {
    auto f = request.context_features();
    common.insert(common.end(), f.begin(), f.end());
  }
  if (options_.title_features) {
    auto f = request.title_features();
    common.insert(common.end(), f.begin(), f.end());
  }

  Workspace& ws = request.workspace();
  // Reserve first so spans into `own` stay valid while it is filled.
  size_t need = 0;
  for (const PreparedVariant* v : candidates) {
    if (v == nullptr) throw std::invalid_argument("null candidate variant");
    need += 4 + v->features.size() +
            crosses_.size() * request.context_categories().size() * v->categories.size();
  }
  ws.own.clear();
  if (ws.own.capacity() < need) ws.own.reserve(need * 2);
  ws.candidates.clear();
  for (const PreparedVariant* v : candidates) {
    size_t start = ws.own.size();
    ws.own.push_back({kBiasKey, 1.0});
    if (v->affinity_key != 0) {
      ws.own.push_back({kFeaturedKey, 1.0});
      double a = request.affinity(v->affinity_key);
      if (a != 0) ws.own.push_back({kAffinityKey, a});
      if (a > 0) ws.own.push_back({kLikedKey, 1.0});
    }
    if (options_.variant_features) {
      ws.own.insert(ws.own.end(), v->features.begin(), v->features.end());
    }
    for (const Cross& c : crosses_) {
      for (const auto& rc : request.context_categories()) {
        if (rc.name != c.context_name) continue;
        for (const auto& vc : v->categories) {
          if (vc.name != c.variant_name) continue;
          ws.own.push_back(
              {combine_keys(combine_keys(rc.name, rc.value), combine_keys(vc.name, vc.value)),
               1.0});
        }
      }
    }
    CandidateVector cv;
    cv.variant = v;
    cv.block = options_.blocks ? v->block_key : 0;
    cv.own = std::span<const Feature>(ws.own.data() + start, ws.own.size() - start);
    ws.candidates.push_back(cv);
  }
  return ChoiceInput{common, ws.candidates, default_index};
}

}  // namespace keyart::engine
