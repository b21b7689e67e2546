// The trainer follows a ledger that a serving hook writes, and ends with
// the same model whether it followed the ledger live, in small steps, across
// a restart, or read the whole ledger at once.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "keyart/ledger/model_snapshots.h"
#include "keyart/training/trainer.h"
#include "serving/serving_fixture.h"

namespace keyart::testing {
namespace {

constexpr int64_t kStart = 1'780'000'000'000;  // ms
constexpr int64_t kWait = 60'000;

struct TrainerTest : ::testing::Test, ServingFixture {
  std::unique_ptr<serving::Service> service = [&] {
    auto o = options();
    o.learner.wait_ms = kWait;
    o.snapshot_interval_ms = 0;
    return serving::Service::open(o);
  }();
  uint64_t decided = 0, rewarded = 0;

  training::TrainerOptions trainer_options(bool resume = true) const {
    training::TrainerOptions o;
    o.learner.wait_ms = kWait;
    o.lateness_ms = 1'000;
    o.resume = resume;
    return o;
  }
  std::unique_ptr<training::Trainer> trainer(bool resume = true) {
    return std::make_unique<training::Trainer>(
        ledger::Ledger::open(path, {.files_dir = where.files_dir()}), trainer_options(resume));
  }

  // Decisions for minutes [from, to) of simulated time, one every 250 ms,
  // spread over two titles and 40 viewers; about a third get a click 2 s
  // later and some of those a play; then waits until the ledger has them.
  void traffic(int from_s, int to_s) {
    for (int64_t t = kStart + from_s * 1000LL; t < kStart + to_s * 1000LL; t += 250) {
      int i = static_cast<int>((t - kStart) / 250);
      auto r = request("u" + std::to_string(i % 40), i % 3 == 0 ? "t2" : "t1", t);
      r.seed = static_cast<uint64_t>(i) + 1;
      serving::DecideResult d = service->decide(r);
      ++decided;
      if (d.variant_id.back() == '2' || i % 7 == 0) {
        service->reward(d.event_id, "click", 1.0, t + 2'000);
        ++rewarded;
        if (i % 2 == 0) {
          service->reward(d.event_id, "play", 1.0, t + 3'000);
          ++rewarded;
        }
      }
    }
    for (int i = 0; i < 2000; ++i) {
      auto w = service->stats().writer;
      if (w.exposures_committed == decided && w.rewards_committed == rewarded) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "the ledger did not receive the traffic";
  }
};

TEST_F(TrainerTest, FollowingLiveEqualsReadingTheWholeLedger) {
  auto live = trainer(false);
  std::map<std::string, std::string> after_two_minutes;
  for (int minute = 0; minute < 6; ++minute) {
    traffic(minute * 60, minute * 60 + 60);
    live->step();
    if (minute == 1) after_two_minutes = live->policy_states();
  }
  auto whole = trainer(false);
  whole->step();

  training::TrainerStatus a = live->status(), b = whole->status();
  EXPECT_EQ(a.learned.last_exposure_id, b.learned.last_exposure_id);
  EXPECT_EQ(a.learned.last_reward_id, b.learned.last_reward_id);
  EXPECT_EQ(a.clock_ms, kStart + 360'000 - 250 - 1'000);
  EXPECT_EQ(a.clock_ms, b.clock_ms);
  EXPECT_EQ(a.exposures, decided);
  EXPECT_EQ(a.exposures, b.exposures);
  EXPECT_EQ(a.rewards_joined, rewarded);  // every reward came in time
  EXPECT_EQ(a.rewards_joined, b.rewards_joined);
  EXPECT_EQ(a.lag_events(), 0);
  // The fixed arm and the bandit arm of e1, and t2's default policy.
  ASSERT_EQ(a.learners, 3u);
  EXPECT_EQ(live->policy_states(), whole->policy_states());

  // The models kept learning as windows closed: each differs from what it
  // was after two minutes, and decisions of the last minute still wait.
  ASSERT_EQ(after_two_minutes.size(), 3u);
  for (const auto& [scope, state] : live->policy_states()) {
    EXPECT_NE(state, after_two_minutes.at(scope)) << scope;
  }
  EXPECT_GT(a.pending, 0u);
  EXPECT_LT(a.pending, decided);
}

TEST_F(TrainerTest, ARestartResumesFromItsCheckpointWithoutLearningTwice) {
  auto first = trainer();
  traffic(0, 150);
  first->step();
  const int64_t version = first->publish();
  const int64_t checkpoint = first->checkpoint();
  EXPECT_GT(checkpoint, version);
  traffic(150, 200);
  first->step();  // learned, then published but not checkpointed: relearned after the kill
  first->publish();
  first.reset();

  traffic(200, 330);
  auto second = trainer();
  EXPECT_EQ(second->status().checkpoint_id, checkpoint);
  EXPECT_EQ(second->status().published_version, version);
  second->step();
  traffic(330, 400);
  second->step();

  auto whole = trainer(false);
  whole->step();
  EXPECT_EQ(second->policy_states(), whole->policy_states());
  EXPECT_EQ(second->status().learned.last_exposure_id, whole->status().learned.last_exposure_id);
}

TEST_F(TrainerTest, PublishingStoresALoadableModelThatServingSnapshotsDoNotShadow) {
  traffic(0, 90);
  auto t = trainer();
  t->step();
  const int64_t version = t->publish();
  const int64_t checkpoint = t->checkpoint();
  service->snapshot();  // the serving hook's own snapshot is newer, and not the trainer's
  auto stored = ledger::newest_model_bundle(ledger, engine::kWrittenByTrainer);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->record.snapshot_id, version);
  EXPECT_EQ(stored->record.marks.last_exposure_id, t->status().learned.last_exposure_id);
  ASSERT_EQ(stored->bundle.learners.size(), 3u);
  for (const auto& part : stored->bundle.learners) {
    auto learner = engine::Learner::from_snapshot(part.snapshot);
    EXPECT_EQ(learner->policy_state(), t->policy_states().at(part.scope));
    EXPECT_EQ(learner->stats().pending, 0u) << "the nodes' model leaves pending decisions out";
  }
  EXPECT_GT(t->status().pending, 0u);
  auto whole = ledger::newest_model_bundle(ledger, engine::kTrainerCheckpoint);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->record.snapshot_id, checkpoint);
  // Named for their writer, so a node polling for models never reads a
  // checkpoint's (possibly large) file.
  EXPECT_TRUE(stored->record.storage_path.ends_with(".model")) << stored->record.storage_path;
  EXPECT_TRUE(whole->record.storage_path.ends_with(".ckpt")) << whole->record.storage_path;
  EXPECT_GT(whole->record.bytes, stored->record.bytes);
  // A trainer resuming ignores the newer serving snapshot.
  EXPECT_EQ(trainer()->status().checkpoint_id, checkpoint);
}

// The trainer decides nothing, so it keeps no churn limit even when its
// options ask for one: its memory and the checkpoints and models it stores
// hold no key computed from a viewer's unit id, and forgetting a viewer
// (which rewrites the stored snapshots) is not undone by its next checkpoint.
TEST_F(TrainerTest, ItsCheckpointsHoldNoViewersChurnLimitKeys) {
  traffic(0, 60);
  training::TrainerOptions o = trainer_options();
  o.learner.sticky_ms = 3'600'000;
  training::Trainer t(ledger::Ledger::open(path, {.files_dir = where.files_dir()}), o);
  t.step();
  ASSERT_GT(t.status().exposures, 0u);
  t.publish();
  t.checkpoint();
  const std::vector<std::string> titles = {"t1", "t2"};
  for (std::string_view writer : {engine::kTrainerCheckpoint, engine::kWrittenByTrainer}) {
    auto stored = ledger::newest_model_bundle(ledger, writer);
    ASSERT_TRUE(stored) << writer;
    for (const auto& part : stored->bundle.learners) {
      auto learner = engine::Learner::from_snapshot(part.snapshot);
      for (int viewer = 0; viewer < 40; ++viewer) {
        EXPECT_EQ(learner->forget_unit("u" + std::to_string(viewer), titles), 0u)
            << writer << " " << part.scope << " u" << viewer;
      }
    }
  }
}

// A checkpoint written by a trainer that still kept a churn limit (before
// it stopped keeping one) holds viewers' keys: the trainer resuming from it
// drops them, and its next checkpoint holds none.
TEST_F(TrainerTest, AResumedTrainerDropsTheChurnLimitItsCheckpointKept) {
  traffic(0, 60);
  auto first = trainer();
  first->step();
  first->checkpoint();
  first.reset();
  auto stored = ledger::newest_model_bundle(ledger, engine::kTrainerCheckpoint);
  ASSERT_TRUE(stored);
  const std::vector<std::string> titles = {"t1", "t2"};
  engine::ModelBundle kept = stored->bundle;
  engine::LearnerOptions sticky = trainer_options().learner;
  sticky.sticky_ms = 3'600'000;
  for (auto& part : kept.learners) {
    engine::Learner learner(part.spec, sticky);
    engine::LoggedDecision d;
    d.event_id = engine::new_event_id(kStart + 30'000);
    d.time_ms = kStart + 30'000;
    d.unit = "u0";
    d.title = "t1";
    d.candidates = {{.variant_id = "t1-v1"}, {.variant_id = "t1-v2"}};
    d.chosen = 1;
    d.propensity = 0.5;
    learner.record(d);
    part.snapshot = learner.snapshot();
    ASSERT_EQ(engine::Learner::from_snapshot(part.snapshot)->forget_unit("u0", titles), 1u)
        << "the check can fail";
  }
  const int64_t old = ledger::store_model_bundle(ledger, kept, stored->record.marks).snapshot_id;
  auto second = trainer();
  ASSERT_EQ(second->status().checkpoint_id, old);
  traffic(60, 90);
  second->step();
  second->checkpoint();
  auto now = ledger::newest_model_bundle(ledger, engine::kTrainerCheckpoint);
  ASSERT_TRUE(now);
  ASSERT_GT(now->record.snapshot_id, old);
  for (const auto& part : now->bundle.learners) {
    EXPECT_EQ(engine::Learner::from_snapshot(part.snapshot)->forget_unit("u0", titles), 0u)
        << part.scope;
  }
}

}  // namespace
}  // namespace keyart::testing
