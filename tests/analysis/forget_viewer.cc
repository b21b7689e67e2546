// Forgetting a viewer (ledger/forget.h): the report is the same before and
// after (the viewer's exposures carry one pseudonym, so counts, viewers and
// clustered figures stay), the viewer's plays are gone, and on SQLite the
// unit id is left nowhere in the ledger's files. Also `keyart viewer forget`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "analysis/report_ledger.h"
#include "keyart/analysis/experiment_report.h"
#include "keyart/analysis/report_format.h"
#include "keyart/engine/event_id.h"
#include "keyart/engine/learner.h"
#include "keyart/engine/request.h"
#include "keyart/ledger/forget.h"
#include "keyart/ledger/model_snapshots.h"
#include "keyart/ledger/plays.h"
#include "support/test_support.h"

namespace keyart::analysis {
namespace {

using testing::ReportLedger;

constexpr const char* kSecret = "viewer-4242-who-wants-to-be-forgotten";

std::string report_json(ReportLedger& f) {
  ExperimentReport r = build_experiment_report(f.ledger, {.experiment_id = "e1",
                                                          .by = {SegmentBy::kDevice}});
  nlohmann::json j = report_to_json(r);
  j.erase("generated_at");
  return j.dump();
}

// Every byte of the ledger's files (the database, its log, stored files).
bool files_mention(const std::string& db_path, const std::string& files_dir,
                   const std::string& needle) {
  std::vector<std::filesystem::path> paths = {db_path, db_path + "-wal", db_path + "-journal"};
  if (std::filesystem::exists(files_dir)) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(files_dir)) {
      if (e.is_regular_file()) paths.push_back(e.path());
    }
  }
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(ForgetViewer, TheReportStaysAndTheViewerIsGone) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  for (int i = 0; i < 400; ++i) {
    const std::string arm = i % 2 ? "treatment" : "control";
    const std::string unit = i % 10 == 0 ? std::string(kSecret) : arm + std::to_string(i % 37);
    f.add({.arm = unit == kSecret ? "control" : arm, .unit = unit,
           .ts = testing::kDay0 + i * 600'000LL,
           .reward = i % 7 == 0 ? std::optional<double>(1.0) : std::nullopt,
           .device = i % 3 ? "tv" : "mobile"});
  }
  f.flush();
  std::vector<ledger::Play> plays;
  for (const char* unit : {kSecret, "someone-else"}) {
    plays.push_back({ledger::play_key_of(unit, "t1", testing::kDay0), unit, "t1", testing::kDay0,
                     600.0, true});
  }
  ASSERT_EQ(ledger::EventWriter(f.ledger).write({}, {}, plays).plays_written, 2u);
  const bool sqlite = !ledger::is_server_ledger(f.path);
  if (sqlite) {
    ASSERT_TRUE(files_mention(f.path, f.where.files_dir(), kSecret));  // the check can fail
  }
  const std::string before = report_json(f);

  const ledger::ForgetResult r = ledger::forget_viewer(f.ledger, kSecret);
  EXPECT_EQ(r.exposures, 40);
  EXPECT_EQ(r.plays, 1);
  EXPECT_EQ(r.pseudonym.rfind("forgotten-", 0), 0u);
  EXPECT_EQ(r.pseudonym.size(), 10u + 32u);

  EXPECT_EQ(report_json(f), before);
  EXPECT_EQ(ledger::for_each_play_of(f.ledger, kSecret, [](const ledger::StoredPlay&) {}), 0u);
  EXPECT_EQ(ledger::for_each_play_of(f.ledger, "someone-else", [](const ledger::StoredPlay&) {}), 1u);
  size_t left = 0;
  ledger::for_each_exposure(f.ledger, {}, [&](const ledger::StoredExposure& e) {
    if (e.unit_id == kSecret) ++left;
  });
  EXPECT_EQ(left, 0u);
  if (sqlite) {
    EXPECT_TRUE(r.files_clean);
    EXPECT_FALSE(files_mention(f.path, f.where.files_dir(), kSecret));
  }
  // Forgetting again finds nothing; a second pseudonym would be another.
  const ledger::ForgetResult again = ledger::forget_viewer(f.ledger, kSecret);
  EXPECT_EQ(again.exposures, 0);
  EXPECT_NE(again.pseudonym, r.pseudonym);
  EXPECT_THROW(ledger::forget_viewer(f.ledger, ""), ledger::LedgerError);
}

