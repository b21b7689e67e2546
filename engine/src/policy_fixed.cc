// fixed:<variant-id> or fixed:default — the control arm of an A/B test.
// Shows the named variant (or the candidate the caller marks as the title's
// default); when the named variant is not among the candidates, the default
// candidate, else the first. floor defaults to 0 so the control stays pure.
#include <algorithm>

#include "exploration.h"
#include "policy_factories.h"
#include "spec_params.h"

namespace keyart::engine {

namespace {

class FixedPolicy final : public Policy {
 public:
  FixedPolicy(std::string target, double floor)
      : Policy(floor, LayoutOptions{}), target_(std::move(target)), key_(feature_key(target_)) {}

  std::string_view name() const override { return "fixed"; }
  std::string spec() const override {
    return "fixed:" + target_ + ",floor=" + format_number(floor());
  }

  void choose(const ChoiceInput& in, Rng& rng, Workspace&, ChoiceOutput& out) const override {
    const int k = static_cast<int>(in.candidates.size());
    int pick = -1;
    if (target_ != "default") {
      for (int i = 0; i < k && pick < 0; ++i) {
        if (in.candidates[i].variant->id_key == key_) pick = i;
      }
    }
    if (pick < 0) pick = in.default_index >= 0 ? in.default_index : 0;
    std::fill(out.probabilities.begin(), out.probabilities.end(), 0.0);
    out.probabilities[pick] = 1;
    std::fill(out.scores.begin(), out.scores.end(), 0.0);
    finish_choice(out, floor(), rng);
  }

 protected:
  void apply(const Observation&, double) override {}
  void save_state(BinaryWriter&) const override {}
  void load_state(BinaryReader&) override {}

 private:
  std::string target_;
  FeatureKey key_;
};

}  // namespace

std::unique_ptr<Policy> make_fixed_policy(const PolicySpec& spec) {
  if (spec.target.empty()) {
    throw SpecError("policy 'fixed' needs a variant: 'fixed:<variant-id>' or 'fixed:default' (got '" +
                    spec.text + "')");
  }
  SpecParams p(spec);
  double floor = p.floor(0.0);
  p.finish();
  return std::make_unique<FixedPolicy>(spec.target, floor);
}

}  // namespace keyart::engine
