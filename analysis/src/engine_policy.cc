// Engine policies as off-policy evaluation targets (replayed and learning).
#include <unordered_map>

#include "keyart/engine/feature_layout.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/random.h"
#include "keyart/engine/request.h"
#include "keyart/engine/variant.h"
#include "keyart/analysis/off_policy_report.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/errors.h"

namespace keyart::analysis {

namespace {

class EnginePolicy final : public TargetPolicy {
 public:
  EnginePolicy(ledger::Ledger& ledger, std::unique_ptr<engine::Policy> policy, uint64_t seed)
      : catalog_(ledger), policy_(std::move(policy)), rng_(seed) {}

  std::string describe() const override { return policy_->spec(); }
  bool learns() const override { return true; }

  bool probabilities(const LoggedDecision& row, std::vector<double>& out) override {
    built_ = false;
    request_.reset(row.unit_id, row.title_id);
    ledger::DecodedRequest logged;
    std::string reason;
    // A context the engine cannot read: decide without it, as serving would.
    if (ledger::decode_request(row.context_json, logged, reason)) {
      try {
        request_.add_context(logged.context);
        request_.add_user(logged.user);
      } catch (const std::invalid_argument&) {
      }
    }
    request_.add_title(*catalog_.title_features(row.title_id));
    const std::string_view default_variant = catalog_.default_variant(row.title_id);
    candidates_.clear();
    int default_index = -1;
    for (const std::string& id : row.candidates) {
      const engine::PreparedVariant* variant = catalog_.variant(id);
      if (!variant) return false;  // a candidate the catalogue does not know
      if (id == default_variant) default_index = static_cast<int>(candidates_.size());
      candidates_.push_back(variant);
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
  ledger::LedgerDecisionCatalog catalog_;
  std::unique_ptr<engine::Policy> policy_;
  engine::Rng rng_;
  engine::Request request_;
  std::vector<const engine::PreparedVariant*> candidates_;
  engine::ChoiceInput input_;
  bool built_ = false;
};

}  // namespace

std::unique_ptr<TargetPolicy> make_target_policy(ledger::Ledger& ledger, std::string_view spec,
                                                 uint64_t seed) {
  if (spec != "fixed:default") {
    try {
      return make_builtin_target_policy(spec);
    } catch (const ledger::LedgerError&) {
      // not a built-in: try the engine
    }
  }
  try {
    return std::make_unique<EnginePolicy>(ledger, engine::make_policy(spec), seed);
  } catch (const engine::SpecError& e) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "policy '" + std::string(spec) + "': " + e.what());
  }
}

}  // namespace keyart::analysis
