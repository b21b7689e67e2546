#include "keyart/sim/sim_ledger.h"

#include <charconv>
#include <unordered_set>

#include "keyart/engine/context_fields.h"
#include "keyart/ledger/assignment.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"
#include "keyart/ledger/decision_log.h"

namespace keyart::sim {

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
  ledger::Ledger& ledger;
  SimLedgerOptions options;
  std::vector<double> shares;
  ledger::EventWriter writer;
  std::vector<ledger::Exposure> exposures;
  std::vector<ledger::Reward> rewards;
  // Catalogue entries seen but not yet committed, and everything known.
  std::vector<ledger::Title> new_titles;
  std::vector<ledger::CastMember> new_cast;
  std::vector<std::pair<ledger::Variant, ledger::VariantFeatures>> new_variants;
  std::unordered_set<std::string> titles, variants;
  engine::NamedFeatures context, user;
  SimLedgerStats stats;

  State(ledger::Ledger& l, SimLedgerOptions o) : ledger(l), options(std::move(o)), writer(l) {}

  void see_title(const sim::Impression& imp) {
    std::string id(imp.title);
    if (titles.contains(id)) return;
    titles.insert(id);
    if (ledger::find_title(ledger, id)) return;  // a ledger that has it already
    ledger::Title t{.title_id = id, .name = "Simulated title " + id};
    int billing = 1;
    for (const auto& [name, value] : imp.title_features) {
      if (value == 0) continue;
      if (starts_with(name, engine::kGenrePrefix)) {
        t.genres.emplace_back(name.substr(engine::kGenrePrefix.size()));
      }
      if (starts_with(name, engine::kCastPrefix)) {
        const std::string actor(name.substr(engine::kCastPrefix.size()));
        new_cast.push_back({.title_id = id, .actor_id = actor, .actor_name = actor,
                            .billing_order = billing, .role = billing <= 2 ? "lead" : "supporting"});
        ++billing;
      }
    }
    new_titles.push_back(std::move(t));
  }

  void see_variants(const sim::Impression& imp) {
    for (const engine::PreparedVariant* v : imp.candidates) {
      if (variants.contains(v->id)) continue;
      variants.insert(v->id);
      if (ledger::find_variant(ledger, v->id)) continue;
      ledger::Variant row{.variant_id = v->id, .title_id = std::string(imp.title),
                               .kind = "external", .uri = "sim://" + v->id,
                               .original_name = v->id, .uploaded_by = "keyart sim"};
      ledger::VariantFeatures f{.variant_id = v->id,
                                .extractor_version = std::string(kExtractorVersion),
                                .features_json = ledger::arm_features_record(v->named)};
      new_variants.emplace_back(std::move(row), std::move(f));
    }
  }

  void flush() {
    if (exposures.empty() && rewards.empty() && new_titles.empty()) return;
    ledger::Transaction tx(ledger);
    for (const auto& t : new_titles) ledger::add_title(ledger, t);
    for (const auto& m : new_cast) ledger::add_cast_member(ledger, m);
    for (const auto& [v, f] : new_variants) ledger::add_variant(ledger, v, f);
    ledger::BatchResult r = writer.write(exposures, rewards);
    if (!r.rejected.empty()) {
      const auto& first = r.rejected.front();
      throw ledger::LedgerError(
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

SimLedger::SimLedger(ledger::Ledger& ledger, SimLedgerOptions options)
    : state_(std::make_unique<State>(ledger, std::move(options))) {
  State& s = *state_;
  ledger::Experiment e{.experiment_id = s.options.experiment_id,
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
  ledger::Transaction tx(ledger);
  ledger::create_experiment(ledger, e);
  ledger::start_experiment(ledger, e.experiment_id, s.options.start_ms - 1);
  tx.commit();
  s.exposures.reserve(s.options.batch_size);
}

SimLedger::~SimLedger() = default;

size_t SimLedger::route(const sim::Impression& impression) const {
  return ledger::assign_arm(state_->options.salt, unit_id(impression.user), state_->shares);
}

void SimLedger::on_decision(size_t arm, const sim::Impression& imp, const engine::Request&,
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

  ledger::Exposure e;
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
  ledger::encode_decision({&s.context, &s.user, imp.candidates, &d}, e);
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
  ledger::stop_experiment(s.ledger, s.options.experiment_id, end_ms);
  return s.stats;
}

}  // namespace keyart::sim
