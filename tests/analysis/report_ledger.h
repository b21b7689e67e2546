// Builds ledgers for the report tests with the real EventWriter: a title
// with variants, an experiment with arms and shares, and exposures (with an
// optional reward) added one call each, written in batches.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/ledger_fixture.h"

namespace keyart::testing {

inline constexpr int64_t kDay0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kHourMs = 3'600'000;

struct ReportLedger : LedgerFixture {
  int next_event = 1;
  std::vector<ledger::Exposure> exposures;
  std::vector<ledger::Reward> rewards;

  // Arms as (id, share); the first is the control.
  void experiment(const std::string& id, const std::vector<std::pair<std::string, double>>& arms,
                  const std::string& name = "", bool stop = true) {
    ledger::Experiment e{.experiment_id = id, .name = name.empty() ? "exp " + id : name};
    for (const auto& [arm, share] : arms) {
      e.arms.push_back({.arm_id = arm, .policy_spec = "uniform", .traffic_share = share});
    }
    ledger::create_experiment(ledger, e);
    ledger::start_experiment(ledger, id, kDay0 - 1000);
    if (stop) ledger::stop_experiment(ledger, id, kDay0 + 400 * 86'400'000LL);
  }

  struct Row {
    std::string experiment = "e1";
    std::string arm;
    std::string unit;
    std::string variant = "t1-v1";
    int64_t ts = kDay0;
    std::optional<double> reward;  // of kind `kind`
    std::string kind = "click";
    std::optional<std::string> device, country;
    std::optional<int64_t> hour;
    double propensity = 0.5;
    std::string title = "t1";
  };

  void add(const Row& row) {
    ledger::Exposure e = exposure(hex_id(next_event++), row.title, row.variant);
    e.experiment_id = row.experiment;
    e.arm_id = row.arm;
    e.unit_id = row.unit;
    e.ts = row.ts;
    e.device = row.device;
    e.country = row.country;
    e.hour = row.hour;
    e.propensity = row.propensity;
    exposures.push_back(e);
    if (row.reward) rewards.push_back({e.event_id, row.kind, *row.reward, row.ts + 1000});
    if (exposures.size() >= 5000) flush();
  }

  // `units` viewers of arm, one exposure each; the first `clicks` click.
  void add_units(const std::string& arm, int units, int clicks, const std::string& prefix) {
    for (int u = 0; u < units; ++u) {
      add({.arm = arm, .unit = prefix + std::to_string(u),
           .reward = u < clicks ? std::optional<double>(1.0) : std::nullopt});
    }
  }

  void flush() {
    ledger::EventWriter writer(ledger);
    ledger::BatchResult r = writer.write(exposures, rewards);
    ASSERT_TRUE(r.rejected.empty()) << r.rejected.front().reason;
    exposures.clear();
    rewards.clear();
  }
};

}  // namespace keyart::testing
