// uniform — every candidate with probability 1/K (the random baseline).
#include <algorithm>

#include "exploration.h"
#include "policy_factories.h"
#include "spec_params.h"

namespace keyart::engine {

namespace {

class UniformPolicy final : public Policy {
 public:
  UniformPolicy() : Policy(0.0, LayoutOptions{}) {}
  std::string_view name() const override { return "uniform"; }
  std::string spec() const override { return "uniform"; }

  void choose(const ChoiceInput& in, Rng& rng, Workspace&, ChoiceOutput& out) const override {
    const double k = static_cast<double>(in.candidates.size());
    std::fill(out.probabilities.begin(), out.probabilities.end(), 1.0 / k);
    std::fill(out.scores.begin(), out.scores.end(), 0.0);
    finish_choice(out, 0.0, rng);
  }

 protected:
  void apply(const Observation&, double) override {}
  void save_state(BinaryWriter&) const override {}
  void load_state(BinaryReader&) override {}
};

}  // namespace

std::unique_ptr<Policy> make_uniform_policy(const PolicySpec& spec) {
  SpecParams p(spec);
  p.floor(0.0);  // accepted for symmetry; uniform already gives everyone 1/K
  p.finish();
  return std::make_unique<UniformPolicy>();
}

}  // namespace keyart::engine