// The churn limit's key for a viewer and a title (a hash of the unit id)
// as the bytes a learner's snapshot holds.
std::string churn_key_bytes(const std::string& unit, const std::string& title) {
  engine::Request r;
  r.reset(unit, title);
  const engine::FeatureKey key = engine::combine_keys(r.unit_key(), r.title_key());
  return std::string(reinterpret_cast<const char*>(&key), sizeof key);
}

// A stored snapshot of a learner with the churn limit on holds a key
// computed from each viewer's unit id; forgetting rewrites it without the
// viewer's (the other viewer's stays, the old file is removed).
TEST(ForgetViewer, NoChurnLimitKeyIsLeft) {
  ReportLedger f;
  f.add_title("t1", 2);
  engine::LearnerOptions o;
  o.sticky_ms = 30LL * 86'400'000;
  engine::Learner learner("lints", o);
  for (const char* unit : {kSecret, "someone-else"}) {
    engine::LoggedDecision d;
    d.event_id = engine::new_event_id(testing::kDay0);
    d.time_ms = testing::kDay0;
    d.unit = unit;
    d.title = "t1";
    d.candidates = {{.variant_id = "t1-v1"}, {.variant_id = "t1-v2"}};
    d.chosen = 1;
    d.propensity = 0.5;
    learner.record(d);
  }
  engine::ModelBundle bundle;
  bundle.meta = {{"writer", engine::kWrittenByServe}};
  bundle.learners.push_back({"default", learner.spec(), learner.snapshot()});
  const ledger::ModelSnapshotRecord stored = ledger::store_model_bundle(f.ledger, bundle, {});
  const std::string files = f.ledger.files_dir().string();
  const std::string secret_key = churn_key_bytes(kSecret, "t1");
  const std::string other_key = churn_key_bytes("someone-else", "t1");
  ASSERT_TRUE(files_mention("", files, secret_key));  // the check can fail
  ASSERT_TRUE(files_mention("", files, other_key));

  const ledger::ForgetResult r = ledger::forget_viewer(f.ledger, kSecret);
  EXPECT_EQ(r.snapshots, 1);
  EXPECT_FALSE(files_mention("", files, secret_key));
  EXPECT_TRUE(files_mention("", files, other_key));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(files) / stored.storage_path));
  auto now = ledger::newest_model_bundle(f.ledger, engine::kWrittenByServe);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->record.snapshot_id, stored.snapshot_id);
  auto reloaded = engine::Learner::from_snapshot(now->bundle.learners.at(0).snapshot);
  const std::vector<std::string> titles = {"t1"};
  EXPECT_EQ(reloaded->forget_unit(kSecret, titles), 0u);
  EXPECT_EQ(reloaded->forget_unit("someone-else", titles), 1u);
  // Nothing left to rewrite the second time.
  EXPECT_EQ(ledger::forget_viewer(f.ledger, kSecret).snapshots, 0);
}

TEST(ForgetViewer, TheCommand) {
  ReportLedger f;
  f.add_title("t1", 1);
  f.experiment("e1", {{"control", 1.0}});
  f.add({.arm = "control", .unit = kSecret});
  f.flush();
  auto r = testing::run_keyart({"viewer", "forget", kSecret, "--db", f.path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["exposures"], 1);
  EXPECT_EQ(j["plays"], 0);
  r = testing::run_keyart({"viewer", "forget", "", "--db", f.path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unit id is empty"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyart::analysis
