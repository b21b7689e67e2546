// The trainer when its PostgreSQL ledger goes away (its own throwaway
// cluster, halted and resumed): a step or a publish fails with a clear error
// and changes nothing that was stored; once the server is back the trainer
// carries on and ends with the model a replay of the whole ledger gives.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "keyart/ledger/errors.h"
#include "keyart/ledger/model_snapshots.h"
#include "keyart/training/trainer.h"
#include "serving/serving_fixture.h"
#include "support/private_cluster.h"

namespace keyart::testing {
namespace {

constexpr int64_t kStart = 1'780'000'000'000;

TEST(TrainerFaults, PostgresGoesAwayAndComesBack) {
  KEYART_POSTGRES_ONLY();
  PrivateCluster cluster;
  ServingFixture f;
  auto open_trainer = [&](bool resume) {
    training::TrainerOptions o;
    o.learner.wait_ms = 60'000;
    o.lateness_ms = 1'000;
    o.resume = resume;
    return std::make_unique<training::Trainer>(
        ledger::Ledger::open(f.path, {.files_dir = f.where.files_dir()}), o);
  };
  // Events written straight through the batch writer, as nodes write them.
  auto opts = f.options();
  auto node = serving::Service::open(opts);
  uint64_t decided = 0;
  auto traffic = [&](int from_s, int to_s) {
    for (int64_t t = kStart + from_s * 1000LL; t < kStart + to_s * 1000LL; t += 500) {
      auto r = ServingFixture::request("u" + std::to_string(t % 17), "t1", t);
      r.seed = static_cast<uint64_t>(t);
      auto d = node->decide(r);
      ++decided;
      if (t % 3 == 0) node->reward(d.event_id, "click", 1.0, t + 1'000);
    }
    for (int i = 0; i < 2000 && node->stats().writer.exposures_committed < decided; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };

  auto trainer = open_trainer(true);
  traffic(0, 120);
  trainer->step();
  const int64_t v1 = trainer->publish();
  const training::TrainerStatus before = trainer->status();

  cluster.run("halt");
  EXPECT_THROW(trainer->step(), ledger::LedgerError);
  EXPECT_THROW(trainer->publish(), ledger::LedgerError);
  EXPECT_EQ(trainer->status().learned.last_exposure_id, before.learned.last_exposure_id);
  cluster.run("resume");

  // The connection comes back by itself; nothing was learned twice.
  traffic(120, 240);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GT(trainer->step(), 0u);
  const int64_t v2 = trainer->publish();
  EXPECT_GT(v2, v1);
  auto whole = open_trainer(false);
  whole->step();
  EXPECT_EQ(trainer->policy_states(), whole->policy_states());
  EXPECT_EQ(trainer->status().learned.last_exposure_id, whole->status().learned.last_exposure_id);
  EXPECT_EQ(trainer->status().exposures, decided);
}

}  // namespace
}  // namespace keyart::testing
