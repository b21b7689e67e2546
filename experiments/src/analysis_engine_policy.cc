// Engine policies as off-policy evaluation targets (replayed and learning).
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "keyart/engine/feature_layout.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/random.h"
#include "keyart/engine/request.h"
#include "keyart/engine/variant.h"
#include "keyart/experiments/analysis/off_policy_report.h"
#include "keyart/experiments/catalog.h"
#include "keyart/experiments/errors.h"
#include "keyart/experiments/variants.h"

namespace keyart::experiments::analysis {

namespace {

// A variant's arm features: the "arm_features" object of its latest feature
// record (what the serving hook gives the engine), none when absent.
engine::NamedFeatures arm_features(Ledger& ledger, const std::string& variant_id) {
  auto f = latest_variant_features(ledger, variant_id);
  if (!f) return {};
  auto record = nlohmann::json::parse(f->features_json, nullptr, false);
  if (record.is_discarded() || !record.is_object()) return {};
  auto it = record.find("arm_features");
  if (it == record.end() || !it->is_object()) return {};
  return engine::NamedFeatures::from_json(*it);
}

// Titles' features and prepared variants, loaded on first use.
class Catalog {
 public:
  explicit Catalog(Ledger& ledger) : ledger_(ledger) {}

  struct TitleInfo {
    engine::NamedFeatures features;
    std::string default_variant;
  };
  const TitleInfo& title(std::string_view id) {
    auto it = titles_.find(std::string(id));
    if (it != titles_.end()) return it->second;
    TitleInfo info;
    if (auto t = find_title(ledger_, id)) {
      for (const auto& g : t->genres) info.features.set("genre_" + g, 1.0);
      for (const auto& m : list_cast(ledger_, id)) info.features.set("cast_" + m.actor_id, 1.0);
      info.default_variant = t->default_variant_id.value_or("");
    }
    return titles_.emplace(std::string(id), std::move(info)).first->second;
  }
  const engine::PreparedVariant& variant(const std::string& id) {
    auto it = variants_.find(id);
    if (it != variants_.end()) return it->second;
    return variants_.emplace(id, engine::prepare_variant(id, arm_features(ledger_, id)))
        .first->second;
  }

 private:
  Ledger& ledger_;
  std::unordered_map<std::string, TitleInfo> titles_;
  std::unordered_map<std::string, engine::PreparedVariant> variants_;
};

class EnginePolicy final : public TargetPolicy {
 public:
  EnginePolicy(Ledger& ledger, std::unique_ptr<engine::Policy> policy, uint64_t seed)
      : catalog_(ledger), policy_(std::move(policy)), rng_(seed) {}

  std::string describe() const override { return policy_->spec(); }
  bool learns() const override { return true; }

  bool probabilities(const LoggedDecision& row, std::vector<double>& out) override {
    built_ = false;
    request_.reset(row.unit_id, row.title_id);
    auto doc = nlohmann::json::parse(row.context_json, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
      try {
        if (auto c = doc.find("context"); c != doc.end() && c->is_object()) {
          request_.add_context(engine::NamedFeatures::from_json(*c));
        }
        if (auto u = doc.find("user"); u != doc.end() && u->is_object()) {
          request_.add_user(engine::NamedFeatures::from_json(*u));
        }
      } catch (const std::invalid_argument&) {
        // A context the engine cannot read: decide without it, as serving would.
      }
    }
    const Catalog::TitleInfo& title = catalog_.title(row.title_id);
    request_.add_title(title.features);
    candidates_.clear();
    int default_index = -1;
    for (const std::string& id : row.candidates) {
      if (id == title.default_variant) default_index = static_cast<int>(candidates_.size());
      candidates_.push_back(&catalog_.variant(id));
    }
    input_ = policy_->layout().build(request_, candidates_, default_index);
    out.assign(candidates_.size(), 0.0);
    engine::ChoiceOutput choice{out, {}, -1};
    policy_->choose(input_, rng_, request_.workspace(), choice);
    built_ = true;
    return true;
  }

  void learn(const LoggedDecision& row) override {
    if (!built_) return;
    policy_->update(engine::observation_of(input_, static_cast<int>(row.logged_index)),
                    row.reward);
    built_ = false;
  }

 private:
  Catalog catalog_;
  std::unique_ptr<engine::Policy> policy_;
  engine::Rng rng_;
  engine::Request request_;
  std::vector<const engine::PreparedVariant*> candidates_;
  engine::ChoiceInput input_;
  bool built_ = false;
};

}  // namespace

std::unique_ptr<TargetPolicy> make_target_policy(Ledger& ledger, std::string_view spec,
                                                 uint64_t seed) {
  if (spec != "fixed:default") {
    try {
      return make_builtin_target_policy(spec);
    } catch (const LedgerError&) {
      // not a built-in: try the engine
    }
  }
  try {
    return std::make_unique<EnginePolicy>(ledger, engine::make_policy(spec), seed);
  } catch (const engine::SpecError& e) {
    throw LedgerError(ErrorKind::kInvalid, "policy '" + std::string(spec) + "': " + e.what());
  }
}

}  // namespace keyart::experiments::analysis
