// keyart train on the command line: bad options and a missing ledger are
// refused with a clear message and change nothing; --once learns what the
// ledger holds, publishes, and leaves the ledger's events as they were.
#include <gtest/gtest.h>

#include <filesystem>

#include "keyart/ledger/model_snapshots.h"
#include "serving/serving_fixture.h"

namespace keyart::testing {
namespace {

TEST(TrainCli, RefusesBadOptionsAndAMissingLedger) {
  ServingFixture f;
  const std::vector<std::string> db = {"--db", f.path, "--files", f.where.files_dir()};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", "--once"};
    args.insert(args.end(), db.begin(), db.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run_keyart(args);
  };
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--publish-interval", "0"}, {"--checkpoint-interval", "0"}, {"--lateness", "soon"},
           {"--wait-window", "0"}, {"--rewards", "click"}, {"--listen", "nonsense"},
           {"--sticky", "1h"}}) {  // the trainer decides nothing: no churn limit
    auto r = run({flag, value});
    EXPECT_EQ(r.exit_code, 2) << flag << " " << value << ": " << r.err;
    EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
  }
  EXPECT_EQ(ledger::list_model_snapshots(f.ledger).size(), 0u) << "nothing was published";
  if (!testing_postgres()) {
    const auto absent = f.dir / "absent.db";
    auto r = run_keyart({"train", "--once", "--db", absent.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(absent)) << "no empty ledger made";
  }
}

TEST(TrainCli, OnceLearnsPublishesAndLeavesTheEventsAlone) {
  ServingFixture f;
  auto node = serving::Service::open(f.options());
  for (int i = 0; i < 50; ++i) {
    auto d = node->decide(ServingFixture::request("u" + std::to_string(i), "t1", 1'780'000'000'000 + i));
    if (i % 3 == 0) node->reward(d.event_id, "click", 1.0, 1'780'000'000'500 + i);
  }
  node->shutdown();
  const int64_t exposures = ledger::count_exposures(f.ledger);
  const int64_t rewards = ledger::count_rewards(f.ledger);
  auto r = run_keyart({"train", "--once", "--no-resume", "--db", f.path, "--files",
                       f.where.files_dir(), "--wait-window", "1s", "--lateness", "0s"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("learned 50 exposures and 17 rewards"), std::string::npos) << r.out;
  EXPECT_TRUE(ledger::newest_model_bundle(f.ledger, engine::kWrittenByTrainer));
  EXPECT_TRUE(ledger::newest_model_bundle(f.ledger, engine::kTrainerCheckpoint));
  EXPECT_EQ(ledger::count_exposures(f.ledger), exposures);
  EXPECT_EQ(ledger::count_rewards(f.ledger), rewards);
}

}  // namespace
}  // namespace keyart::testing
