// epsilon-greedy — the classic non-contextual bandit: with probability
// epsilon a uniform candidate, otherwise the one with the best mean reward so
// far (ties split evenly; a variant never rewarded has mean 0). Exact
// probabilities: q = epsilon/K + (1 - epsilon) * argmax share.
#include <algorithm>

#include "exploration.h"
#include "policy_factories.h"
#include "spec_params.h"
#include "variant_counts.h"

namespace keyart::engine {

namespace {

class EpsilonGreedyPolicy final : public Policy {
 public:
  EpsilonGreedyPolicy(double epsilon, double floor)
      : Policy(floor, LayoutOptions{}), epsilon_(epsilon) {}
  std::string_view name() const override { return "epsilon-greedy"; }
  std::string spec() const override {
    return "epsilon-greedy:epsilon=" + format_number(epsilon_) + ",floor=" + format_number(floor());
  }

  void choose(const ChoiceInput& in, Rng& rng, Workspace& ws, ChoiceOutput& out) const override {
    const size_t k = in.candidates.size();
    ws.a.resize(k);
    for (size_t i = 0; i < k; ++i) {
      const auto* e = counts_.find(in.candidates[i].variant->id_key);
      ws.a[i] = e && e->y > 0 ? e->x / e->y : 0.0;
    }
    argmax_split(ws.a, out.probabilities);
    mix_floor(out.probabilities, epsilon_);
    if (!out.scores.empty()) std::copy(ws.a.begin(), ws.a.end(), out.scores.begin());
    finish_choice(out, floor(), rng);
  }

 protected:
  void apply(const Observation& shown, double reward) override {
    auto& e = counts_.at(shown.variant_key, shown.variant_id);
    e.x += reward;
    e.y += 1;
  }
  void save_state(BinaryWriter& out) const override { counts_.save(out); }
  void load_state(BinaryReader& in) override { counts_.load(in); }

 private:
  double epsilon_;
  VariantCounts counts_;  // x = reward sum, y = count
};

}  // namespace

std::unique_ptr<Policy> make_epsilon_greedy_policy(const PolicySpec& spec) {
  SpecParams p(spec);
  double epsilon = p.number("epsilon", 0.1, 0, 1);
  double floor = p.floor(0.01);
  p.finish();
  return std::make_unique<EpsilonGreedyPolicy>(epsilon, floor);
}

}  // namespace keyart::engine
