#include "keyart/sim/simulator.h"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "keyart/engine/batch_pipe.h"
#include "keyart/engine/context_fields.h"
#include "keyart/engine/hash.h"
#include "keyart/profiles/population.h"
#include "keyart/profiles/viewer_profile.h"

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

// What the learners need of one impression, owned (an Impression's views
// die with its callback): the request built from its named features, the
// candidates, the click probabilities and the draw.
struct Prepared {
  engine::Request request;
  std::vector<const engine::PreparedVariant*> candidates;
  std::vector<double> p_click;
  double u = 0;
  bool has_plays = false;
  double p_play = 0, p_complete = 0, u_play = 0, u_complete = 0;
  engine::FeatureKey title = 0;
};

// Whether the impression's own user features name this one (they win over
// a profile's).
bool carries(const Impression& imp, std::string_view feature) {
  for (const auto& f : imp.user_features) {
    if (f.first == feature) return true;
  }
  return false;
}

// `without_tastes`: the request carries none of the viewer's tastes.
void prepare(const Impression& imp, Prepared& out, bool without_tastes = false) {
  char unit[24];
  auto [ptr, ec] = std::to_chars(unit, unit + sizeof unit, imp.user);
  (void)ec;
  out.request.reset(std::string_view(unit, ptr - unit), imp.title);
  for (const auto& [name, value] : imp.user_features) {
    if (!without_tastes || !engine::is_taste_feature(name)) out.request.add_user(name, value);
  }
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
  out.has_plays = imp.has_plays;
  out.p_play = imp.p_play;
  out.p_complete = imp.p_complete;
  out.u_play = imp.u_play;
  out.u_complete = imp.u_complete;
  out.title = engine::feature_key(imp.title);
}

// What any policy could expect of an impression: the mean (random choice)
// and the best (oracle) of its click probabilities.
struct Benchmarks {
  double random = 0, oracle = 0;
};

Benchmarks benchmarks_of(const std::vector<double>& p_click) {
  double sum = 0, best = 0;
  for (double p : p_click) {
    sum += p;
    best = std::max(best, p);
  }
  return {sum / p_click.size(), best};
}

void add(Window& w, double click, double expected, const Benchmarks& b) {
  ++w.n;
  w.clicks += click;
  w.expected += expected;
  w.random += b.random;
  w.oracle += b.oracle;
}

// Every policy learns from clicks (reward 1), `wait` impressions after its
// decision.
engine::LearnerOptions learner_options(const SimOptions& options) {
  engine::LearnerOptions lo;
  lo.rewards = engine::RewardDefinition::parse("click=1");
  if (options.step_ms < 1) throw std::invalid_argument("step_ms must be >= 1");
  lo.wait_ms = static_cast<int64_t>(options.wait) * options.step_ms + 1;
  lo.max_pending = std::max<size_t>(1024, options.wait * 2 + 16);
  lo.seed = options.seed;
  return lo;
}

// The "last" window: a ring with one slot per impression of the window,
// holding its benchmarks and each policy's outcome, summed at the end.
class LastWindow {
 public:
  struct Outcome {
    double click = 0, expected = 0;
    bool seen = false;  // false: A/B mode routed this impression elsewhere
  };

  LastWindow(uint64_t last, size_t policies)
      : last_(last), benchmarks_(last ? last : 1), outcomes_(policies, std::vector<Outcome>(last ? last : 1)) {}

  uint64_t slot(uint64_t index) const { return last_ ? index % last_ : 0; }
  void set_benchmarks(uint64_t slot, const Benchmarks& b) { benchmarks_[slot] = b; }
  void set_outcome(size_t policy, uint64_t slot, const Outcome& o) { outcomes_[policy][slot] = o; }

  // Adds the policy's outcomes to w, once `impressions` have been simulated.
  void add_to(size_t policy, uint64_t impressions, Window& w) const {
    const uint64_t n = std::min<uint64_t>(last_, impressions);
    for (uint64_t i = 0; i < n; ++i) {
      const Outcome& o = outcomes_[policy][i];
      if (o.seen) add(w, o.click, o.expected, benchmarks_[i]);
    }
  }

 private:
  uint64_t last_;
  std::vector<Benchmarks> benchmarks_;
  std::vector<std::vector<Outcome>> outcomes_;
};

