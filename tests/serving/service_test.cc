// The in-process serving hook against a real ledger: decisions recorded with
// their propensities, rewards joined by event id (idempotent, late, unknown),
// sticky assignment and shares, bad input, draining on shutdown, and restart
// from a snapshot or from the ledger alone.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "sqlite.h"
#include "keyart/ledger/events.h"
#include "keyart/serving/http_server.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using testing::ServingFixture;
constexpr int64_t T0 = 1'800'000'000'000;

int status_of(const std::function<void()>& fn, std::string* field = nullptr) {
  try {
    fn();
  } catch (const ServiceError& e) {
    if (field) *field = e.field();
    return e.status();
  }
  return 0;
}

// Operators find each thread by name (top -H, ps -L, perf): the ledger
// writer, the expirer, the HTTP threads and the accepting thread.
TEST(Service, ThreadsCarryTheirNames) {
  auto names = [] {
    std::multiset<std::string> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      out.insert(name);
    }
    return out;
  };
  ServingFixture f;
  auto service = serving::Service::open(f.options());
  serving::HttpServer server({.address = "127.0.0.1", .port = 0, .threads = 2},
                             [](serving::HttpRequest&&, serving::Responder) {});
  server.start();
  const std::multiset<std::string> running = names();
  for (const char* expected :
       {"keyart-ledger", "keyart-expirer", "keyart-accept", "keyart-http-1", "keyart-http-2"}) {
    EXPECT_EQ(running.count(expected), 1u) << expected;
  }
  server.stop();
  service->shutdown();
}

