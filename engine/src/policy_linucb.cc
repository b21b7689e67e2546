// linucb — disjoint LinUCB (Li, Chu, Langford, Schapire 2010, Algorithm 1):
// one ridge regression per variant over the layout's features; score =
// theta_a^T x + alpha sqrt(x^T A_a^-1 x). The argmax (ties split evenly) is
// mixed with the floor.
#include "disjoint_model.h"
#include "exploration.h"
#include "policy_factories.h"
#include "spec_params.h"

namespace keyart::engine {

namespace {

class LinUcbPolicy final : public Policy {
 public:
  LinUcbPolicy(double alpha, double lambda, int refactor, double floor, LayoutOptions layout)
      : Policy(floor, layout),
        alpha_(alpha),
        lambda_(lambda),
        refactor_(refactor),
        model_(layout.dim, lambda, refactor) {}
  std::string_view name() const override { return "linucb"; }
  std::string spec() const override {
    return "linucb:alpha=" + format_number(alpha_) + ",lambda=" + format_number(lambda_) +
           ",refactor=" + std::to_string(refactor_) + ",floor=" + format_number(floor()) +
           SpecParams::layout_spec(layout().options());
  }

  void choose(const ChoiceInput& in, Rng& rng, Workspace& ws, ChoiceOutput& out) const override {
    const size_t k = in.candidates.size();
    ws.a.resize(k);
    ws.b.resize(k);
    model_.predict(in, ws.a.data(), ws.b.data());
    for (size_t i = 0; i < k; ++i) ws.a[i] += alpha_ * std::sqrt(std::max(ws.b[i], 0.0));
    argmax_split(ws.a, out.probabilities);
    if (!out.scores.empty()) std::copy(ws.a.begin(), ws.a.end(), out.scores.begin());
    finish_choice(out, floor(), rng);
  }

 protected:
  void apply(const Observation& shown, double reward) override { model_.update(shown, reward); }
  void save_state(BinaryWriter& out) const override { model_.save(out); }
  void load_state(BinaryReader& in) override { model_.load(in); }

 private:
  double alpha_, lambda_;
  int refactor_;
  DisjointLinearModel model_;
};

}  // namespace

std::unique_ptr<Policy> make_linucb_policy(const PolicySpec& spec) {
  SpecParams p(spec);
  double alpha = p.number("alpha", 0.05, 0, INFINITY);
  double lambda = p.number("lambda", 1.0, 1e-9, 1e12);
  int refactor = p.integer("refactor", 500, 1, 1000000);
  double floor = p.floor(0.01);
  LayoutOptions layout = p.layout();
  p.finish();
  return std::make_unique<LinUcbPolicy>(alpha, lambda, refactor, floor, layout);
}

}  // namespace keyart::engine
