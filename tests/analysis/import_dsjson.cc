// keyart import dsjson on logs written by hand from the format's
// description (tests/data/dsjson/): what lands in the ledger, field by field,
// against values read off the file; bad lines; the report on the import.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "keyart/analysis/dsjson_import.h"
#include "keyart/analysis/experiment_report.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/variants.h"
#include "support/ledger_fixture.h"
#include "support/test_support.h"

namespace keyart::analysis {
namespace {

std::string data(const std::string& name) {
  return (testing::source_dir() / "tests" / "data" / "dsjson" / name).string();
}

std::string ledger_id(const std::string& event_id) {
  return engine::to_hex(ledger::client_event_id(event_id));
}

TEST(ImportDsjson, EveryFieldLandsWhereTheFormatSays) {
  testing::LedgerFixture f;
  ImportResult r = import_dsjson(f.ledger, {.path = data("personalizer_log.json"),
                                            .experiment_id = "pz",
                                            .unit_feature = "User_id"});
  ASSERT_TRUE(r.imported);
  EXPECT_EQ(r.rows_read, 5);  // the blank line is not a row
  EXPECT_EQ(r.rows_imported, 5);
  EXPECT_EQ(r.rewards_written, 4);  // ev-2 has cost 0
  EXPECT_EQ(r.actions, 5);

  struct Want {
    std::string unit, variant;
    double propensity;
    std::vector<std::pair<std::string, double>> rewards;
  };
  const std::map<std::string, Want> want = {
      {"ev-1", {"u1", "pz-cold_brew", 0.8, {{"click", 1}}}},
      {"ev-2", {"u2", "pz-mocha", 0.1, {}}},
      {"ev-3", {"u1", "pz-latte", 0.45, {{"_activated", 1}, {"_deferred", 1}, {"click", 0.5}}}},
      {"ev-4", {"u3", "pz-cold_brew", 0.55, {{"_deferred", 1}, {"click", 1}}}},
      {"ev-5", {"u2", "pz-espresso", 0.5, {{"click", 2}}}},
  };
  for (const auto& [event, w] : want) {
    auto x = ledger::find_exposure(f.ledger, ledger_id(event));
    ASSERT_TRUE(x) << event;
    EXPECT_EQ(x->unit_id, w.unit) << event;
    EXPECT_EQ(x->variant_id, w.variant) << event;
    EXPECT_DOUBLE_EQ(x->propensity, w.propensity) << event;
    EXPECT_EQ(x->experiment_id, "pz");
    std::vector<std::pair<std::string, double>> got;
    for (const auto& rw : ledger::rewards_for_event(f.ledger, ledger_id(event))) {
      got.emplace_back(rw.kind, rw.value);
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, w.rewards) << event;
  }
  auto first = ledger::find_exposure(f.ledger, ledger_id("ev-1"));
  EXPECT_EQ(first->ts, 1612456289246);  // 2021-02-04T16:31:29.246Z
  EXPECT_EQ(first->candidates_json, R"(["pz-latte","pz-cold_brew","pz-mocha"])");
  EXPECT_EQ(first->context_json,
            R"({"context":{"Geo_0_country":"KR","User_id":"u1","User_tier":"gold"},"user":{}})");
  // Actions: external variants with the features of their first event.
  EXPECT_EQ(ledger::find_variant(f.ledger, "pz-cold_brew")->kind, "external");
  EXPECT_EQ(ledger::arm_features(f.ledger, "pz-latte").to_json(),
            nlohmann::json::parse(R"({"i_constant":1.0,"i_id":"latte","j_0_organic":"yes",
                                      "j_0_origin":"kenya","j_0_roast":"dark","j_0_type":"hot"})"));
  EXPECT_EQ(ledger::arm_features(f.ledger, "pz-tea").to_json(),
            nlohmann::json::parse(R"({"leaf_green":1.0,"leaf_loose":1.0})"));

  // The report counts the four shown events (ev-4 was never activated):
  // clicks 1 + 0.5 + 2 over 4 exposures.
  ExperimentReport report = build_experiment_report(
      f.ledger, {.experiment_id = "pz", .analysis = Analysis::kExposure});
  ASSERT_EQ(report.overall.arms.size(), 1u);
  EXPECT_EQ(report.overall.arms[0].exposures, 4);
  EXPECT_DOUBLE_EQ(report.overall.arms[0].rewards, 3.5);
}

TEST(ImportDsjson, BadLinesAreListedAndNothingIsImportedUnlessSkipped) {
  testing::LedgerFixture f;
  DsjsonImportOptions o{.path = data("with_bad_lines.json"), .experiment_id = "bad"};
  ImportResult r = import_dsjson(f.ledger, o);
  EXPECT_FALSE(r.imported);
  EXPECT_EQ(r.rows_read, 7);
  EXPECT_EQ(r.rows_bad, 5);
  std::vector<int64_t> lines;
  for (const auto& e : r.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<int64_t>{2, 3, 4, 5, 7}));
  EXPECT_EQ(r.errors[0].message, "no context \"c\": not a ranked event");
  EXPECT_EQ(r.errors[4].message, "EventId 'ok-1' appears twice in the file");
  EXPECT_EQ(ledger::count_exposures(f.ledger), 0);

  o.skip_bad = true;
  r = import_dsjson(f.ledger, o);
  ASSERT_TRUE(r.imported);
  EXPECT_EQ(r.rows_imported, 2);
  EXPECT_EQ(ledger::find_exposure(f.ledger, ledger_id("ok-1"))->variant_id, "bad-a");  // the first
  EXPECT_EQ(ledger::find_exposure(f.ledger, ledger_id("ok-2"))->variant_id, "bad-b");
  // The experiment id is now taken: a second import is refused, nothing changes.
  EXPECT_THROW(import_dsjson(f.ledger, o), ledger::LedgerError);
  EXPECT_EQ(ledger::count_exposures(f.ledger), 2);
  // Under another experiment id, the events already in the ledger are bad
  // lines (named), not an internal error; nothing is imported.
  o.experiment_id = "again";
  o.skip_bad = false;
  r = import_dsjson(f.ledger, o);
  EXPECT_FALSE(r.imported);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[0].message,
            "EventId 'ok-1' is already in the ledger (imported before, or served through the "
            "Personalizer API)");
  EXPECT_EQ(ledger::count_exposures(f.ledger), 2);
  EXPECT_THROW(import_dsjson(f.ledger, {.path = data("missing.json"), .experiment_id = "m"}),
               ledger::LedgerError);
}

}  // namespace
}  // namespace keyart::analysis
