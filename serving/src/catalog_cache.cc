#include "catalog_cache.h"

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/learner_scope.h"
#include "keyart/ledger/title_viewing.h"
#include "keyart/ledger/variants.h"

namespace keyart::serving {

const engine::NamedFeatures* CachedDecisionCatalog::title_features(std::string_view title_id) {
  auto title = cache_.titles.find(std::string(title_id));
  return title == cache_.titles.end() ? nullptr : &title->second.features;
}

std::string_view CachedDecisionCatalog::default_variant(std::string_view title_id) {
  auto title = cache_.titles.find(std::string(title_id));
  if (title == cache_.titles.end() || title->second.default_index < 0) return {};
  return title->second.active[title->second.default_index]->id;
}

const engine::PreparedVariant* CachedDecisionCatalog::variant(std::string_view variant_id) {
  auto v = cache_.variants.find(std::string(variant_id));
  return v == cache_.variants.end() ? nullptr : &v->second.prepared;
}

const CachedExperiment* CatalogCache::running_for(const std::string& title_id) const {
  for (const auto& [id, e] : experiments) {
    if (e.status == "running" && e.covers(title_id)) return &e;
  }
  return nullptr;
}

std::shared_ptr<CatalogCache> CatalogCache::load(ledger::Ledger& ledger) {
  auto cache = std::make_shared<CatalogCache>();
  for (const ledger::Title& t : ledger::list_titles(ledger)) {
    CachedTitle title;
    title.id = t.title_id;
    title.default_policy = t.default_policy;
    std::vector<std::string> actors;
    for (const auto& m : ledger::list_cast(ledger, t.title_id)) {
      actors.push_back(m.actor_id);
      // The catalogue allows only these roles; an unknown one counts as minor.
      title.facts.cast.emplace_back(m.actor_id,
                                    profiles::parse_role(m.role).value_or(profiles::Role::kMinor));
    }
    title.facts.genres = t.genres;
    title.facts.id = t.title_id;
    title.features = ledger::title_features(t.genres, actors);
    for (const ledger::Variant& v : ledger::list_variants(ledger, t.title_id, true)) {
      CachedVariant cached{v.variant_id, v.title_id,
                           v.uri.empty() ? "/v1/artwork/" + v.variant_id : v.uri,
                           v.status == "active",
                           engine::prepare_variant(v.variant_id,
                                                   ledger::arm_features(ledger, v.variant_id))};
      cache->variants.emplace(v.variant_id, std::move(cached));
    }
    for (const ledger::Variant& v : ledger::list_variants(ledger, t.title_id, false)) {
      const CachedVariant* cached = &cache->variants.at(v.variant_id);
      if (t.default_variant_id && *t.default_variant_id == v.variant_id) {
        title.default_index = static_cast<int>(title.active.size());
      }
      title.active.push_back(cached);
    }
    if (title.default_index < 0 && !title.active.empty()) title.default_index = 0;
    cache->titles.emplace(title.id, std::move(title));
  }
  for (const ledger::Experiment& e : ledger::list_experiments(ledger)) {
    CachedExperiment exp;
    exp.id = e.experiment_id;
    exp.status = e.status;
    exp.salt = e.salt;
    for (const auto& arm : e.arms) {
      exp.arms.push_back({arm.arm_id, arm.policy_spec, ledger::arm_scope(e.experiment_id, arm.arm_id)});
      exp.shares.push_back(arm.traffic_share);
    }
    exp.titles.insert(e.title_ids.begin(), e.title_ids.end());
    cache->experiments.emplace(exp.id, std::move(exp));
  }
  cache->title_viewing = ledger::load_title_viewing(ledger);
  return cache;
}

}  // namespace keyart::serving
