// A serving node that follows the trainer (ModelSource::kLedger): it only
// decides and logs, adopts each newer published model without stopping,
// logs the version that made each decision, and keeps its churn limit
// across model swaps.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <future>
#include <nlohmann/json.hpp>

#include "keyart/serving/http_api.h"
#include "keyart/serving/metrics.h"
#include "keyart/training/trainer.h"
#include "serving/serving_fixture.h"

namespace keyart::testing {
namespace {

constexpr int64_t kStart = 1'780'000'000'000;

struct ModelFollowerTest : ::testing::Test, ServingFixture {
  std::unique_ptr<serving::Service> node = [&] {
    auto o = options();
    o.model_source = serving::ServiceOptions::ModelSource::kLedger;
    o.model_poll_ms = 5;
    o.learner.sticky_ms = 3'600'000;
    return serving::Service::open(o);
  }();
  training::Trainer trainer{ledger::Ledger::open(path, {.files_dir = where.files_dir()}),
                            [] {
                              training::TrainerOptions o;
                              o.learner.wait_ms = 60'000;
                              o.lateness_ms = 0;
                              return o;
                            }()};
  uint64_t decided = 0, rewarded = 0;

  serving::DecideResult decide(const std::string& unit, int64_t t) {
    auto r = request(unit, "t1", t);
    r.seed = static_cast<uint64_t>(t);
    ++decided;
    return node->decide(r);
  }
  void wait_for_ledger() {
    for (int i = 0; i < 2000; ++i) {
      auto w = node->stats().writer;
      if (w.exposures_committed == decided && w.rewards_committed == rewarded) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "the ledger did not receive the traffic";
  }
  void wait_for_version(int64_t version) {
    for (int i = 0; i < 2000 && node->stats().model.version != version; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(node->stats().model.version, version);
  }
};

TEST_F(ModelFollowerTest, DecidesWithTheNewestPublishedModelAndNeverLearnsByItself) {
  // Before any model: untrained learners, version 0, the trainer reported stale.
  serving::DecideResult first = decide("u0", kStart);
  EXPECT_EQ(first.model_version, 0u);
  EXPECT_TRUE(node->stats().model.trainer_stale);
  EXPECT_TRUE(node->stats().degraded);

  // Traffic with rewards: the node defers every reward to the trainer.
  for (int i = 0; i < 400; ++i) {
    int64_t t = kStart + 1000 + i * 500LL;
    serving::DecideResult d = decide("u" + std::to_string(i % 30), t);
    if (d.variant_id == "t1-v2" || i % 5 == 0) {
      serving::RewardResult r = node->reward(d.event_id, "click", 1.0, t + 1'000);
      EXPECT_TRUE(r.deferred);
      EXPECT_FALSE(r.learned);
      ++rewarded;
    }
  }
  wait_for_ledger();
  EXPECT_EQ(node->stats().pending, 0u) << "a following node parks nothing for learning";
  EXPECT_EQ(node->stats().rewards_deferred, rewarded);
  const std::string untrained = *node->learner_state("exp:e1/bandit");
  node->expire(kStart + 86'400'000);
  EXPECT_EQ(*node->learner_state("exp:e1/bandit"), untrained);

  trainer.step();
  const int64_t v1 = trainer.publish();
  wait_for_version(v1);
  EXPECT_FALSE(node->stats().model.trainer_stale);
  EXPECT_EQ(node->stats().model.adoptions, 1u);
  EXPECT_EQ(*node->learner_state("exp:e1/bandit"), trainer.policy_states().at("exp:e1/bandit"));
  EXPECT_NE(*node->learner_state("exp:e1/bandit"), untrained);
  serving::DecideResult after = decide("u-new", kStart + 300'000);
  EXPECT_EQ(after.model_version, static_cast<uint64_t>(v1));

  // A second version, and the exposures in the ledger name the version that
  // decided them.
  for (int i = 0; i < 50; ++i) decide("v" + std::to_string(i), kStart + 310'000 + i);
  wait_for_ledger();
  trainer.step();
  const int64_t v2 = trainer.publish();
  EXPECT_GT(v2, v1);
  wait_for_version(v2);
  serving::DecideResult latest = decide("u-newer", kStart + 320'000);
  EXPECT_EQ(latest.model_version, static_cast<uint64_t>(v2));
  EXPECT_EQ(node->stats().model.adoptions, 2u);
  EXPECT_GE(node->stats().model.pickup_max_ms, 0);
  EXPECT_LT(node->stats().model.pickup_max_ms, 10'000);
  wait_for_ledger();
  auto logged = [&](const std::string& event_id) {
    return ledger::find_exposure(ledger, event_id)->model_version;
  };
  EXPECT_EQ(logged(first.event_id), 0);
  EXPECT_EQ(logged(after.event_id), v1);
  EXPECT_EQ(logged(latest.event_id), v2);
}

TEST_F(ModelFollowerTest, TheChurnLimitHoldsAcrossModelSwaps) {
  std::map<std::string, std::string> shown;
  for (int i = 0; i < 40; ++i) {
    std::string unit = "u" + std::to_string(i);
    shown[unit] = decide(unit, kStart + i).variant_id;
  }
  wait_for_ledger();
  trainer.step();
  wait_for_version(trainer.publish());
  for (int i = 0; i < 40; ++i) {
    std::string unit = "u" + std::to_string(i);
    serving::DecideResult again = decide(unit, kStart + 60'000 + i);
    EXPECT_EQ(again.variant_id, shown[unit]) << unit;
    EXPECT_TRUE(again.repeat) << unit;
  }
}

TEST_F(ModelFollowerTest, ARestartedNodeRebuildsItsChurnLimitsFromTheLedger) {
  // Decisions at the real clock (the rebuild reads the last sticky_ms).
  std::map<std::string, std::string> shown;
  for (int i = 0; i < 30; ++i) {
    std::string unit = "u" + std::to_string(i);
    shown[unit] = decide(unit, 0).variant_id;
  }
  wait_for_ledger();
  node.reset();  // down, then up again with an empty table
  auto o = options();
  o.model_source = serving::ServiceOptions::ModelSource::kLedger;
  o.learner.sticky_ms = 3'600'000;
  node = serving::Service::open(o);
  int bandit_units = 0;
  for (int i = 0; i < 30; ++i) {
    std::string unit = "u" + std::to_string(i);
    serving::DecideResult again = decide(unit, 0);
    EXPECT_EQ(again.variant_id, shown[unit]) << unit;
    EXPECT_TRUE(again.repeat) << unit;
    bandit_units += again.arm_id == std::optional<std::string>("bandit");
  }
  EXPECT_GT(bandit_units, 5);  // not only the fixed arm, which always shows t1-v1
}

TEST_F(ModelFollowerTest, WhenTheTrainerStopsPublishingTheNodeKeepsItsModelAndSaysSo) {
  node.reset();
  auto o = options();
  o.model_source = serving::ServiceOptions::ModelSource::kLedger;
  o.model_poll_ms = 5;
  o.trainer_stale_ms = 400;
  node = serving::Service::open(o);
  decide("u1", kStart);
  wait_for_ledger();
  trainer.step();
  const int64_t version = trainer.publish();
  wait_for_version(version);
  EXPECT_FALSE(node->stats().model.trainer_stale);
  EXPECT_FALSE(node->stats().degraded);
  // The trainer is gone: no newer model comes.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_TRUE(node->stats().model.trainer_stale);
  EXPECT_TRUE(node->stats().degraded);
  // (The same viewer, so the same arm: the one learner the trainer had.)
  serving::DecideResult d = decide("u1", kStart + 1'000);
  EXPECT_FALSE(d.fallback);
  EXPECT_EQ(d.model_version, static_cast<uint64_t>(version));
}

TEST_F(ModelFollowerTest, HealthAndMetricsTellOperatorsWhereTheModelComesFrom) {
  serving::MetricsRegistry registry;
  serving::HttpHandler api = serving::make_api_handler(*node, registry, serving::ApiOptions{});
  auto call = [&](const std::string& method, const std::string& path, const std::string& body) {
    serving::HttpRequest req{.method = method, .target = path, .body = body};
    auto answer = std::make_shared<std::promise<serving::HttpResponse>>();
    api(std::move(req), [answer](serving::HttpResponse r) { answer->set_value(std::move(r)); });
    return answer->get_future().get();
  };
  using nlohmann::json;
  json health = json::parse(call("GET", "/healthz", "").body);
  EXPECT_EQ(health["status"], "degraded") << health;  // no trainer model yet
  EXPECT_EQ(health["model"]["source"], "ledger");
  EXPECT_EQ(health["model"]["trainer"], "stale");
  EXPECT_EQ(health["model"]["version"], 0);

  json d = json::parse(call("POST", "/v1/decide", R"({"unit_id":"u1","title_id":"t1"})").body);
  ++decided;
  auto reward = call("POST", "/v1/reward",
                     json{{"event_id", d["event_id"]}, {"kind", "click"}}.dump());
  ++rewarded;
  EXPECT_EQ(reward.status, 200) << reward.body;
  EXPECT_EQ(json::parse(reward.body)["status"], "deferred") << reward.body;
  EXPECT_EQ(json::parse(reward.body)["recorded"], "stored") << reward.body;

  wait_for_ledger();
  trainer.step();
  const int64_t version = trainer.publish();
  wait_for_version(version);
  health = json::parse(call("GET", "/healthz", "").body);
  EXPECT_EQ(health["status"], "ok") << health;
  EXPECT_EQ(health["model"]["trainer"], "ok");
  EXPECT_EQ(health["model"]["version"], version);
  std::string metrics = call("GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("keyart_model_version " + std::to_string(version)), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("keyart_trainer_stale 0"), std::string::npos);
  EXPECT_NE(metrics.find("keyart_rewards_total{status=\"deferred\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace keyart::testing