// One policy under simulation: its learner, the serving copy that decides
// when models are published (publish_every > 1), and what is measured.
struct Running {
  std::unique_ptr<engine::Learner> learner;
  std::unique_ptr<engine::Learner> serving;
  uint64_t published = 0;
  PolicyResult result;
  std::vector<float> latency_us;
  engine::Decision decision;
  // With SimOptions::profiles: each viewer's profile in this policy's world
  // (what the viewer played after this policy's choices).
  std::unordered_map<int64_t, profiles::ViewerProfile> profiles;
};

// Decide latency p50 and p99 (reorders the samples).
void latency_percentiles(std::vector<float>& lat, PolicyResult& pr) {
  if (lat.empty()) return;
  auto pct = [&](double q) {
    size_t k = static_cast<size_t>(q * (lat.size() - 1));
    std::nth_element(lat.begin(), lat.begin() + k, lat.end());
    return static_cast<double>(lat[k]);
  };
  pr.p50_us = pct(0.5);
  pr.p99_us = pct(0.99);
}

// The policies run over the impressions, one after the other, in order.
class Simulation {
 public:
  explicit Simulation(const SimOptions& options)
      : options_(options), last_(options.last, options.specs.size()) {
    profile_options_.fitted = options.fitted_profiles;
    if (options.specs.empty()) throw std::invalid_argument("no policy to simulate");
    const engine::LearnerOptions lo = learner_options(options);
    runs_.resize(options.specs.size());
    for (size_t i = 0; i < runs_.size(); ++i) {
      runs_[i].learner = std::make_unique<engine::Learner>(options.specs[i], lo);
      if (options.publish_every > 1) runs_[i].serving = runs_[i].learner->clone_model();
      runs_[i].result.spec = runs_[i].learner->spec();
      runs_[i].latency_us.reserve(options.limit ? options.limit : 1 << 20);
    }
    if (options.curve_points > 0) {
      curve_every_ = std::max<uint64_t>(1, (options.limit ? options.limit : 1000000) / options.curve_points);
    }
  }

  // Reads the workload and runs the policies on each impression.
  ReadStats run(const std::string& path, VariantCache& variants) {
    return options_.sink || options_.route || options_.profiles || options_.without_tastes
               ? run_on_one_thread(path, variants)
               : run_on_two_threads(path, variants);
  }

  // Each policy's result, its windows completed.
  std::vector<PolicyResult> results() {
    std::vector<PolicyResult> out;
    for (size_t r = 0; r < runs_.size(); ++r) {
      Running& run = runs_[r];
      PolicyResult& pr = run.result;
      last_.add_to(r, index_, pr.last);
      if (pr.curve.empty() || pr.curve.back().first != index_) pr.curve.emplace_back(index_, pr.all.lift());
      pr.decisions_per_second = pr.policy_seconds > 0 ? pr.all.n / pr.policy_seconds : 0;
      latency_percentiles(run.latency_us, pr);
      pr.model_version = run.learner->model_version();
      out.push_back(std::move(pr));
    }
    return out;
  }

 private:
  // The router and the sink see the Impression itself: one thread.
  ReadStats run_on_one_thread(const std::string& path, VariantCache& variants) {
    Prepared pr;
    WorkloadCallbacks callbacks;
    callbacks.impression = [&](const Impression& imp) {
      prepare(imp, pr, options_.without_tastes);
      process(pr, &imp);
    };
    if (options_.profiles) {
      callbacks.title_facts = [&](const TitleFactsLine& line) { learn_title(line); };
      callbacks.play = [&](const PlayLine& line) { learn_play(line); };
    }
    return read_workload(path, variants, callbacks, options_.limit);
  }

  // A title's cast and genres, for the profiles.
  void learn_title(const TitleFactsLine& line) {
    profiles::TitleFacts& facts = titles_[std::string(line.title)];
    facts = {};
    for (const auto& [actor, role] : line.cast) {
      if (auto r = profiles::parse_role(role)) facts.cast.emplace_back(std::string(actor), *r);
    }
    for (std::string_view g : line.genres) facts.genres.emplace_back(g);
    facts.id = line.title;
  }

