// keyart sim's engine: runs one or more policies online over a workload.
// Each impression every policy decides through its own Learner (so event
// ids, the pending table and the reward path are exercised), sees only the
// click of the candidate it chose (click = u < p_click[chosen]) and learns
// once the decision's wait window ends (wait = impressions of delay; 0 =
// learn before the next impression). Simulated time: impression i happens at
// i milliseconds after start_ms.
//
// Metrics per policy, whole stream / last `last` impressions / cold start
// (the first `cold` impressions of each title): CTR, expected CTR (mean
// p_click of the choices), random CTR (mean over candidates), oracle CTR
// (max), oracle lift fraction (CTR - random)/(oracle - random); decide
// latency p50/p99 and decisions per second of policy time.
//
// SimSink is the seam for writing decisions and clicks elsewhere (e.g. a
// ledger): it sees every decision and every reward as the Learner does, and
// also, when the workload carries them, the plays and completions that
// follow a click (rewards "play" and "completion", which the learners,
// learning clicks, do not see).
//
// Viewer profiles (profiles set): each policy's world keeps a profile per
// viewer, fed by the history before the stream and by the plays its own
// choices led to (docs/SIM.md, "Viewing history").
//
// A/B mode (route set): each impression goes to ONE policy, the index
// route() returns (an experiment arm), instead of to all of them; each
// policy's metrics then cover only the impressions routed to it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "keyart/engine/learner.h"
#include "keyart/engine/request.h"
#include "keyart/sim/workload.h"

namespace keyart::sim {

class SimSink {
 public:
  virtual ~SimSink() = default;
  virtual void on_decision(size_t policy_index, const Impression& impression,
                           const engine::Request& request, const engine::Decision& decision, int64_t time_ms) = 0;
  virtual void on_reward(size_t policy_index, const engine::EventId& event_id, std::string_view kind,
                         double value, int64_t time_ms) = 0;
};

struct SimOptions {
  std::vector<std::string> specs;
  uint64_t limit = 0;           // impressions to run, 0 = all
  uint64_t wait = 0;            // feedback delay in impressions
  // Model staleness: decisions come from a copy of the learner refreshed
  // every publish_every impressions (as serving nodes that follow a trainer
  // decide), while the learner behind it learns from every decision. 1: the
  // learner decides itself.
  uint64_t publish_every = 1;
  uint64_t seed = 1;            // decision randomness
  uint64_t last = 100000;       // "last" window
  uint64_t cold = 50;           // cold-start impressions per title
  int curve_points = 200;
  int64_t start_ms = 1'700'000'000'000;
  int64_t step_ms = 1;          // simulated time between impressions
  // Viewer tastes: without_tastes drops the viewers' "actor_*"/"genre_*"
  // features from every request; profiles has keyart's viewer profiles
  // (keyart/profiles/viewer_profile.h) learn them from the workload's
  // history lines and from the plays that follow each policy's shown
  // artwork, and supply those the request does not carry.
  // fitted_profiles gives the tastes fitted against the population's
  // viewing in the history (keyart/profiles/population.h) instead.
  bool without_tastes = false;
  bool profiles = false;
  bool fitted_profiles = false;
  SimSink* sink = nullptr;
  std::function<size_t(const Impression&)> route;  // A/B mode when set
};

struct Window {
  uint64_t n = 0;
  double clicks = 0, expected = 0, random = 0, oracle = 0;
  double ctr() const { return n ? clicks / n : 0; }
  double lift() const;           // from realized clicks
  double expected_lift() const;  // from expected CTR (lower variance)
};

struct PolicyResult {
  std::string spec;
  Window all, last, cold;
  double policy_seconds = 0;  // decide + reward + expire
  double decisions_per_second = 0;
  double p50_us = 0, p99_us = 0;
  uint64_t model_version = 0;
  std::vector<std::pair<uint64_t, double>> curve;  // (impressions, cumulative lift)
};

struct SimResult {
  std::string workload;
  uint64_t impressions = 0, variants = 0;
  double seconds = 0, parse_seconds = 0;
  std::vector<PolicyResult> policies;
};

// Throws SpecError for a bad spec, std::runtime_error for unreadable input.
SimResult run_simulation(const std::string& workload_path, const SimOptions& options);

std::string format_sim_text(const SimResult& result);
std::string format_sim_json(const SimResult& result);
// SVG (or an HTML page around it) of cumulative lift per policy.
std::string format_sim_plot(const SimResult& result, bool html);

}  // namespace keyart::sim
