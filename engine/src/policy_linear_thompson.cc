// lints — linear Thompson sampling (Agrawal and Goyal 2013): theta ~
// N(theta_hat, v^2 B^-1) over the layout's features (one block per style;
// arm=1 adds a per-variant intercept as in hybrid LinUCB). The K candidate
// scores are jointly normal, N(mean, v^2 Sigma) with Sigma K x K, so the
// choice distribution is exact for K <= 2 and otherwise estimated from cheap
// K-dimensional draws (batches of 256 until the leading candidate's relative
// standard error is <= 2%, at most 4096). The shown variant is sampled from
// exactly that estimate mixed with the floor: the logged propensity is the
// probability used.
#include "exploration.h"
#include "policy_factories.h"
#include "shared_model.h"
#include "spec_params.h"

namespace keyart::engine {

namespace {

class LinearThompsonPolicy final : public Policy {
 public:
  LinearThompsonPolicy(double v, double lambda, bool arm, double arm_lambda, int refactor,
                       int max_draws,
                       double floor, LayoutOptions layout)
      : Policy(floor, layout),
        v_(v),
        lambda_(lambda),
        arm_(arm),
        arm_lambda_(arm_lambda),
        refactor_(refactor),
        max_draws_(max_draws),
        model_(layout.dim, lambda, arm, arm_lambda, refactor) {}
  std::string_view name() const override { return "lints"; }
  std::string spec() const override {
    return "lints:v=" + format_number(v_) + ",lambda=" + format_number(lambda_) +
           ",arm=" + std::string(arm_ ? "1" : "0") +
           ",arm_lambda=" + format_number(arm_lambda_) + ",refactor=" + std::to_string(refactor_) +
           ",draws=" + std::to_string(max_draws_) + ",floor=" + format_number(floor()) +
           SpecParams::layout_spec(layout().options());
  }

  void choose(const ChoiceInput& in, Rng& rng, Workspace& ws, ChoiceOutput& out) const override {
    const size_t k = in.candidates.size();
    t_mean.resize(k);
    t_cov.resize(k * k);
    t_scratch.resize(k * k + 2 * k);
    model_.predict(in, ws, t_mean.data(), t_cov.data(), true);
    const double v2 = v_ * v_;
    for (double& c : t_cov) c *= v2;
    TsDraws limits;
    limits.max_draws = max_draws_;
    gaussian_argmax_distribution(t_mean, t_cov, rng, out.probabilities, t_scratch, limits);
    if (!out.scores.empty()) std::copy(t_mean.begin(), t_mean.end(), out.scores.begin());
    finish_choice(out, floor(), rng);
  }

 protected:
  void apply(const Observation& shown, double reward) override { model_.update(shown, reward); }
  void save_state(BinaryWriter& out) const override { model_.save(out); }
  void load_state(BinaryReader& in) override { model_.load(in); }

 private:
  static thread_local std::vector<double> t_mean, t_cov, t_scratch;
  double v_, lambda_;
  bool arm_;
  double arm_lambda_;
  int refactor_, max_draws_;
  SharedLinearModel model_;
};
thread_local std::vector<double> LinearThompsonPolicy::t_mean, LinearThompsonPolicy::t_cov,
    LinearThompsonPolicy::t_scratch;

}  // namespace

std::unique_ptr<Policy> make_linear_thompson_policy(const PolicySpec& spec) {
  SpecParams p(spec);
  double v = p.number("v", 0.03, 0, INFINITY);
  double lambda = p.number("lambda", 1.0, 1e-9, 1e12);
  bool arm = p.flag("arm", false);
  double arm_lambda = p.number("arm_lambda", 300.0, 1e-9, 1e12);
  int refactor = p.integer("refactor", 500, 1, 1000000);
  int draws = p.integer("draws", 4096, 256, 1 << 20);
  double floor = p.floor(0.01);
  LayoutOptions layout = p.layout();
  p.finish();
  return std::make_unique<LinearThompsonPolicy>(v, lambda, arm, arm_lambda, refactor, draws,
                                                floor, layout);
}

}  // namespace keyart::engine
