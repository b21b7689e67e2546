// A fresh ledger (a file in a temporary folder, or a PostgreSQL database on
// that pass: support/test_ledger.h), with helpers to add a title, external
// variants and a running experiment for event tests.
#pragma once

#include <string>
#include <vector>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/variants.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart::testing {

struct LedgerFixture {
  TempDir dir;
  TestLedger where{dir};
  std::string path = where.target();
  ledger::Ledger ledger = ledger::Ledger::open(path, {.files_dir = where.files_dir()});

  void add_title(const std::string& id, int variants) {
    ledger::add_title(ledger, {.title_id = id, .name = "Title " + id});
    for (int i = 1; i <= variants; ++i) {
      ledger::Variant v;
      v.variant_id = id + "-v" + std::to_string(i);
      v.title_id = id;
      v.kind = "external";
      ledger::add_variant(ledger, v);
    }
  }

  void add_running_experiment(const std::string& id, std::vector<std::string> arms) {
    ledger::Experiment e{.experiment_id = id, .name = "exp " + id};
    for (const auto& arm : arms) {
      e.arms.push_back({.arm_id = arm,
                        .policy_spec = "uniform",
                        .traffic_share = 1.0 / static_cast<double>(arms.size())});
    }
    ledger::create_experiment(ledger, e);
    ledger::start_experiment(ledger, id);
  }

  static ledger::Exposure exposure(const std::string& event_id, const std::string& title,
                                        const std::string& variant) {
    ledger::Exposure e;
    e.event_id = event_id;
    e.ts = 1'700'000'000'000;
    e.unit_id = "u1";
    e.title_id = title;
    e.variant_id = variant;
    e.policy = "uniform";
    e.propensity = 0.5;
    return e;
  }
};

// 32-hex event id from a small number.
inline std::string hex_id(int n) {
  std::string s = std::to_string(n);
  return std::string(32 - s.size(), '0') + s;
}

}  // namespace keyart::testing
