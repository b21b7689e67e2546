// The policy interface: one per file in src/policy_*.cc, selected by a spec
// string such as "hybrid-linucb:alpha=0.3,floor=0.01" (docs/ENGINE.md lists
// every policy and parameter).
//
// Contract of choose(): fills the probability of every candidate, each at
// least floor/K (K = number of candidates) and summing to 1, where the
// policy's own distribution q is mixed with the floor as
//     p_i = floor/K + (1 - floor) * q_i,
// then samples `chosen` from exactly p with the given generator, so the
// logged propensity p[chosen] is the probability actually used. choose() is
// const and may run on many threads at once; update(), load() need exclusive
// access (the Learner holds the lock). A policy instance serves many titles:
// per-variant state is keyed by the variant id.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keyart/engine/binary_io.h"
#include "keyart/engine/feature_layout.h"
#include "keyart/engine/random.h"
#include "keyart/engine/request.h"

namespace keyart::engine {

// A malformed policy spec: unknown policy or parameter, bad value.
class SpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ChoiceOutput {
  std::span<double> probabilities;  // size K; filled by choose()
  std::span<double> scores;         // size K to ask for scores, empty otherwise
  int chosen = -1;
};

// What a policy learns from: the shown candidate's features and its reward.
struct Observation {
  std::string_view variant_id;
  FeatureKey variant_key = 0;
  FeatureKey block = 0;
  std::span<const Feature> common;
  std::span<const Feature> own;
};

Observation observation_of(const ChoiceInput& input, int index);

class Policy {
 public:
  virtual ~Policy() = default;

  // Short name ("linucb") and the canonical spec with every parameter.
  virtual std::string_view name() const = 0;
  virtual std::string spec() const = 0;
  // The layout this policy's vectors are built with (only dim and the
  // feature switches matter to non-contextual policies: none).
  const FeatureLayout& layout() const { return layout_; }
  double floor() const { return floor_; }

  // Scores are the policy's value estimates: upper confidence bounds for
  // LinUCB, posterior means for Thompson sampling, mean rewards for
  // epsilon-greedy, 0 for fixed and uniform.
  virtual void choose(const ChoiceInput& input, Rng& rng, Workspace& ws,
                      ChoiceOutput& out) const = 0;

  void update(const Observation& shown, double reward) {
    apply(shown, reward);
    ++version_;
  }
  // Number of updates applied since creation (the model version).
  uint64_t version() const { return version_; }

  void save(BinaryWriter& out) const;
  // Replaces the state; throws SnapshotError on malformed input.
  void load(BinaryReader& in);

 protected:
  Policy(double floor, LayoutOptions layout) : floor_(floor), layout_(std::move(layout)) {}
  virtual void apply(const Observation& shown, double reward) = 0;
  virtual void save_state(BinaryWriter& out) const = 0;
  virtual void load_state(BinaryReader& in) = 0;

 private:
  double floor_;
  FeatureLayout layout_;
  uint64_t version_ = 0;
};

// "name:param=value,param=value"; fixed takes its variant first:
// "fixed:<variant-id>[,floor=0]" or "fixed:default".
struct PolicySpec {
  std::string text;
  std::string name;
  std::string target;  // fixed's variant id
  std::vector<std::pair<std::string, std::string>> params;
};
PolicySpec parse_policy_spec(std::string_view text);

// Builds the policy a spec names; throws SpecError with a one-line message.
std::unique_ptr<Policy> make_policy(std::string_view spec);
std::vector<std::string> policy_names();

}  // namespace keyart::engine
