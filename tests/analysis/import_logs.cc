// `keyart import logs` end to end: a valid file lands as a finished
// experiment the reports can read; malformed rows are listed by line and
// nothing is imported (or, with --skip-bad, they are left out and counted);
// quoted fields, action features, and off-policy evaluation of the result.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/variants.h"
#include "support/ledger_dump.h"
#include "support/cli_ledger_fixture.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;
using testing::TempDir;

class ImportLogs : public testing::CliLedgerTest {
 protected:
  CommandResult import(std::vector<std::string> args) {
    args.insert(args.begin(), {"import", "logs"});
    args.push_back("--db");
    args.push_back(db);
    return run_keyart(args);
  }
  static std::vector<std::string> standard_map() {
    return {"--map", "time=timestamp", "--map", "item=action", "--map", "click=reward",
            "--map", "pscore=propensity"};
  }
};

const char* const kGoodLog =
    "time,user,item,click,pscore,pos,dev,age\n"
    "2019-11-24 00:00:02.250020+00:00,u1,a,1,0.25,0,tv,31\n"
    "2019-11-24T00:00:03Z,u1,b,0,0.5,1,mobile,31\n"
    "1574553604,u2,c,0,0.25,2,tv,45\n"
    "1574553605500,u3,\"a\",1,0.25,0,,\n";

TEST_F(ImportLogs, ValidFileBecomesAFinishedExperiment) {
  const std::string log = write("obd.csv", kGoodLog);
  std::vector<std::string> args = {log, "--experiment", "obd", "--map", "user=unit", "--map",
                                   "pos=position", "--map", "dev=device", "--map", "age=user"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  CommandResult r = import(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 4 rows (2 click rewards, 3 actions) as experiment obd"),
            std::string::npos)
      << r.out;

  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  auto e = ledger::get_experiment(ledger, "obd");
  EXPECT_EQ(e.status, "stopped");
  EXPECT_EQ(e.source, "import");
  EXPECT_EQ(*e.started_at, 1574553602250);  // 2019-11-24T00:00:02.250Z
  EXPECT_EQ(*e.stopped_at, 1574553605500);
  ASSERT_EQ(e.arms.size(), 1u);
  EXPECT_TRUE(e.arms[0].is_control);
  std::vector<ledger::StoredExposure> rows;
  ledger::for_each_exposure(ledger, {.experiment_id = "obd"},
                                 [&](const ledger::StoredExposure& x) { rows.push_back(x); });
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].ts, 1574553602250);
  EXPECT_EQ(rows[1].ts, 1574553603000);
  EXPECT_EQ(rows[2].ts, 1574553604000);  // Unix seconds
  EXPECT_EQ(rows[3].ts, 1574553605500);  // Unix milliseconds
  EXPECT_EQ(rows[0].variant_id, "obd-a");
  EXPECT_EQ(rows[1].unit_id, "u1");
  EXPECT_EQ(*rows[1].position, 1);
  EXPECT_EQ(*rows[1].device, "mobile");
  EXPECT_FALSE(rows[3].device.has_value());
  EXPECT_DOUBLE_EQ(rows[0].propensity, 0.25);
  auto context = nlohmann::json::parse(rows[0].context_json);
  EXPECT_EQ(context["user"]["age"], 31);
  EXPECT_EQ(context["context"]["device"], "tv");
  EXPECT_EQ(ledger::count_rewards(ledger), 2);
  EXPECT_EQ(ledger::list_variants(ledger, "obd", true).size(), 3u);

  // The reports read it like any experiment.
  CommandResult report =
      run_keyart({"report", "experiment", "obd", "--format", "json", "--db", db});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto j = nlohmann::json::parse(report.out);
  EXPECT_EQ(j["arms"][0]["exposures"], 4);
  EXPECT_EQ(j["arms"][0]["units"], 3);
  EXPECT_EQ(j["arms"][0]["rewards"], 2.0);
}

