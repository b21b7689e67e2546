// Fuzzes the policy spec parser (engine::make_policy), the text an analyst
// types for an experiment arm or a default policy. A spec is either refused
// with SpecError or gives a policy that keeps its promises:
//   - its canonical spec() parses again to the same canonical spec;
//   - its saved state loads into the policy the canonical spec builds;
//   - a Learner on it decides over three candidates with probabilities that
//     are finite, at least floor/K and sum to 1, learns a reward, and its
//     snapshot loads back.
// Any other exception, or a broken promise, aborts (a finding).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/engine/learner.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/variant.h"

namespace {

using namespace keyart::engine;

[[noreturn]] void finding(const std::string& what, std::string_view spec) {
  std::fprintf(stderr, "policy spec '%.*s': %s\n", static_cast<int>(spec.size()), spec.data(),
               what.c_str());
  std::abort();
}

void exercise_learner(const std::string& canonical) {
  std::vector<PreparedVariant> vars;
  NamedFeatures a, b, c;
  a.set("style", "closeup").set("featured_actor", "x1").set("brightness", 0.4);
  b.set("style", "group").set("brightness", 0.7);
  c.set("style", "dark").set("featured_actor", "x2");
  vars.push_back(prepare_variant("v1", a));
  vars.push_back(prepare_variant("v2", b));
  vars.push_back(prepare_variant("v3", c));
  std::vector<const PreparedVariant*> cands = {&vars[0], &vars[1], &vars[2]};

  LearnerOptions options;
  options.wait_ms = 1000;
  options.seed = 7;
  Learner learner(canonical, options);
  Request request;
  Decision d;
  for (int i = 0; i < 3; ++i) {
    request.reset("unit" + std::to_string(i), "title");
    request.add_user("actor_x1", 0.5 * i);
    request.add_context("device", i % 2 ? "tv" : "mobile");
    request.add_context("hour", 20.0 + i);
    DecideOptions at;
    at.now_ms = 10'000 + i;
    at.want_scores = true;
    learner.decide(request, cands, 0, at, d);
    double sum = 0;
    double floor = make_policy(canonical)->floor();
    for (double p : d.probabilities) {
      if (!std::isfinite(p) || p < floor / 3 - 1e-12) finding("probability out of range", canonical);
      sum += p;
    }
    if (std::abs(sum - 1) > 1e-9) finding("probabilities do not sum to 1", canonical);
    if (d.chosen < 0 || d.chosen >= 3) finding("no candidate chosen", canonical);
    learner.reward(d.event_id, "click", 1.0, 10'100 + i);
  }
  learner.expire(20'000);
  std::unique_ptr<Learner> restored = Learner::from_snapshot(learner.snapshot());
  if (restored->policy_state() != learner.policy_state()) {
    finding("snapshot did not restore the policy state", canonical);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view spec(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<Policy> policy;
  try {
    policy = make_policy(spec);
  } catch (const SpecError&) {
    return 0;  // refused, as it should be
  }
  std::string canonical = policy->spec();
  std::unique_ptr<Policy> again;
  try {
    again = make_policy(canonical);
  } catch (const SpecError& e) {
    finding(std::string("canonical spec '") + canonical + "' is refused: " + e.what(), spec);
  }
  if (again->spec() != canonical) finding("canonical spec is not stable: " + again->spec(), spec);
  BinaryWriter out;
  policy->save(out);
  BinaryReader in(out.bytes());
  again->load(in);
  exercise_learner(canonical);
  return 0;
}