  // A viewing from the history: every policy's world has it.
  void learn_play(const PlayLine& line) {
    auto facts = titles_.find(std::string(line.title));
    if (facts == titles_.end()) return;  // a title without facts teaches nothing
    const profiles::Viewing viewing{
        .key = engine::fmix64(static_cast<uint64_t>(line.user) * 0x9e3779b97f4a7c15ULL ^
                              engine::feature_key(line.title) ^
                              static_cast<uint64_t>(line.ts_offset_ms)),
        .ts_ms = options_.start_ms + line.ts_offset_ms,
        .seconds = line.seconds,
        .completed = line.completed};
    for (Running& run : runs_) run.profiles[line.user].add(viewing, facts->second, profile_options_);
    if (profile_options_.fitted) everyone_.add(viewing, facts->second, profile_options_);
  }

  // With fitted profiles: the population is the history's (every title's
  // viewing before the stream), built at the first decision; a profile
  // changed since its last fit is fitted again before it is used.
  void fit_if_stale(profiles::ViewerProfile& profile) {
    if (!profile_options_.fitted || !profile.fit_stale()) return;
    if (!population_) {
      population_.emplace(titles_, profiles::viewing_per_title(everyone_, profile_options_), profile_options_);
    }
    profile.set_fitted(population_->fit(profile, profile_options_), profile_options_);
  }

  // The request for policy r: the prepared one, plus, with profiles, the
  // viewer's affinities the request does not carry itself.
  engine::Request& request_for(Running& run, Prepared& pr, const Impression* imp, int64_t now) {
    if (!options_.profiles || imp == nullptr) return pr.request;
    prepare(*imp, scratch_, options_.without_tastes);
    auto it = run.profiles.find(imp->user);
    if (it != run.profiles.end()) {
      fit_if_stale(it->second);
      it->second.for_each_taste(now, profile_options_, [&](std::string_view feature, double value) {
        if (options_.without_tastes || !carries(*imp, feature)) {
          scratch_.request.add_user(feature, value);
        }
      });
    }
    return scratch_.request;
  }

  // A play that followed policy r's shown artwork, in r's world.
  void learn_stream_play(Running& run, const Impression* imp, bool completed, int64_t now) {
    if (!options_.profiles || imp == nullptr) return;
    auto facts = titles_.find(std::string(imp->title));
    if (facts == titles_.end()) return;
    run.profiles[imp->user].add(
        {.key = engine::fmix64(index_ + 1), .ts_ms = now, .completed = completed}, facts->second,
        profile_options_);
  }

  // Two threads: this one parses and prepares, the learners run on the
  // other, batches handed over through a bounded queue (the same order,
  // hence the same decisions, as one thread).
  // The policies' scratch stays with the learner thread (warm in its
  // cache): swapped into each request for its decision and back out.
  ReadStats run_on_two_threads(const std::string& path, VariantCache& variants) {
    ReadStats rs;
    engine::Workspace hot;
    engine::run_pipelined<Prepared>(
        256, 4,
        [&](engine::BatchPipe<Prepared>& pipe) {
          rs = read_workload(
              path, variants, [&](const Impression& imp) { prepare(imp, pipe.next()); }, options_.limit);
        },
        [&](Prepared* items, size_t n) {
          for (size_t i = 0; i < n; ++i) {
            std::swap(items[i].request.workspace(), hot);
            process(items[i], nullptr);
            std::swap(items[i].request.workspace(), hot);
          }
        });
    return rs;
  }

  // Runs the learners on one impression; `imp` is null when the impression
  // was prepared on the reader thread (no router or sink then).
  void process(Prepared& pr, const Impression* imp) {
    const int64_t now = options_.start_ms + static_cast<int64_t>(index_) * options_.step_ms;
    const Benchmarks benchmarks = benchmarks_of(pr.p_click);
    const bool cold = count_for_title(pr.title);
    const uint64_t slot = last_.slot(index_);
    last_.set_benchmarks(slot, benchmarks);

    const size_t routed = route(imp);
    for (size_t r = 0; r < runs_.size(); ++r) {
      if (options_.route && r != routed) {
        last_.set_outcome(r, slot, {});
        continue;
      }
      decide_and_learn(r, pr, imp, now, benchmarks, cold, slot);
    }
    ++index_;
    if (curve_every_ > 0 && index_ % curve_every_ == 0) {
      for (auto& run : runs_) run.result.curve.emplace_back(index_, run.result.all.lift());
    }
  }

