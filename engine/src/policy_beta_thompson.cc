// beta-ts — Beta-Bernoulli Thompson sampling per variant (non-contextual).
// Each variant has Beta(a + successes, b + failures); a reward r counts as a
// fractional success min(max(r/scale, 0), 1). The choice distribution is
// estimated by posterior draws (exploration.h: batches of 256 until the
// leading candidate's relative standard error is <= 2%, at most `draws`,
// default 1024: enough for 2% once the leader's probability is >= 0.71); the
// shown variant is then sampled from exactly that estimate mixed with the
// floor, so the logged propensity is the probability used.
#include <algorithm>

#include "exploration.h"
#include "policy_factories.h"
#include "spec_params.h"
#include "variant_counts.h"

namespace keyart::engine {

namespace {

class BetaThompsonPolicy final : public Policy {
 public:
  BetaThompsonPolicy(double a, double b, double scale, int draws, double floor)
      : Policy(floor, LayoutOptions{}), a_(a), b_(b), scale_(scale), draws_(draws) {}
  std::string_view name() const override { return "beta-ts"; }
  std::string spec() const override {
    return "beta-ts:a=" + format_number(a_) + ",b=" + format_number(b_) +
           ",scale=" + format_number(scale_) + ",draws=" + std::to_string(draws_) + ",floor=" + format_number(floor());
  }

  void choose(const ChoiceInput& in, Rng& rng, Workspace& ws, ChoiceOutput& out) const override {
    const int k = static_cast<int>(in.candidates.size());
    ws.a.resize(k);
    ws.b.resize(k);
    ws.c.resize(k);
    for (int i = 0; i < k; ++i) {
      const auto* e = counts_.find(in.candidates[i].variant->id_key);
      ws.a[i] = a_ + (e ? e->x : 0.0);
      ws.b[i] = b_ + (e ? e->y : 0.0);
    }
    if (k == 1) {
      out.probabilities[0] = 1;
    } else {
      auto draw = [&](double* s) {
        for (int i = 0; i < k; ++i) s[i] = rng.beta(ws.a[i], ws.b[i]);
      };
      TsDraws limits;
      limits.max_draws = draws_;
      estimate_argmax_distribution(k, draw, out.probabilities, ws.c, limits);
    }
    for (size_t i = 0; i < out.scores.size(); ++i) out.scores[i] = ws.a[i] / (ws.a[i] + ws.b[i]);
    finish_choice(out, floor(), rng);
  }

 protected:
  void apply(const Observation& shown, double reward) override {
    double s = std::clamp(reward / scale_, 0.0, 1.0);
    auto& e = counts_.at(shown.variant_key, shown.variant_id);
    e.x += s;
    e.y += 1 - s;
  }
  void save_state(BinaryWriter& out) const override { counts_.save(out); }
  void load_state(BinaryReader& in) override { counts_.load(in); }

 private:
  double a_, b_, scale_;
  int draws_;
  VariantCounts counts_;  // x = successes, y = failures
};

}  // namespace

std::unique_ptr<Policy> make_beta_thompson_policy(const PolicySpec& spec) {
  SpecParams p(spec);
  double a = p.number("a", 1.0, 1e-6, 1e12);
  double b = p.number("b", 1.0, 1e-6, 1e12);
  double scale = p.number("scale", 1.0, 1e-12, 1e300);
  int draws = p.integer("draws", 1024, 256, 1 << 20);
  double floor = p.floor(0.01);
  p.finish();
  return std::make_unique<BetaThompsonPolicy>(a, b, scale, draws, floor);
}

}  // namespace keyart::engine
