// The asynchronous ledger writer against a real ledger file: batching,
// reward outcomes after commit, shedding when full, degraded mode while
// another writer holds the lock and recovery after, draining on stop.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/ledger_fixture.h"
#include "sqlite.h"
#include "keyart/serving/ledger_writer.h"

namespace keyart::serving {
namespace {

using testing::hex_id;
using testing::LedgerFixture;

TEST(LedgerWriter, CommitsBatchesAndReportsRewardOutcomes) {
  LedgerFixture f;
  f.add_title("t1", 2);
  LedgerWriter writer(f.path, {.flush_interval_ms = 5});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(writer.submit(LedgerFixture::exposure(hex_id(i), "t1", "t1-v1")));
  }
  std::mutex mu;
  std::vector<RewardOutcome> outcomes(4);
  auto remember = [&](int slot) {
    return [&, slot](RewardOutcome o, const std::string&) {
      std::lock_guard lock(mu);
      outcomes[slot] = o;
    };
  };
  writer.submit(ledger::Reward{hex_id(1), "click", 1, 10}, remember(0));
  writer.submit(ledger::Reward{hex_id(1), "click", 1, 11}, remember(1));
  writer.submit(ledger::Reward{hex_id(5000), "click", 1, 12}, remember(2));
  writer.submit(ledger::Reward{hex_id(2), "play", 2, 13}, remember(3));
  writer.flush();
  EXPECT_EQ(outcomes[0], RewardOutcome::kStored);
  EXPECT_EQ(outcomes[1], RewardOutcome::kDuplicate);
  EXPECT_EQ(outcomes[2], RewardOutcome::kRejected);
  EXPECT_EQ(outcomes[3], RewardOutcome::kStored);
  WriterStats s = writer.stats();
  EXPECT_EQ(s.exposures_committed, 1000u);
  EXPECT_EQ(s.rewards_committed, 2u);
  EXPECT_EQ(s.rewards_duplicate, 1u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.queue_depth, 0u);
  EXPECT_FALSE(s.degraded);
  EXPECT_EQ(ledger::count_exposures(f.ledger), 1000);
  EXPECT_EQ(ledger::count_rewards(f.ledger), 2);
}

TEST(LedgerWriter, StopDrainsEverything) {
  LedgerFixture f;
  f.add_title("t1", 1);
  {
    LedgerWriter writer(f.path, {.flush_interval_ms = 1000});  // long: only stop() commits
    for (int i = 0; i < 20000; ++i) {
      ASSERT_TRUE(writer.submit(LedgerFixture::exposure(hex_id(i), "t1", "t1-v1")));
    }
    writer.stop();
    EXPECT_EQ(writer.stats().exposures_committed, 20000u);
    EXPECT_FALSE(writer.submit(LedgerFixture::exposure(hex_id(99999), "t1", "t1-v1")));
  }
  EXPECT_EQ(ledger::count_exposures(f.ledger), 20000);
}

TEST(LedgerWriter, ReservationsAreAllOrNone) {
  // Capacity 3, a flush interval long enough that nothing leaves the queue.
  LedgerFixture f;
  f.add_title("t1", 1);
  LedgerWriter writer(f.path, {.queue_capacity = 3, .flush_interval_ms = 60'000,
                               .when_full = WriterOptions::WhenFull::kShed});
  ASSERT_TRUE(writer.reserve(2));
  EXPECT_FALSE(writer.reserve(2));  // one place left: none taken
  EXPECT_EQ(writer.stats().shed, 1u);
  ASSERT_TRUE(writer.reserve(1));
  EXPECT_FALSE(writer.reserve(1));
  writer.release(2);
  EXPECT_TRUE(writer.reserve(2));
  writer.submit_reserved(LedgerFixture::exposure(hex_id(1), "t1", "t1-v1"));
  writer.release(2);
  writer.stop();
  EXPECT_EQ(ledger::count_exposures(f.ledger), 1);
}

TEST(LedgerWriter, DegradedWhileLockedThenRecovers) {
  LedgerFixture f;
  f.add_title("t1", 1);
  // Another process-like connection holds the write lock.
  ledger::Ledger blocker = ledger::Ledger::open(f.path);
  testing::hold_write_lock(blocker);
  LedgerWriter writer(f.path, {.queue_capacity = 50, .flush_interval_ms = 1,
                               .when_full = WriterOptions::WhenFull::kShed,
                               .retry_initial_ms = 5, .retry_max_ms = 20,
                               .busy_timeout_ms = 10});
  int accepted = 0, refused = 0;
  for (int i = 0; i < 200; ++i) {
    (writer.submit(LedgerFixture::exposure(hex_id(i), "t1", "t1-v1")) ? accepted : refused)++;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  for (int i = 0; i < 100 && !writer.stats().degraded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  WriterStats during = writer.stats();
  EXPECT_TRUE(during.degraded);
  EXPECT_GT(during.failures, 0u);
  EXPECT_FALSE(during.last_error.empty());
  EXPECT_GT(refused, 0);
  EXPECT_EQ(during.shed, static_cast<uint64_t>(refused));
  blocker.db().exec("ROLLBACK");
  writer.flush();
  WriterStats after = writer.stats();
  EXPECT_FALSE(after.degraded);
  EXPECT_EQ(after.exposures_committed, static_cast<uint64_t>(accepted));
  EXPECT_EQ(ledger::count_exposures(f.ledger), accepted);
}

TEST(LedgerWriter, ManyThreadsSubmitting) {
  LedgerFixture f;
  f.add_title("t1", 1);
  LedgerWriter writer(f.path, {.flush_interval_ms = 2});
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2500; ++i) {
        int id = next++;
        EXPECT_TRUE(writer.submit(LedgerFixture::exposure(hex_id(id), "t1", "t1-v1")));
        if (id % 10 == 0) writer.submit(ledger::Reward{hex_id(id), "click", 1, 1});
      }
    });
  }
  for (auto& t : threads) t.join();
  writer.flush();
  EXPECT_EQ(ledger::count_exposures(f.ledger), 10000);
  EXPECT_EQ(ledger::count_rewards(f.ledger), 1000);
}

}  // namespace
}  // namespace keyart::serving
