#include "catalog_cache.h"

#include <nlohmann/json.hpp>

#include "keyart/experiments/catalog.h"
#include "keyart/experiments/experiment_store.h"
#include "keyart/experiments/variants.h"

namespace keyart::serving {

std::string arm_scope(const std::string& experiment_id, const std::string& arm_id) {
  return "exp:" + experiment_id + "/" + arm_id;
}

std::string default_scope(const std::string& canonical_spec) {
  return "default:" + canonical_spec;
}

engine::NamedFeatures arm_features_from_record(const std::string& features_json) {
  auto record = nlohmann::json::parse(features_json, nullptr, false);
  if (record.is_discarded() || !record.is_object()) return {};
  auto it = record.find("arm_features");
  if (it == record.end() || !it->is_object()) return {};
  return engine::NamedFeatures::from_json(*it);
}

const CachedExperiment* CatalogCache::running_for(const std::string& title_id) const {
  for (const auto& [id, e] : experiments) {
    if (e.status == "running" && e.covers(title_id)) return &e;
  }
  return nullptr;
}

std::shared_ptr<CatalogCache> CatalogCache::load(experiments::Ledger& ledger) {
  auto cache = std::make_shared<CatalogCache>();
  for (const experiments::Title& t : experiments::list_titles(ledger)) {
    CachedTitle title;
    title.id = t.title_id;
    title.default_policy = t.default_policy;
    for (const auto& g : t.genres) title.features.set("genre_" + g, 1.0);
    for (const auto& m : experiments::list_cast(ledger, t.title_id)) {
      title.features.set("cast_" + m.actor_id, 1.0);
    }
    for (const experiments::Variant& v : experiments::list_variants(ledger, t.title_id, true)) {
      engine::NamedFeatures named;
      if (auto f = experiments::latest_variant_features(ledger, v.variant_id)) {
        named = arm_features_from_record(f->features_json);
      }
      CachedVariant cached{v.variant_id, v.title_id,
                           v.uri.empty() ? "/v1/artwork/" + v.variant_id : v.uri,
                           v.status == "active", engine::prepare_variant(v.variant_id, named)};
      cache->variants.emplace(v.variant_id, std::move(cached));
    }
    for (const experiments::Variant& v : experiments::list_variants(ledger, t.title_id, false)) {
      const CachedVariant* cached = &cache->variants.at(v.variant_id);
      if (t.default_variant_id && *t.default_variant_id == v.variant_id) {
        title.default_index = static_cast<int>(title.active.size());
      }
      title.active.push_back(cached);
    }
    if (title.default_index < 0 && !title.active.empty()) title.default_index = 0;
    cache->titles.emplace(title.id, std::move(title));
  }
  for (const experiments::Experiment& e : experiments::list_experiments(ledger)) {
    CachedExperiment exp;
    exp.id = e.experiment_id;
    exp.status = e.status;
    exp.salt = e.salt;
    for (const auto& arm : e.arms) {
      exp.arms.push_back({arm.arm_id, arm.policy_spec, arm_scope(e.experiment_id, arm.arm_id)});
      exp.shares.push_back(arm.traffic_share);
    }
    exp.titles.insert(e.title_ids.begin(), e.title_ids.end());
    cache->experiments.emplace(exp.id, std::move(exp));
  }
  return cache;
}

}  // namespace keyart::serving