  // Counts the impression for its title; true while the title is cold.
  bool count_for_title(engine::FeatureKey title) {
    uint32_t& seen = seen_per_title_[title];
    const bool cold = seen < options_.cold;
    ++seen;
    return cold;
  }

  // The policy that sees the impression (A/B mode), else runs_.size(): all.
  size_t route(const Impression* imp) const {
    if (!options_.route) return runs_.size();
    const size_t routed = options_.route(*imp);
    if (routed >= runs_.size()) {
      throw std::out_of_range("route() chose policy " + std::to_string(routed) + " of " +
                              std::to_string(runs_.size()));
    }
    return routed;
  }

  // Policy r decides, sees the click of its choice (if any) and is measured.
  void decide_and_learn(size_t r, Prepared& pr, const Impression* imp, int64_t now,
                        const Benchmarks& benchmarks, bool cold, uint64_t slot) {
    Running& run = runs_[r];
    const auto t0 = Clock::now();
    run.learner->expire(now);
    engine::DecideOptions d;
    d.now_ms = now;
    d.seed = engine::mix_key(options_.seed * 0x9e3779b97f4a7c15ULL + index_ * 31 + r);
    engine::Request& request = request_for(run, pr, imp, now);
    const auto t1 = Clock::now();
    if (run.serving) {
      run.serving->decide(request, pr.candidates, -1, d, run.decision);
    } else {
      run.learner->decide(request, pr.candidates, -1, d, run.decision);
    }
    const auto t2 = Clock::now();
    if (run.serving) {
      run.learner->learn_from(request, pr.candidates, -1, run.decision, now);
      if ((index_ + 1) % options_.publish_every == 0) {
        run.serving->adopt_model(*run.learner->clone_model(), ++run.published);
      }
    }
    const int c = run.decision.chosen;
    const double p = pr.p_click[c];
    const double click = pr.u < p ? 1.0 : 0.0;
    if (click > 0) run.learner->reward(run.decision.event_id, "click", 1.0, now);
    const bool played = click > 0 && pr.has_plays && pr.u_play < pr.p_play;
    if (played) learn_stream_play(run, imp, pr.u_complete < pr.p_complete, now);
    const auto t3 = Clock::now();
    run.result.policy_seconds += std::chrono::duration<double>(t3 - t0).count();
    run.latency_us.push_back(static_cast<float>(std::chrono::duration<double, std::micro>(t2 - t1).count()));
    if (options_.sink) {
      options_.sink->on_decision(r, *imp, request, run.decision, now);
      if (click > 0) {
        options_.sink->on_reward(r, run.decision.event_id, "click", 1.0, now);
        if (played) {
          options_.sink->on_reward(r, run.decision.event_id, "play", 1.0, now);
          if (pr.u_complete < pr.p_complete) {
            options_.sink->on_reward(r, run.decision.event_id, "completion", 1.0, now);
          }
        }
      }
    }
    add(run.result.all, click, p, benchmarks);
    if (cold) add(run.result.cold, click, p, benchmarks);
    last_.set_outcome(r, slot, {click, p, true});
  }

  const SimOptions& options_;
  profiles::ProfileOptions profile_options_;
  profiles::ViewerProfile everyone_;  // every viewer's history as one: the population's viewing
  std::optional<profiles::Population> population_;
  std::unordered_map<std::string, profiles::TitleFacts> titles_;  // from title_facts lines
  Prepared scratch_;  // request_for()'s
  std::vector<Running> runs_;
  LastWindow last_;
  std::unordered_map<engine::FeatureKey, uint32_t> seen_per_title_;  // impressions per title so far
  uint64_t index_ = 0;       // impressions simulated
  uint64_t curve_every_ = 0;  // a curve point every so many impressions; 0 = none
};

}  // namespace

SimResult run_simulation(const std::string& workload_path, const SimOptions& options) {
  Simulation simulation(options);
  SimResult result;
  result.workload = workload_path;
  const auto start = Clock::now();
  VariantCache variants;
  const ReadStats rs = simulation.run(workload_path, variants);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.parse_seconds = rs.parse_seconds;
  result.impressions = rs.impressions;
  result.variants = variants.size();
  result.policies = simulation.results();
  return result;
}

}  // namespace keyart::sim
