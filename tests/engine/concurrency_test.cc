// Decisions from many threads while rewards and expiries update the model.
// Meaningful under ThreadSanitizer (build with -DKEYART_SANITIZE=thread).
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "engine_test_helpers.h"
#include "keyart/engine/learner.h"

namespace keyart::engine {
namespace {

TEST(LearnerThreads, DecideWhileRewardsUpdate) {
  for (const char* spec : {"hybrid-linucb", "lints:arm=1", "beta-ts"}) {
    std::vector<PreparedVariant> vars = {test::styled("a", "closeup", "x"), test::styled("b", "group"),
                                         test::styled("c", "dark", "y"), test::styled("d", "closeup")};
    auto cands = test::pointers(vars);
    LearnerOptions o;
    o.wait_ms = 5;
    o.max_pending = 500;
    o.sticky_ms = 3;
    Learner learner(spec, o);
    std::mutex mu;
    std::deque<EventId> issued;
    std::atomic<bool> done{false};
    std::atomic<int64_t> clock{1000};
    const int threads = 4, per_thread = 600;
    std::vector<std::thread> deciders;
    for (int t = 0; t < threads; ++t) {
      deciders.emplace_back([&, t] {
        Request r;
        Decision d;
        for (int i = 0; i < per_thread; ++i) {
          r.reset("u" + std::to_string((t * 7 + i) % 13), "title");
          r.add_user("actor_x", 0.5);
          r.add_user("genre_g", 0.1 * (i % 5));
          r.add_context("device", i % 2 ? "tv" : "web");
          DecideOptions opt;
          opt.now_ms = clock.fetch_add(1);
          learner.decide(r, cands, 0, opt, d);
          ASSERT_GE(d.chosen, 0);
          std::lock_guard lock(mu);
          issued.push_back(d.event_id);
        }
      });
    }
    std::thread rewarder([&] {
      Rng rng(1);
      while (!done.load()) {
        EventId id{};
        bool have = false;
        {
          std::lock_guard lock(mu);
          if (!issued.empty()) {
            id = issued.front();
            issued.pop_front();
            have = true;
          }
        }
        const int64_t now = clock.load();
        if (have && rng.uniform() < 0.3) learner.reward(id, "click", 1, now);
        learner.expire(now);
        (void)learner.stats();
        (void)learner.model_version();
      }
    });
    for (auto& th : deciders) th.join();
    done = true;
    rewarder.join();
    learner.expire(clock.load() + 100);
    LearnerStats s = learner.stats();
    EXPECT_EQ(s.decisions, static_cast<uint64_t>(threads * per_thread)) << spec;
    EXPECT_EQ(s.finalized, s.decisions) << spec;
    EXPECT_EQ(s.pending, 0u);
    EXPECT_EQ(learner.model_version(), s.decisions);
  }
}

}  // namespace
}  // namespace keyart::engine
