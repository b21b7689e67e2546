// An immutable in-memory copy of what deciding needs from the ledger:
// titles with their active variants (features prepared once for the
// engine), default policies and default artwork, and the experiments with
// their arms; everyone's viewing per title. The service swaps in a new
// copy on reload(); readers keep the copy they started with (shared_ptr),
// so a reload never disturbs a decision.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "keyart/engine/named_features.h"
#include "keyart/engine/variant.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/title_viewing.h"
#include "keyart/profiles/population.h"

namespace keyart::serving {

struct CachedVariant {
  std::string id;
  std::string title_id;
  std::string uri;
  bool active = true;
  engine::PreparedVariant prepared;
};

struct CachedTitle {
  std::string id;
  std::string default_policy;
  std::string default_scope;  // ledger::default_scope of the canonical spec, filled by the service
  std::vector<const CachedVariant*> active;  // in upload order
  int default_index = -1;                    // into active; -1 when none active
  engine::NamedFeatures features;            // genre_<g> = 1, cast_<actor> = 1
  profiles::TitleFacts facts;                // cast with roles, genres: for the profiles
};

struct CachedArm {
  std::string id;
  std::string spec;
  std::string scope;  // ledger::arm_scope
};

struct CachedExperiment {
  std::string id;
  std::string status;
  std::string salt;
  std::vector<CachedArm> arms;
  std::vector<double> shares;
  std::unordered_set<std::string> titles;  // empty: every title
  bool covers(const std::string& title_id) const {
    return titles.empty() || titles.count(title_id) > 0;
  }
};

struct CatalogCache {
  std::unordered_map<std::string, CachedVariant> variants;  // every variant, retired too
  std::unordered_map<std::string, CachedTitle> titles;
  std::unordered_map<std::string, CachedExperiment> experiments;
  // Everyone's viewing per title as stored (none: never measured), and,
  // with fitted profiles, the population built from it and the titles'
  // facts (by the service, which knows the profiles' options).
  std::optional<ledger::TitleViewing> title_viewing;
  std::shared_ptr<const profiles::Population> population;

  const CachedExperiment* running_for(const std::string& title_id) const;
  static std::shared_ptr<CatalogCache> load(ledger::Ledger& ledger);
};

// The cache as the decision log's replay sees the catalogue: a title's
// default is the variant the service would fall back to.
class CachedDecisionCatalog final : public ledger::DecisionCatalog {
 public:
  explicit CachedDecisionCatalog(const CatalogCache& cache) : cache_(cache) {}
  const engine::NamedFeatures* title_features(std::string_view title_id) override;
  std::string_view default_variant(std::string_view title_id) override;
  const engine::PreparedVariant* variant(std::string_view variant_id) override;

 private:
  const CatalogCache& cache_;
};

}  // namespace keyart::serving
