#include "keyart/serving/sim_ledger.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "keyart/experiments/assignment.h"
#include "keyart/experiments/catalog.h"
#include "keyart/experiments/errors.h"
#include "keyart/experiments/events.h"
#include "keyart/experiments/experiment_store.h"
#include "keyart/experiments/sqlite.h"
#include "keyart/experiments/variants.h"
#include "logged_events.h"

namespace keyart::serving {

namespace {

constexpr std::string_view kExtractorVersion = "sim-workload";

std::string unit_id(int64_t user) {
  char buf[24] = {'u'};
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf, user);
  (void)ec;
  return std::string(buf, end);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

struct SimLedger::State {
  experiments::Ledger& ledger;
  SimLedgerOptions options;
  std::vector<double> shares;
  experiments::EventWriter writer;
  std::vector<experiments::Exposure> exposures;
  std::vector<experiments::Reward> rewards;
  // Catalogue entries seen but not yet committed, and everything known.
  std::vector<experiments::Title> new_titles;
  std::vector<experiments::CastMember> new_cast;
  std::vector<std::pair<experiments::Variant, experiments::VariantFeatures>> new_variants;
  std::unordered_set<std::string> titles, variants;
  engine::NamedFeatures context, user;
  SimLedgerStats stats;

  State(experiments::Ledger& l, SimLedgerOptions o) : ledger(l), options(std::move(o)), writer(l) {}

  void see_title(const engine::Impression& imp) {
    std::string id(imp.title);
    if (titles.contains(id)) return;
    titles.insert(id);
    if (experiments::find_title(ledger, id)) return;  // a ledger that has it already
    experiments::Title t{.title_id = id, .name = "Simulated title " + id};
    int billing = 1;
    for (const auto& [name, value] : imp.title_features) {
      if (value == 0) continue;
      if (starts_with(name, "genre_")) t.genres.emplace_back(name.substr(6));
      if (starts_with(name, "cast_")) {
        const std::string actor(name.substr(5));
        new_cast.push_back({.title_id = id, .actor_id = actor, .actor_name = actor,
                            .billing_order = billing, .role = billing <= 2 ? "lead" : "supporting"});
        ++billing;
      }
    }
    new_titles.push_back(std::move(t));
  }

  void see_variants(const engine::Impression& imp) {
    for (const engine::PreparedVariant* v : imp.candidates) {
      if (variants.contains(v->id)) continue;
      variants.insert(v->id);
      if (experiments::find_variant(ledger, v->id)) continue;
      experiments::Variant row{.variant_id = v->id, .title_id = std::string(imp.title),
                               .kind = "external", .uri = "sim://" + v->id,
                               .original_name = v->id, .uploaded_by = "keyart sim"};
      experiments::VariantFeatures f{.variant_id = v->id,
                                     .extractor_version = std::string(kExtractorVersion),
                                     .features_json =
                                         nlohmann::json{{"arm_features", v->named.to_json()}}.dump()};
      new_variants.emplace_back(std::move(row), std::move(f));
    }
  }

  void flush() {
    if (exposures.empty() && rewards.empty() && new_titles.empty()) return;
    experiments::Transaction tx(ledger.db());
    for (const auto& t : new_titles) experiments::add_title(ledger, t);
    for (const auto& m : new_cast) experiments::add_cast_member(ledger, m);
    for (const auto& [v, f] : new_variants) experiments::add_variant(ledger, v, f);
    experiments::BatchResult r = writer.write(exposures, rewards);
    if (!r.rejected.empty()) {
      const auto& first = r.rejected.front();
      throw experiments::LedgerError(
          first.kind, "the ledger refused a simulated " +
                          std::string(first.is_reward ? "reward" : "exposure") + ": " + first.reason);
    }
    tx.commit();
    stats.titles += new_titles.size();
    stats.variants += new_variants.size();
    stats.exposures += r.exposures_written;
    stats.rewards += r.rewards_written;
    new_titles.clear();
    new_cast.clear();
    new_variants.clear();
    exposures.clear();
    rewards.clear();
  }
};

SimLedger::SimLedger(experiments::Ledger& ledger, SimLedgerOptions options)
    : state_(std::make_unique<State>(ledger, std::move(options))) {
  State& s = *state_;
  experiments::Experiment e{.experiment_id = s.options.experiment_id,
                            .name = s.options.name.empty() ? s.options.experiment_id
                                                           : s.options.name,
                            .description = "simulated A/B test (keyart sim ab)",
                            .source = "sim",
                            .salt = s.options.salt};
  for (size_t i = 0; i < s.options.arms.size(); ++i) {
    const SimArm& a = s.options.arms[i];
    e.arms.push_back({.arm_id = a.arm_id, .policy_spec = a.policy_spec,
                      .traffic_share = a.traffic_share, .is_control = i == 0});
    s.shares.push_back(a.traffic_share);
  }
  experiments::Transaction tx(ledger.db());
  experiments::create_experiment(ledger, e);
  experiments::start_experiment(ledger, e.experiment_id, s.options.start_ms - 1);
  tx.commit();
  s.exposures.reserve(s.options.batch_size);
}

SimLedger::~SimLedger() = default;

size_t SimLedger::route(const engine::Impression& impression) const {
  return experiments::assign_arm(state_->options.salt, unit_id(impression.user), state_->shares);
}

void SimLedger::on_decision(size_t arm, const engine::Impression& imp, const engine::Request&,
                            const engine::Decision& d, int64_t time_ms) {
  State& s = *state_;
  s.see_title(imp);
  s.see_variants(imp);
  s.context = {};
  for (const auto& c : imp.context) {
    if (c.is_text) {
      s.context.set(c.name, c.text);
    } else {
      s.context.set(c.name, c.number);
    }
  }
  s.user = {};
  for (const auto& [name, value] : imp.user_features) s.user.set(name, value);

  experiments::Exposure e;
  e.event_id = engine::to_hex(d.event_id);
  e.ts = time_ms;
  e.experiment_id = s.options.experiment_id;
  e.arm_id = s.options.arms[arm].arm_id;
  e.unit_id = unit_id(imp.user);
  e.title_id = std::string(imp.title);
  e.variant_id = imp.candidates[d.chosen]->id;
  e.position = d.chosen;
  e.policy = s.options.arms[arm].policy_spec;
  e.model_version = static_cast<int64_t>(d.model_version);
  e.propensity = d.propensity;
  describe_request({&s.context, &s.user, imp.candidates, &d}, e);
  s.exposures.push_back(std::move(e));
  if (s.exposures.size() >= s.options.batch_size) s.flush();
}

void SimLedger::on_reward(size_t, const engine::EventId& event_id, std::string_view kind,
                          double value, int64_t time_ms) {
  // The exposure of this reward is buffered or committed already (decisions
  // come first), so the batch's foreign key holds.
  state_->rewards.push_back({engine::to_hex(event_id), std::string(kind), value, time_ms});
}

SimLedgerStats SimLedger::finish(int64_t end_ms) {
  State& s = *state_;
  s.flush();
  experiments::stop_experiment(s.ledger, s.options.experiment_id, end_ms);
  return s.stats;
}

}  // namespace keyart::serving