TEST(Service, DecisionIsRecordedWithItsPropensity) {
  ServingFixture f;
  auto service = Service::open(f.options());
  DecideRequest req = ServingFixture::request("u1", "t1", T0);
  req.want_scores = true;
  DecideResult d = service->decide(req);
  EXPECT_EQ(d.event_id.size(), 32u);
  EXPECT_EQ(*d.experiment_id, "e1");
  ASSERT_TRUE(d.arm_id == "control" || d.arm_id == "bandit");
  EXPECT_GT(d.propensity, 0);
  EXPECT_LE(d.propensity, 1);
  ASSERT_EQ(d.candidates.size(), 3u);
  double total = 0;
  for (const auto& c : d.candidates) {
    total += c.probability;
    if (c.variant_id == d.variant_id) {
      EXPECT_DOUBLE_EQ(c.probability, d.propensity);
    }
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_FALSE(d.fallback);
  service->shutdown();
  auto row = ledger::find_exposure(f.ledger, d.event_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->variant_id, d.variant_id);
  EXPECT_DOUBLE_EQ(row->propensity, d.propensity);
  EXPECT_EQ(*row->arm_id, *d.arm_id);
  EXPECT_EQ(*row->device, "tv");
  EXPECT_EQ(*row->hour, 21);
  EXPECT_EQ(row->candidates_json, R"(["t1-v1","t1-v2","t1-v3"])");
  EXPECT_NE(row->context_json.find("actor_a2"), std::string::npos);
  EXPECT_EQ(row->policy, d.policy);
}

// A preview answers what would be shown, with every candidate's
// probability, and leaves no trace: no event id, nothing logged, no model or
// pending change, not counted; the same seed decides the same afterwards.
TEST(Service, PreviewShowsWhatWouldBeShownAndWritesNothing) {
  ServingFixture f;
  auto service = Service::open(f.options());
  DecideRequest req = ServingFixture::request("u-preview", "t2", T0);
  req.seed = 11;
  std::map<std::string, std::string> states;
  for (const auto& scope : service->learner_scopes()) states[scope] = *service->learner_state(scope);
  req.preview = true;
  DecideResult p = service->decide(req);
  EXPECT_TRUE(p.preview);
  EXPECT_TRUE(p.event_id.empty());
  ASSERT_EQ(p.candidates.size(), 2u);
  double total = 0;
  for (const auto& c : p.candidates) total += c.probability;
  EXPECT_NEAR(total, 1.0, 1e-12);
  for (const auto& scope : service->learner_scopes()) {
    EXPECT_EQ(*service->learner_state(scope), states[scope]) << scope;
  }
  EXPECT_EQ(service->stats().decisions, 0u);
  EXPECT_EQ(service->stats().pending, 0u);
  req.preview = false;
  DecideResult d = service->decide(req);
  EXPECT_EQ(d.variant_id, p.variant_id);
  EXPECT_DOUBLE_EQ(d.propensity, p.propensity);
  service->shutdown();
  EXPECT_EQ(ledger::count_exposures(f.ledger), 1);
}

// While the ledger cannot be written (another connection holds its write
// lock), a snapshot is refused with 503 at once instead of waiting, with
// the gate held, for a flush that cannot happen: decisions keep being
// answered meanwhile, shutdown ends, and every decision is committed once
// the lock is gone.
TEST(Service, SnapshotWhileTheLedgerIsLockedIsRefusedNotAwaited) {
  ServingFixture f;
  ServiceOptions o = f.options();
  o.writer.busy_timeout_ms = 5;
  o.writer.retry_initial_ms = 5;
  o.writer.retry_max_ms = 20;
  auto service = Service::open(o);
  ledger::Ledger blocker = ledger::Ledger::open(f.where.target(), {.files_dir = f.where.files_dir()});
  testing::hold_write_lock(blocker);
  service->decide(ServingFixture::request("u0", "t1", T0));
  for (int i = 0; i < 500 && service->healthy(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(service->healthy()) << "the writer never met the lock";
  std::string field;
  EXPECT_EQ(status_of([&] { service->snapshot(); }, &field), 503);
  for (int i = 1; i <= 20; ++i) {
    EXPECT_FALSE(service->decide(ServingFixture::request("u" + std::to_string(i), "t1", T0)).fallback);
  }
  blocker.db().exec("ROLLBACK");
  service->shutdown();
  EXPECT_EQ(ledger::count_exposures(f.ledger), 21);
}

TEST(Service, LoggedContextIsExactJson) {
  ServingFixture f;
  auto service = Service::open(f.options());
  DecideRequest req = ServingFixture::request("u1", "t2", T0);
  req.context.set("page", "row \"Top\"\n\t<10>\\ \x01");
  req.user.set("weight", 0.1 + 0.2);
  DecideResult d = service->decide(req);
  service->shutdown();
  auto row = ledger::find_exposure(f.ledger, d.event_id);
  ASSERT_TRUE(row);
  auto doc = nlohmann::json::parse(row->context_json);
  EXPECT_EQ(doc["context"]["page"], "row \"Top\"\n\t<10>\\ \x01");
  EXPECT_EQ(doc["user"]["weight"].get<double>(), 0.1 + 0.2);  // exactly, not rounded
  EXPECT_EQ(doc["context"]["hour"].get<double>(), 21.0);
}

TEST(Service, ControlArmShowsItsFixedVariant) {
  ServingFixture f;
  auto service = Service::open(f.options());
  int control = 0;
  for (int u = 0; u < 200; ++u) {
    DecideResult d = service->decide(ServingFixture::request("unit" + std::to_string(u), "t1", T0));
    if (d.arm_id == "control") {
      ++control;
      EXPECT_EQ(d.variant_id, "t1-v1");
      EXPECT_DOUBLE_EQ(d.propensity, 1.0);
    }
  }
  EXPECT_GT(control, 0);
}

TEST(Service, TitleWithoutExperimentUsesDefaultPolicy) {
  ServingFixture f;
  auto service = Service::open(f.options());
  DecideResult d = service->decide(ServingFixture::request("u1", "t2", T0));
  EXPECT_FALSE(d.experiment_id);
  EXPECT_NEAR(d.propensity, 0.5, 1e-12);  // uniform over two variants
}

TEST(Service, RewardsAreIdempotentAndJoinedByEventId) {
  ServingFixture f;
  auto service = Service::open(f.options());
  DecideResult d = service->decide(ServingFixture::request("u1", "t2", T0));
  std::promise<RewardOutcome> first_recorded;
  RewardResult first = service->reward(d.event_id, "click", 1, T0 + 1000,
                                       [&](RewardOutcome o, const std::string&) {
                                         first_recorded.set_value(o);
                                       });
  EXPECT_EQ(first.status, engine::RewardStatus::applied);
  EXPECT_EQ(first_recorded.get_future().get(), RewardOutcome::kStored);
  std::promise<RewardOutcome> again_recorded;
  RewardResult again = service->reward(d.event_id, "click", 1, T0 + 2000,
                                       [&](RewardOutcome o, const std::string&) {
                                         again_recorded.set_value(o);
                                       });
  EXPECT_EQ(again.status, engine::RewardStatus::duplicate);
  EXPECT_EQ(again_recorded.get_future().get(), RewardOutcome::kDuplicate);
  EXPECT_EQ(service->reward(d.event_id, "play", 1, T0 + 3000).status,
            engine::RewardStatus::applied);

  std::promise<RewardOutcome> unknown_recorded;
  RewardResult unknown = service->reward(std::string(32, 'a'), "click", 1, T0 + 1000,
                                         [&](RewardOutcome o, const std::string&) {
                                           unknown_recorded.set_value(o);
                                         });
  EXPECT_EQ(unknown.status, engine::RewardStatus::unknown_event);
  EXPECT_EQ(unknown_recorded.get_future().get(), RewardOutcome::kRejected);
  service->shutdown();
  EXPECT_EQ(ledger::rewards_for_event(f.ledger, d.event_id).size(), 2u);
  EXPECT_EQ(ledger::count_rewards(f.ledger), 2);
}

// The acknowledgement's commit and deadline race; the callback runs once,
// with whichever came first.
TEST(Service, RewardCallbackRunsOnceWithTheCommitOrTheDeadline) {
  ServingFixture f;
  auto service = Service::open(f.options());
  DecideResult d = service->decide(ServingFixture::request("u1", "t2", T0));
  std::vector<std::thread> timers;
  RunAfter run_after = [&](std::chrono::milliseconds delay, std::function<void()> task) {
    timers.emplace_back([delay, task = std::move(task)] {
      std::this_thread::sleep_for(delay);
      task();
    });
  };
  std::atomic<int> calls{0};
  std::promise<RewardOutcome> in_time;
  service->reward(d.event_id, "click", 1, T0 + 1000,
                  [&](RewardOutcome o, const std::string&) {
                    ++calls;
                    in_time.set_value(o);
                  },
                  {std::chrono::milliseconds(500), run_after});
  EXPECT_EQ(in_time.get_future().get(), RewardOutcome::kStored);

  ledger::Ledger blocker = ledger::Ledger::open(f.path);
  testing::hold_write_lock(blocker);
  std::promise<RewardOutcome> too_late;
  service->reward(d.event_id, "play", 1, T0 + 2000,
                  [&](RewardOutcome o, const std::string&) {
                    ++calls;
                    too_late.set_value(o);
                  },
                  {std::chrono::milliseconds(20), run_after});
  EXPECT_EQ(too_late.get_future().get(), RewardOutcome::kTimedOut);
  blocker.db().exec("ROLLBACK");
  service->shutdown();  // the play reward is committed now: no second call
  for (auto& t : timers) t.join();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(service->stats().rewards_acknowledged, 1u);
  EXPECT_EQ(ledger::rewards_for_event(f.ledger, d.event_id).size(), 2u);
}

TEST(Service, WaitWindowClosesWithDefaultRewardAndLateRewardsAreNotLearned) {
  ServingFixture f;
  ServiceOptions o = f.options();
  auto service = Service::open(o);
  DecideResult d = service->decide(ServingFixture::request("u1", "t2", T0));
  uint64_t before = d.model_version;
  EXPECT_EQ(service->expire(T0 + o.learner.wait_ms - 1), 0u);
  EXPECT_EQ(service->expire(T0 + o.learner.wait_ms), 1u);
  RewardResult late = service->reward(d.event_id, "click", 1, T0 + o.learner.wait_ms + 5);
  EXPECT_NE(late.status, engine::RewardStatus::applied);
  EXPECT_FALSE(late.learned);
  DecideResult next = service->decide(ServingFixture::request("u2", "t2", T0 + o.learner.wait_ms + 10));
  EXPECT_EQ(next.model_version, before + 1);
}

TEST(Service, AssignmentIsStickyWithSharesWithinTolerance) {
  ServingFixture f;
  auto service = Service::open(f.options());
  const int units = 4000;
  std::map<std::string, int> arms;
  for (int u = 0; u < units; ++u) {
    std::string unit = "viewer-" + std::to_string(u);
    DecideResult first = service->decide(ServingFixture::request(unit, "t1", T0 + u));
    for (int again = 0; again < 2; ++again) {
      ASSERT_EQ(service->decide(ServingFixture::request(unit, "t1", T0 + u + again)).arm_id,
                first.arm_id);
    }
    ++arms[*first.arm_id];
  }
  double sd = std::sqrt(units * 0.25);
  EXPECT_LT(std::abs(arms["control"] - units / 2.0), 4.5 * sd);
}

TEST(Service, BadInputIsRefusedWithTheField) {
  ServingFixture f;
  auto service = Service::open(f.options());
  std::string field;
  DecideRequest r = ServingFixture::request("u1", "nope", T0);
  EXPECT_EQ(status_of([&] { service->decide(r); }, &field), 404);
  EXPECT_EQ(field, "title_id");
  r = ServingFixture::request("u1", "t1", T0);
  r.eligible = {"t1-v1", "t2-v1"};
  EXPECT_EQ(status_of([&] { service->decide(r); }, &field), 404);
  EXPECT_EQ(field, "eligible");
  r = ServingFixture::request("", "t1", T0);
  EXPECT_EQ(status_of([&] { service->decide(r); }, &field), 400);
  EXPECT_EQ(field, "unit_id");
  r = ServingFixture::request("u1", "t1", T0);
  r.context.set("hour", 25.0);
  EXPECT_EQ(status_of([&] { service->decide(r); }, &field), 400);
  EXPECT_EQ(field, "context.hour");
  r = ServingFixture::request("u1", "t1", T0);
  for (int i = 0; i < 300; ++i) r.user.set("genre_" + std::to_string(i), 1.0);
  EXPECT_EQ(status_of([&] { service->decide(r); }, &field), 400);
  r = ServingFixture::request("u1", "t1", T0);
  r.experiment_id = "nope";
  EXPECT_EQ(status_of([&] { service->decide(r); }, &field), 404);
  EXPECT_EQ(field, "experiment_id");
  EXPECT_EQ(status_of([&] { service->reward("xyz", "click", 1); }, &field), 400);
  EXPECT_EQ(field, "event_id");
  EXPECT_EQ(status_of([&] { service->reward(std::string(32, 'b'), "hover", 1); }, &field), 400);
  EXPECT_EQ(field, "kind");
  EXPECT_EQ(status_of([&] { service->reward(std::string(32, 'b'), "click", NAN); }, &field), 400);
  EXPECT_EQ(field, "value");
  service->shutdown();
  EXPECT_EQ(ledger::count_exposures(f.ledger), 0);
  EXPECT_EQ(ledger::count_rewards(f.ledger), 0);
}

TEST(Service, ShutdownDrainsEveryDecisionAndReward) {
  ServingFixture f;
  ServiceOptions o = f.options();
  o.writer.flush_interval_ms = 10'000;  // nothing is committed before shutdown drains
  auto service = Service::open(o);
  int rewards = 0;
  for (int i = 0; i < 3000; ++i) {
    DecideResult d = service->decide(
        ServingFixture::request("u" + std::to_string(i % 300), i % 2 ? "t1" : "t2", T0 + i));
    if (i % 7 == 0) {
      service->reward(d.event_id, "click", 1, T0 + i + 1);
      ++rewards;
    }
  }
  service->shutdown();
  EXPECT_EQ(ledger::count_exposures(f.ledger), 3000);
  EXPECT_EQ(ledger::count_rewards(f.ledger), rewards);
}

// Runs traffic with rewards and closed windows; returns the requests to
// re-ask after a restart.
void run_traffic(Service& service, int n, int64_t t0) {
  for (int i = 0; i < n; ++i) {
    DecideResult d = service.decide(
        ServingFixture::request("u" + std::to_string(i % 50), i % 3 ? "t1" : "t2", t0 + i * 100));
    if (i % 4 == 0) service.reward(d.event_id, "click", 1, t0 + i * 100 + 50);
    if (i % 9 == 0) service.reward(d.event_id, "play", 1, t0 + i * 100 + 60);
    service.expire(t0 + i * 100);
  }
}

TEST(Service, RestartFromSnapshotContinuesExactly) {
  ServingFixture f;
  ServiceOptions o = f.options();
  o.learner.wait_ms = 3'600'000;  // the last windows are still open at the restart
  const int64_t T0 = ledger::now_ms() - 120'000;
  std::map<std::string, std::string> states;
  DecideResult before;
  {
    auto service = Service::open(o);
    run_traffic(*service, 600, T0);
    for (const auto& scope : service->learner_scopes()) states[scope] = *service->learner_state(scope);
    DecideRequest probe = ServingFixture::request("probe", "t1", T0 + 61'000);
    probe.seed = 99;
    before = service->decide(probe);
    service->shutdown();
  }
  {
    auto service = Service::open(o);
    EXPECT_NE(service->describe().find("snapshot"), std::string::npos) << service->describe();
    DecideRequest probe = ServingFixture::request("probe", "t1", T0 + 61'000);
    probe.seed = 99;
    for (const auto& [scope, state] : states) {
      // The probe decision itself changed nothing learned yet (its window is open).
      EXPECT_TRUE(*service->learner_state(scope) == state) << scope;
    }
    DecideResult after = service->decide(probe);
    EXPECT_EQ(after.variant_id, before.variant_id);
    EXPECT_DOUBLE_EQ(after.propensity, before.propensity);
    EXPECT_EQ(after.model_version, before.model_version);
  }
}

TEST(Service, RestartWithoutSnapshotReplaysTheLedger) {
  ServingFixture f;
  ServiceOptions o = f.options();
  o.learner.wait_ms = 5'000;
  // In the past, so every window has closed by the restart (which closes
  // windows up to the real clock, as the running service would have).
  const int64_t T0 = ledger::now_ms() - 3'600'000;
  std::map<std::string, std::string> states;
  {
    auto service = Service::open(o);
    run_traffic(*service, 600, T0);
    service->expire(T0 + 600 * 100 + o.learner.wait_ms);  // every window closed
    EXPECT_EQ(service->stats().pending, 0u);
    for (const auto& scope : service->learner_scopes()) states[scope] = *service->learner_state(scope);
    service->shutdown();
  }
  // Forget the snapshot: the model must come back from the ledger alone.
  f.ledger.db().exec("DELETE FROM model_snapshots");
  auto service = Service::open(o);
  EXPECT_NE(service->describe().find("rebuilt from the ledger"), std::string::npos);
  for (const auto& [scope, state] : states) {
    EXPECT_TRUE(*service->learner_state(scope) == state) << scope;
  }
}

}  // namespace
}  // namespace keyart::serving
