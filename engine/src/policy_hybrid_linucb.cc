// hybrid-linucb — hybrid LinUCB (Li et al. 2010, Algorithm 2): shared
// coefficients beta over the layout's features (one block per style) plus a
// per-variant intercept; score = mean + alpha * sqrt(s) with Algorithm 2's
// s_{t,a}. The argmax (ties split evenly) is mixed with the floor.
// precision=single (the default) computes s from a float copy of the
// block inverses (see shared_model.h: about half the decide time, s to
// ~1e-7 relative); precision=double is exact to rounding.
#include "exploration.h"
#include "policy_factories.h"
#include "shared_model.h"
#include "spec_params.h"

namespace keyart::engine {

namespace {

class HybridLinUcbPolicy final : public Policy {
 public:
  HybridLinUcbPolicy(double alpha, double lambda, double arm_lambda, int refactor, bool single,
                     double floor, LayoutOptions layout)
      : Policy(floor, layout),
        alpha_(alpha),
        lambda_(lambda),
        arm_lambda_(arm_lambda),
        refactor_(refactor),
        single_(single),
        model_(layout.dim, lambda, true, arm_lambda, refactor, single) {}
  std::string_view name() const override { return "hybrid-linucb"; }
  std::string spec() const override {
    return "hybrid-linucb:alpha=" + format_number(alpha_) + ",lambda=" + format_number(lambda_) +
           ",arm_lambda=" + format_number(arm_lambda_) + ",refactor=" + std::to_string(refactor_) +
           ",precision=" + (single_ ? "single" : "double") + ",floor=" + format_number(floor()) +
           SpecParams::layout_spec(layout().options());
  }

  void choose(const ChoiceInput& in, Rng& rng, Workspace& ws, ChoiceOutput& out) const override {
    const size_t k = in.candidates.size();
    t_mean.resize(k);
    t_cov.resize(k * k);
    model_.predict(in, ws, t_mean.data(), t_cov.data(), false);
    for (size_t i = 0; i < k; ++i) {
      t_mean[i] += alpha_ * std::sqrt(std::max(t_cov[i * k + i], 0.0));
    }
    argmax_split(t_mean, out.probabilities);
    if (!out.scores.empty()) std::copy(t_mean.begin(), t_mean.end(), out.scores.begin());
    finish_choice(out, floor(), rng);
  }

 protected:
  void apply(const Observation& shown, double reward) override { model_.update(shown, reward); }
  void save_state(BinaryWriter& out) const override { model_.save(out); }
  void load_state(BinaryReader& in) override { model_.load(in); }

 private:
  static thread_local std::vector<double> t_mean, t_cov;
  double alpha_, lambda_, arm_lambda_;
  int refactor_;
  bool single_;
  SharedLinearModel model_;
};
thread_local std::vector<double> HybridLinUcbPolicy::t_mean, HybridLinUcbPolicy::t_cov;

}  // namespace

std::unique_ptr<Policy> make_hybrid_linucb_policy(const PolicySpec& spec) {
  SpecParams p(spec);
  double alpha = p.number("alpha", 0.05, 0, INFINITY);
  double lambda = p.number("lambda", 1.0, 1e-9, 1e12);
  double arm_lambda = p.number("arm_lambda", 300.0, 1e-9, 1e12);
  int refactor = p.integer("refactor", 500, 1, 1000000);
  bool single = p.text("precision", "single", {"single", "double"}) == "single";
  double floor = p.floor(0.01);
  LayoutOptions layout = p.layout();
  p.finish();
  return std::make_unique<HybridLinUcbPolicy>(alpha, lambda, arm_lambda, refactor, single, floor,
                                              layout);
}

}  // namespace keyart::engine