TEST_F(ImportLogs, WithoutAUnitColumnEachRowIsItsOwnUnit) {
  const std::string log = write("log.csv", kGoodLog);
  std::vector<std::string> args = {log, "--experiment", "x", "--json"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  CommandResult r = import(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["rows_imported"], 4);
  CommandResult report = run_keyart({"report", "experiment", "x", "--json", "--db", db});
  EXPECT_EQ(nlohmann::json::parse(report.out)["arms"][0]["units"], 4);
}

TEST_F(ImportLogs, MalformedRowsAreListedAndNothingIsImported) {
  const std::string log = write("bad.csv",
                                "time,item,click,pscore\n"
                                "1574553602,a,1,0.5\n"
                                "1574553603,b,0,0\n"           // line 3: propensity 0
                                "1574553604,c,0,1.5\n"         // line 4: above 1
                                "yesterday,a,1,0.5\n"          // line 5: time
                                "1574553606,,1,0.5\n"          // line 6: no action
                                "1574553607,a,lots,0.5\n"      // line 7: reward
                                "1574553608,a,1\n"             // line 8: 3 fields
                                "1574553609,b,0,0.25\n");
  const std::string before = testing::dump_ledger(db);
  std::vector<std::string> args = {log, "--experiment", "x"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  CommandResult r = import(args);
  EXPECT_EQ(r.exit_code, 1);
  for (const char* needle :
       {"line 3: propensity '0' is not in (0, 1]", "line 4: propensity '1.5' is not in (0, 1]",
        "line 5: timestamp 'yesterday' is not", "line 6: the action is empty",
        "line 7: reward 'lots' is not a number", "line 8: 3 fields where the header has 4",
        "nothing imported: 6 of 8 rows are malformed", "--skip-bad"}) {
    EXPECT_NE(r.err.find(needle), std::string::npos) << needle << "\n" << r.err;
  }
  EXPECT_EQ(testing::dump_ledger(db), before);

  args.push_back("--skip-bad");
  CommandResult skipped = import(args);
  ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_NE(skipped.out.find("imported 2 rows"), std::string::npos) << skipped.out;
  EXPECT_NE(skipped.out.find("left out 6 malformed rows"), std::string::npos) << skipped.out;
}

TEST_F(ImportLogs, QuotedFieldsAndLineNumbers) {
  // The action on line 2 holds a comma and a line break; the bad row after it
  // is reported at its own line (4), not at its record number.
  const std::string log = write("quoted.csv",
                                "time,item,click,pscore\n"
                                "1574553602,\"big, bold\nposter\",1,0.5\n"
                                "1574553603,\"say \"\"hi\"\"\",0,-1\n");
  std::vector<std::string> args = {log, "--experiment", "q"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  CommandResult r = import(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 4: propensity '-1' is not in (0, 1]"), std::string::npos) << r.err;
  args.push_back("--skip-bad");
  ASSERT_EQ(import(args).exit_code, 0);
  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  auto v = ledger::list_variants(ledger, "q", true);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].variant_id, "q-big,_bold_poster");  // line break and space replaced
  EXPECT_EQ(v[0].original_name, "big, bold\nposter");

  const std::string broken = write("broken.csv", "time,item,click,pscore\n1,\"open,1,0.5\n");
  CommandResult b = import({broken, "--experiment", "b", "--map", "time=timestamp", "--map",
                            "item=action", "--map", "click=reward", "--map", "pscore=propensity"});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("line 2: a quoted field is never closed"), std::string::npos) << b.err;
}

TEST_F(ImportLogs, ActionFeaturesAndCandidates) {
  const std::string log = write("log.csv",
                                "time,item,click,pscore,slate\n"
                                "1574553602,a,1,0.5,a|b\n"
                                "1574553603,b,0,0.5,a|b\n");
  const std::string items = write("items.csv",
                                  "item_id,price,genre\n"
                                  "a,9.5,drama\n"
                                  "b,3,comedy\n"
                                  "c,1,news\n");
  std::vector<std::string> args = {log, "--experiment", "f", "--map", "slate=candidates",
                                   "--action-features", items, "--action-key", "item_id"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  CommandResult r = import(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 actions, 3 with features"), std::string::npos) << r.out;
  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  auto features = ledger::latest_variant_features(ledger, "f-a");
  ASSERT_TRUE(features);
  EXPECT_EQ(nlohmann::json::parse(features->features_json)["arm_features"]["genre"], "drama");
  EXPECT_EQ(features->vector, std::vector<double>({9.5}));
  auto x = ledger::find_exposure(ledger, [&] {
    std::string id;
    ledger::for_each_exposure(ledger, {.experiment_id = "f"},
                                   [&](const ledger::StoredExposure& e) {
                                     if (id.empty()) id = e.event_id;
                                   });
    return id;
  }());
  ASSERT_TRUE(x);
  EXPECT_EQ(x->candidates_json, R"(["f-a","f-b"])");
}

// The decision log reads an imported row back as the engine would have seen
// it: the special context fields, the position, the user features, the
// candidates with the actions' features.
TEST_F(ImportLogs, ImportedRowsReplayThroughTheDecisionLog) {
  const std::string log = write("log.csv",
                                "time,item,click,pscore,slate,dev,land,hr,pos,age,plan\n"
                                "1574553602,b,1,0.5,a|b,tv,DE,21,3,0.1,gold\n");
  const std::string items = write("items.csv", "item_id,price,genre\na,9.5,drama\nb,3,comedy\n");
  std::vector<std::string> args = {log, "--experiment", "d", "--map", "slate=candidates",
                                   "--map", "dev=device", "--map", "land=country", "--map",
                                   "hr=hour", "--map", "pos=position", "--map", "age=user",
                                   "--map", "plan=user", "--action-features", items,
                                   "--action-key", "item_id"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  CommandResult r = import(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  std::vector<ledger::StoredExposure> rows;
  ledger::for_each_exposure(ledger, {.experiment_id = "d"},
                            [&](const ledger::StoredExposure& x) { rows.push_back(x); });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].device, "tv");
  EXPECT_EQ(rows[0].country, "DE");
  EXPECT_EQ(rows[0].hour, 21);
  ledger::LedgerDecisionCatalog catalog(ledger);
  std::string reason;
  auto d = ledger::logged_decision(rows[0], catalog, reason);
  ASSERT_TRUE(d) << reason;
  EXPECT_EQ(d->context.find("device")->text, "tv");
  EXPECT_EQ(d->context.find("country")->text, "DE");
  EXPECT_EQ(d->context.find("hour")->number, 21);
  EXPECT_EQ(d->context.find("position")->number, 3);
  EXPECT_EQ(d->context.size(), 4u);
  EXPECT_EQ(d->user.find("age")->number, 0.1);  // the same double, not a near one
  EXPECT_EQ(d->user.find("plan")->text, "gold");
  EXPECT_DOUBLE_EQ(d->propensity, 0.5);
  ASSERT_EQ(d->candidates.size(), 2u);
  EXPECT_EQ(d->chosen, 1);
  EXPECT_EQ(d->candidates[0].variant_id, "d-a");
  EXPECT_EQ(d->candidates[0].named().find("genre")->text, "drama");
  EXPECT_EQ(d->candidates[0].named().find("price")->number, 9.5);
  EXPECT_EQ(d->candidates[1].named().find("genre")->text, "comedy");
}

TEST_F(ImportLogs, WholeImportProblems) {
  const std::string log = write("log.csv", kGoodLog);
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* needle;
  };
  const Case cases[] = {
      {{log, "--experiment", "x", "--map", "time=timestamp", "--map", "item=action", "--map",
        "click=reward"},
       1, "no column is mapped to propensity"},
      {{log, "--experiment", "x", "--map", "nope=timestamp", "--map", "item=action", "--map",
        "click=reward", "--map", "pscore=propensity"},
       1, "column 'nope' is not in the header"},
      {{log, "--experiment", "x", "--map", "time=when"}, 2, "unknown field 'when'"},
      {{(dir / "missing.csv").string(), "--experiment", "x", "--map", "time=timestamp"}, 1,
       "cannot open"},
      {{log, "--experiment", "bad id", "--map", "time=timestamp"}, 1, "experiment id 'bad id'"},
  };
  for (const Case& c : cases) {
    CommandResult r = import(c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.needle << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
  }
  std::vector<std::string> args = {log, "--experiment", "once"};
  auto map = standard_map();
  args.insert(args.end(), map.begin(), map.end());
  ASSERT_EQ(import(args).exit_code, 0);
  CommandResult again = import(args);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("experiment 'once' already exists"), std::string::npos) << again.err;
}

// A public-dataset-shaped log: three actions chosen uniformly at random
// (propensity 1/3) with click rates 2 %, 5 % and 9 %. Off-policy evaluation of
// "always the third" on the imported experiment must cover 9 %.
TEST_F(ImportLogs, OffPolicyEvaluationOfAnImportedLog) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0, 1);
  const double rates[3] = {0.02, 0.05, 0.09};
  std::string text = "ts,item,click,p\n";
  for (int i = 0; i < 30000; ++i) {
    const int a = static_cast<int>(u(rng) * 3);
    text += std::to_string(1574553600 + i) + ",item" + std::to_string(a) + "," +
            (u(rng) < rates[a] ? "1" : "0") + ",0.3333333333333333\n";
  }
  const std::string log = write("uniform.csv", text);
  ASSERT_EQ(import({log, "--experiment", "u", "--map", "ts=timestamp", "--map", "item=action",
                    "--map", "click=reward", "--map", "p=propensity"})
                .exit_code,
            0);
  CommandResult r = run_keyart({"report", "ope", "--policy", "fixed:u-item2", "--from", "u",
                                "--json", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rows"]["used"], 30000);
  for (const char* estimator : {"ips", "snips", "dr"}) {
    EXPECT_LE(j["estimates"][estimator]["ci"][0].get<double>(), 0.09) << estimator;
    EXPECT_GE(j["estimates"][estimator]["ci"][1].get<double>(), 0.09) << estimator;
  }
}

}  // namespace
}  // namespace keyart
