#include "keyart/sim/simulator.h"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "keyart/engine/batch_pipe.h"

namespace keyart::sim {

double Window::lift() const {
  if (n == 0 || oracle - random <= 0) return 0;
  return (clicks - random) / (oracle - random);
}
double Window::expected_lift() const {
  if (n == 0 || oracle - random <= 0) return 0;
  return (expected - random) / (oracle - random);
}

namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  std::unique_ptr<engine::Learner> learner;
  PolicyResult result;
  std::vector<float> latency_us;
  engine::Decision decision;
  std::vector<uint8_t> clicks;  // per impression, for the last window
};

void add(Window& w, double click, double expected, double random, double oracle) {
  ++w.n;
  w.clicks += click;
  w.expected += expected;
  w.random += random;
  w.oracle += oracle;
}

}  // namespace

SimResult run_simulation(const std::string& workload_path, const SimOptions& options) {
  if (options.specs.empty()) throw std::invalid_argument("no policy to simulate");
  std::vector<Running> runs(options.specs.size());
  engine::LearnerOptions lo;
  lo.rewards = engine::RewardDefinition::parse("click=1");
  if (options.step_ms < 1) throw std::invalid_argument("step_ms must be >= 1");
  lo.wait_ms = static_cast<int64_t>(options.wait) * options.step_ms + 1;
  lo.max_pending = std::max<size_t>(1024, options.wait * 2 + 16);
  lo.seed = options.seed;
  for (size_t i = 0; i < runs.size(); ++i) {
    runs[i].learner = std::make_unique<engine::Learner>(options.specs[i], lo);
    runs[i].result.spec = runs[i].learner->spec();
    runs[i].latency_us.reserve(options.limit ? options.limit : 1 << 20);
  }
  // Per impression window sums for "last": kept as running totals over a ring.
  const uint64_t last = options.last;
  struct Row {
    double random, oracle;
  };
  std::vector<Row> ring(last ? last : 1);
  struct Outcome {
    double click = 0, expected = 0;
    bool seen = false;  // false: A/B mode routed this impression elsewhere
  };
  std::vector<std::vector<Outcome>> ring_policy(runs.size(),
                                                std::vector<Outcome>(last ? last : 1));
  std::unordered_map<engine::FeatureKey, uint32_t> seen_per_title;  // impressions per title so far

  SimResult result;
  result.workload = workload_path;
  uint64_t index = 0;
  const auto start = Clock::now();

  // What the learners need of one impression, owned (an Impression's views
  // die with its callback): the request built from its named features, the
  // candidates, the click probabilities and the draw.
  struct Prepared {
    engine::Request request;
    std::vector<const engine::PreparedVariant*> candidates;
    std::vector<double> p_click;
    double u = 0;
    engine::FeatureKey title = 0;
  };
  auto prepare = [](const Impression& imp, Prepared& out) {
    char unit[24];
    auto [ptr, ec] = std::to_chars(unit, unit + sizeof unit, imp.user);
    (void)ec;
    out.request.reset(std::string_view(unit, ptr - unit), imp.title);
    for (const auto& [name, value] : imp.user_features) out.request.add_user(name, value);
    for (const auto& c : imp.context) {
      if (c.is_text) {
        out.request.add_context(c.name, c.text);
      } else {
        out.request.add_context(c.name, c.number);
      }
    }
    for (const auto& [name, value] : imp.title_features) out.request.add_title(name, value);
    out.candidates.assign(imp.candidates.begin(), imp.candidates.end());
    out.p_click.assign(imp.p_click.begin(), imp.p_click.end());
    out.u = imp.u;
    out.title = engine::feature_key(imp.title);
  };

  // Runs the learners on one impression; `imp` is null when the impression
  // was prepared on the reader thread (no router or sink then).
  auto process = [&](Prepared& pr, const Impression* imp) {
    const int64_t now = options.start_ms + static_cast<int64_t>(index) * options.step_ms;
    double sum = 0, best = 0;
    for (double p : pr.p_click) {
      sum += p;
      best = std::max(best, p);
    }
    const double random = sum / pr.p_click.size();
    uint32_t& seen = seen_per_title[pr.title];
    const bool cold = seen < options.cold;
    ++seen;
    const uint64_t slot = last ? index % last : 0;
    ring[slot] = {random, best};

    const size_t routed = options.route ? options.route(*imp) : runs.size();
    if (options.route && routed >= runs.size()) {
      throw std::out_of_range("route() chose policy " + std::to_string(routed) + " of " +
                              std::to_string(runs.size()));
    }
    for (size_t r = 0; r < runs.size(); ++r) {
      if (options.route && r != routed) {
        ring_policy[r][slot].seen = false;
        continue;
      }
      Running& run = runs[r];
      const auto t0 = Clock::now();
      run.learner->expire(now);
      engine::DecideOptions d;
      d.now_ms = now;
      d.seed = engine::mix_key(options.seed * 0x9e3779b97f4a7c15ULL + index * 31 + r);
      const auto t1 = Clock::now();
      run.learner->decide(pr.request, pr.candidates, -1, d, run.decision);
      const auto t2 = Clock::now();
      const int c = run.decision.chosen;
      const double p = pr.p_click[c];
      const double click = pr.u < p ? 1.0 : 0.0;
      if (click > 0) run.learner->reward(run.decision.event_id, "click", 1.0, now);
      const auto t3 = Clock::now();
      run.result.policy_seconds += std::chrono::duration<double>(t3 - t0).count();
      run.latency_us.push_back(
          static_cast<float>(std::chrono::duration<double, std::micro>(t2 - t1).count()));
      if (options.sink) {
        options.sink->on_decision(r, *imp, pr.request, run.decision, now);
        if (click > 0) options.sink->on_reward(r, run.decision.event_id, "click", 1.0, now);
      }
      add(run.result.all, click, p, random, best);
      if (cold) add(run.result.cold, click, p, random, best);
      ring_policy[r][slot] = {click, p, true};
    }
    ++index;
    if (options.curve_points > 0) {
      const uint64_t every = std::max<uint64_t>(
          1, (options.limit ? options.limit : 1000000) / options.curve_points);
      if (index % every == 0) {
        for (auto& run : runs) run.result.curve.emplace_back(index, run.result.all.lift());
      }
    }
  };

  VariantCache variants;
  ReadStats rs;
  if (options.sink || options.route) {
    // The router and the sink see the Impression itself: one thread.
    Prepared pr;
    rs = read_workload(
        workload_path, variants,
        [&](const Impression& imp) {
          prepare(imp, pr);
          process(pr, &imp);
        },
        options.limit);
  } else {
    // Two threads: this one parses and prepares, the learners run on the
    // other, batches handed over through a bounded queue (the same order,
    // hence the same decisions, as one thread).
    // The policies' scratch stays with the learner thread (warm in its
    // cache): swapped into each request for its decision and back out.
    engine::Workspace hot;
    engine::run_pipelined<Prepared>(
        256, 4,
        [&](engine::BatchPipe<Prepared>& pipe) {
          rs = read_workload(
              workload_path, variants, [&](const Impression& imp) { prepare(imp, pipe.next()); },
              options.limit);
        },
        [&](Prepared* items, size_t n) {
          for (size_t i = 0; i < n; ++i) {
            std::swap(items[i].request.workspace(), hot);
            process(items[i], nullptr);
            std::swap(items[i].request.workspace(), hot);
          }
        });
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.parse_seconds = rs.parse_seconds;
  result.impressions = rs.impressions;
  result.variants = variants.size();

  const uint64_t n_last = std::min<uint64_t>(last, index);
  for (size_t r = 0; r < runs.size(); ++r) {
    Running& run = runs[r];
    PolicyResult& pr = run.result;
    for (uint64_t i = 0; i < n_last; ++i) {
      const Outcome& o = ring_policy[r][i];
      if (o.seen) add(pr.last, o.click, o.expected, ring[i].random, ring[i].oracle);
    }
    if (pr.curve.empty() || pr.curve.back().first != index) pr.curve.emplace_back(index, pr.all.lift());
    pr.decisions_per_second = pr.policy_seconds > 0 ? pr.all.n / pr.policy_seconds : 0;
    auto& lat = run.latency_us;
    if (!lat.empty()) {
      auto pct = [&](double q) {
        size_t k = static_cast<size_t>(q * (lat.size() - 1));
        std::nth_element(lat.begin(), lat.begin() + k, lat.end());
        return static_cast<double>(lat[k]);
      };
      pr.p50_us = pct(0.5);
      pr.p99_us = pct(0.99);
    }
    pr.model_version = run.learner->model_version();
    result.policies.push_back(std::move(pr));
  }
  return result;
}

}  // namespace keyart::sim
