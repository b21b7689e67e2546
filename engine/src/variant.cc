#include "keyart/engine/variant.h"
#include "keyart/engine/context_fields.h"

#include <stdexcept>

namespace keyart::engine {

PreparedVariant prepare_variant(std::string id, const NamedFeatures& features) {
  if (id.empty()) throw std::invalid_argument("a variant needs a non-empty id");
  PreparedVariant v;
  v.id = std::move(id);
  v.id_key = feature_key(v.id);
  v.named = features;
  v.block_key = feature_key("style=", "none");
  for (const NamedValue& f : features.values()) {
    if (f.name == "style") {
      v.block_key = feature_key("style=", f.is_text ? f.text : std::to_string(f.number));
      continue;
    }
    if (f.name == "featured_actor") {
      if (f.is_text && !f.text.empty() && f.text != "none") {
        v.affinity_key = feature_key(kActorPrefix, f.text);
      }
      continue;
    }
    FeatureKey name_key = feature_key("var:", f.name);
    if (f.is_text) {
      FeatureKey value_key = feature_key(f.text);
      v.features.push_back({combine_keys(name_key, value_key), 1.0});
      v.categories.push_back({name_key, value_key});
    } else if (f.number != 0) {
      v.features.push_back({name_key, f.number});
    }
  }
  return v;
}

}  // namespace keyart::engine
