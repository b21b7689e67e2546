// The Learner: reward statuses, wait window and default reward, the bounded
// pending table, churn limiting, snapshots (exact continuation, atomic
// files, corruption detected) and replay equivalence.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine_test_helpers.h"
#include "keyart/engine/learner.h"
#include "support/test_support.h"

namespace keyart::engine {
namespace {

struct Catalog {
  std::vector<PreparedVariant> vars;
  std::vector<const PreparedVariant*> cands;
  Catalog() {
    vars = {test::styled("a", "closeup", "x1"), test::styled("b", "group"),
            test::styled("c", "dark", "x2")};
    cands = test::pointers(vars);
  }
};

void fill(Request& r, int user, double g) {
  r.reset("user" + std::to_string(user), "title1");
  r.add_user("actor_x1", 0.2 * (user % 3));
  r.add_user("genre_g1", g);
  r.add_context("device", user % 2 ? "tv" : "mobile");
  r.add_context("hour", static_cast<double>(user % 24));
}

DecideOptions at(int64_t now, std::optional<uint64_t> seed = std::nullopt, bool scores = false) {
  DecideOptions o;
  o.now_ms = now;
  o.seed = seed;
  o.want_scores = scores;
  return o;
}

LearnerOptions options(int64_t wait = 1000) {
  LearnerOptions o;
  o.wait_ms = wait;
  o.seed = 42;
  return o;
}

TEST(Learner, RewardStatuses) {
  Catalog cat;
  Learner learner("lints:v=0.1", options(1000));
  Request r;
  Decision d;
  fill(r, 1, 0.5);
  learner.decide(r, cat.cands, -1, at(10'000), d);
  EXPECT_EQ(learner.reward(d.event_id, "click", 1, 10'100), RewardStatus::applied);
  EXPECT_EQ(learner.reward(d.event_id, "click", 1, 10'200), RewardStatus::duplicate);
  EXPECT_EQ(learner.reward(d.event_id, "play", 1, 10'300), RewardStatus::applied);
  EXPECT_EQ(learner.reward(d.event_id, "like", 1, 10'300), RewardStatus::unknown_kind);
  EXPECT_EQ(learner.reward(d.event_id, "completion", NAN, 10'300), RewardStatus::invalid_value);
  EXPECT_EQ(learner.reward(d.event_id, "completion", 1, 11'000), RewardStatus::late);
  EXPECT_EQ(learner.reward(new_event_id(10'000), "click", 1, 10'500), RewardStatus::unknown_event);
  EXPECT_EQ(learner.model_version(), 0u);
  EXPECT_EQ(learner.expire(10'999), 0u);
  EXPECT_EQ(learner.expire(11'000), 1u);
  EXPECT_EQ(learner.model_version(), 1u);
  EXPECT_EQ(learner.reward(d.event_id, "completion", 1, 11'001), RewardStatus::late);
  LearnerStats s = learner.stats();
  EXPECT_EQ(s.rewards_applied, 2u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.late, 2u);
  EXPECT_EQ(s.unknown, 1u);
  EXPECT_EQ(s.rejected, 2u);
  EXPECT_EQ(s.pending, 0u);
}

TEST(Learner, CombinedRewardIsWhatThePolicyLearns) {
  // click=1, play=2: a decision with click and play teaches reward 3, the
  // same as a policy updated directly with 3; no reward teaches 0.
  Catalog cat;
  LearnerOptions o = options(1000);
  o.rewards = RewardDefinition::parse("click=1,play=2");
  Learner learner("epsilon-greedy:epsilon=0", o);
  auto direct = make_policy("epsilon-greedy:epsilon=0");
  Request r;
  Decision d1, d2;
  fill(r, 1, 0.5);
  learner.decide(r, cat.cands, -1, at(0, 1), d1);
  learner.decide(r, cat.cands, -1, at(1, 2), d2);
  learner.reward(d1.event_id, "click", 1, 5);
  learner.reward(d1.event_id, "play", 1, 6);
  learner.expire(5000);
  ChoiceInput in = direct->layout().build(r, cat.cands, -1);
  direct->update(observation_of(in, d1.chosen), 3.0);
  direct->update(observation_of(in, d2.chosen), 0.0);
  BinaryWriter w;
  direct->save(w);
  EXPECT_EQ(learner.policy_state(), w.bytes());
}

TEST(Learner, BoundedPendingTableFinalizesTheOldestFirst) {
  Catalog cat;
  LearnerOptions o = options(1'000'000);
  o.max_pending = 3;
  Learner learner("beta-ts", o);
  Request r;
  Decision first, d;
  fill(r, 1, 0.5);
  learner.decide(r, cat.cands, -1, at(1), first);
  for (int i = 2; i <= 4; ++i) learner.decide(r, cat.cands, -1, at(i), d);
  LearnerStats s = learner.stats();
  EXPECT_EQ(s.pending, 3u);
  EXPECT_EQ(s.evicted, 1u);
  EXPECT_EQ(learner.model_version(), 1u);
  EXPECT_EQ(learner.reward(first.event_id, "click", 1, 5), RewardStatus::unknown_event);
}

TEST(Learner, ChurnLimitingRepeatsWithTheOriginalPropensity) {
  Catalog cat;
  LearnerOptions o = options(1000);
  o.sticky_ms = 60'000;
  Learner learner("lints:v=0.5,floor=0.3", o);
  Request r;
  Decision first, again, other, later;
  fill(r, 7, 0.5);
  learner.decide(r, cat.cands, -1, at(1000, 1), first);
  EXPECT_FALSE(first.repeat);
  fill(r, 7, 0.9);  // same unit and title, other features
  learner.decide(r, cat.cands, -1, at(2000, 99), again);
  EXPECT_TRUE(again.repeat);
  EXPECT_EQ(again.repeat_of, first.event_id);
  EXPECT_EQ(again.chosen, first.chosen);
  EXPECT_EQ(again.propensity, first.propensity);
  EXPECT_EQ(again.probabilities, first.probabilities);
  EXPECT_NE(again.event_id, first.event_id);
  fill(r, 8, 0.5);  // another unit: a fresh decision
  learner.decide(r, cat.cands, -1, at(2000, 1), other);
  EXPECT_FALSE(other.repeat);
  fill(r, 7, 0.5);
  learner.decide(r, cat.cands, -1, at(61'001, 1), later);
  EXPECT_FALSE(later.repeat);
  // The sticky variant is no longer a candidate: a fresh decision.
  std::vector<const PreparedVariant*> fewer;
  for (auto* v : cat.cands) {
    if (v->id_key != cat.cands[later.chosen]->id_key) fewer.push_back(v);
  }
  Decision without;
  learner.decide(r, fewer, -1, at(61'002, 1), without);
  EXPECT_FALSE(without.repeat);
  EXPECT_EQ(learner.stats().repeats, 1u);
}

// Runs a live learner with decisions, rewards and expiries over simulated
// time, logging what the ledger would hold.
struct LiveRun {
  std::vector<LoggedDecision> decisions;
  std::vector<LoggedReward> rewards;
};
// defer: two decisions in three are deferred, and half of those activated
// at once (the others never are).
LiveRun run_live(Learner& learner, const Catalog& cat, int n, uint64_t seed, bool defer = false) {
  LiveRun log;
  Rng rng(seed);
  Request r;
  Decision d;
  for (int i = 0; i < n; ++i) {
    const int64_t now = 1'000'000 + i * 37;
    learner.expire(now);
    LoggedDecision ld;
    ld.unit = "user" + std::to_string(rng.next() % 20);
    ld.title = "title1";
    ld.user.set("actor_x1", std::round(rng.uniform() * 100) / 100);
    ld.user.set("genre_g1", rng.uniform());
    ld.context.set("device", rng.uniform() < 0.5 ? "tv" : "mobile");
    ld.context.set("hour", static_cast<double>(rng.next() % 24));
    ld.title_features.set("genre_g2", 1);
    r.reset(ld.unit, ld.title);
    r.add_user(ld.user);
    r.add_context(ld.context);
    r.add_title(ld.title_features);
    DecideOptions opts = at(now, rng.next());
    opts.defer_activation = defer && i % 3 != 0;
    learner.decide(r, cat.cands, 1, opts, d);
    ld.event_id = d.event_id;
    ld.time_ms = now;
    for (size_t c = 0; c < cat.vars.size(); ++c) {
      ld.candidates.push_back({cat.vars[c].id, cat.vars[c].named, c == 1});
    }
    ld.chosen = d.chosen;
    ld.propensity = d.propensity;
    ld.repeat = d.repeat;
    log.decisions.push_back(ld);
    if (opts.defer_activation) {
      log.rewards.push_back({d.event_id, std::string(kDeferredMark), 1, now});
      if (i % 2 == 0) {
        log.rewards.push_back({d.event_id, std::string(kActivatedMark), 1, now + 5});
      }
    }
    if (rng.uniform() < 0.2 + 0.2 * d.chosen) {
      const int64_t at = now + static_cast<int64_t>(rng.uniform() * 1500);  // some late
      log.rewards.push_back({d.event_id, "click", 1.0, at});
      if (rng.uniform() < 0.3) log.rewards.push_back({d.event_id, "play", 1.0, at + 10});
      if (rng.uniform() < 0.1) log.rewards.push_back({d.event_id, "click", 1.0, at + 20});
    }
    // Deliver rewards due by now (in time order).
    std::stable_sort(log.rewards.begin(), log.rewards.end(),
                     [](const LoggedReward& a, const LoggedReward& b) { return a.time_ms < b.time_ms; });
    for (const auto& rw : log.rewards) {
      if (rw.time_ms > now - 37 && rw.time_ms <= now) learner.reward(rw.event_id, rw.kind, rw.value, rw.time_ms);
    }
  }
  return log;
}

TEST(Learner, ReplayRebuildsTheSameModel) {
  Catalog cat;
  for (const char* spec : {"hybrid-linucb:alpha=0.2", "lints:v=0.1,arm=1", "linucb", "beta-ts"}) {
    LearnerOptions o = options(1000);
    o.sticky_ms = 5000;
    Learner live(spec, o);
    // Rewards are delivered inside run_live only when their time has come;
    // replay gets the same list.
    LiveRun log = run_live(live, cat, 600, 9);
    const int64_t end = 1'000'000 + 600 * 37 + 5000;
    for (const auto& rw : log.rewards) {
      if (rw.time_ms > 1'000'000 + 599 * 37) live.reward(rw.event_id, rw.kind, rw.value, rw.time_ms);
    }
    live.expire(end);
    Learner rebuilt(spec, o);
    rebuilt.replay(log.decisions, log.rewards, end);
    EXPECT_EQ(rebuilt.model_version(), live.model_version()) << spec;
    EXPECT_EQ(rebuilt.policy_state(), live.policy_state()) << spec;
    EXPECT_GT(live.model_version(), 500u);
    EXPECT_EQ(live.stats().unknown, rebuilt.stats().unknown) << spec;
    EXPECT_EQ(live.stats().late, rebuilt.stats().late) << spec;
    EXPECT_EQ(live.stats().rewards_applied, rebuilt.stats().rewards_applied) << spec;
  }
}

TEST(Learner, SnapshotContinuesExactly) {
  Catalog cat;
  testing::TempDir dir;
  const std::string path = (dir / "model.snap").string();
  LearnerOptions o = options(1000);
  o.sticky_ms = 100;
  Learner live("hybrid-linucb:alpha=0.3", o);
  LiveRun log = run_live(live, cat, 300, 4);
  Request r;
  Decision pending;
  fill(r, 3, 0.4);
  live.decide(r, cat.cands, -1, at(2'000'000, 5), pending);
  live.save(path);
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "model.snap");  // no temp file left behind
  }
  auto restored = Learner::load(path);
  EXPECT_EQ(restored->policy_state(), live.policy_state());
  EXPECT_EQ(restored->spec(), live.spec());
  // A decision after restart equals one before, given the same request and seed.
  Decision before, after;
  fill(r, 11, 0.8);
  live.decide(r, cat.cands, -1, at(2'000'010, 77, true), before);
  restored->decide(r, cat.cands, -1, at(2'000'010, 77, true), after);
  EXPECT_EQ(before.chosen, after.chosen);
  EXPECT_EQ(before.probabilities, after.probabilities);
  EXPECT_EQ(before.scores, after.scores);
  // The pending decision survived: its reward applies, then both learn alike.
  EXPECT_EQ(restored->reward(pending.event_id, "click", 1, 2'000'500), RewardStatus::applied);
  EXPECT_EQ(live.reward(pending.event_id, "click", 1, 2'000'500), RewardStatus::applied);
  live.expire(3'000'000);
  restored->expire(3'000'000);
  EXPECT_EQ(restored->policy_state(), live.policy_state());
  EXPECT_EQ(restored->stats().pending, 0u);
}

TEST(Learner, CorruptSnapshotsAreRejected) {
  Catalog cat;
  testing::TempDir dir;
  Learner live("lints", options());
  run_live(live, cat, 50, 1);
  std::string bytes = live.snapshot();
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  auto message = [](std::string_view b) -> std::string {
    try {
      Learner::from_snapshot(b);
    } catch (const SnapshotError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(flipped).find("checksum"), std::string::npos);
  EXPECT_NE(message(bytes.substr(0, 20)).find("checksum"), std::string::npos);
  EXPECT_NE(message("hello world, not a snapshot").find("bad magic"), std::string::npos);
  EXPECT_THROW(Learner::load((dir / "missing").string()), SnapshotError);
  EXPECT_NO_THROW(Learner::from_snapshot(bytes));
}


// Deferred activation: a decision made with defer_activation teaches the
// policy exactly what an ordinary decision would (its rewards included,
// even those that came before the activation) once it is activated before
// its deadline, and nothing when it is not. The reference is a policy
// updated directly, as in CombinedRewardIsWhatThePolicyLearns.
TEST(Learner, DeferredDecisionsAreLearnedOnlyOnceActivated) {
  Catalog cat;
  LearnerOptions o = options(1000);
  o.rewards = RewardDefinition::parse("click=1,play=2");
  Learner learner("epsilon-greedy:epsilon=0", o);
  auto direct = make_policy("epsilon-greedy:epsilon=0");
  Request r;
  Decision shown, never, too_late;
  fill(r, 1, 0.5);
  DecideOptions deferred = at(0, 1);
  deferred.defer_activation = true;
  learner.decide(r, cat.cands, -1, deferred, shown);
  deferred.seed = 2;
  learner.decide(r, cat.cands, -1, deferred, never);
  deferred.seed = 3;
  learner.decide(r, cat.cands, -1, deferred, too_late);
  EXPECT_EQ(learner.reward(shown.event_id, "play", 1, 5), RewardStatus::applied);  // before activation
  EXPECT_EQ(learner.reward(shown.event_id, kActivatedMark, 1, 10), RewardStatus::applied);
  EXPECT_EQ(learner.reward(shown.event_id, kActivatedMark, 1, 11), RewardStatus::duplicate);
  EXPECT_EQ(learner.reward(never.event_id, "click", 1, 12), RewardStatus::applied);
  EXPECT_EQ(learner.reward(too_late.event_id, kActivatedMark, 1, 1000), RewardStatus::late);
  EXPECT_EQ(learner.expire(5000), 3u);
  ChoiceInput in = direct->layout().build(r, cat.cands, -1);
  direct->update(observation_of(in, shown.chosen), 2.0);
  BinaryWriter w;
  direct->save(w);
  EXPECT_EQ(learner.policy_state(), w.bytes());
  LearnerStats s = learner.stats();
  EXPECT_EQ(s.finalized, 1u);
  EXPECT_EQ(s.unactivated, 2u);
  EXPECT_EQ(s.activated, 1u);
  // An ordinary decision is active from the start: activating it changes nothing.
  Decision plain;
  learner.decide(r, cat.cands, -1, at(6000, 4), plain);
  EXPECT_EQ(learner.reward(plain.event_id, kActivatedMark, 1, 6001), RewardStatus::duplicate);
  // Marks are not reward kinds a definition may name.
  EXPECT_THROW(RewardDefinition::parse("click=1,_activated=1"), std::invalid_argument);
}

// What the ledger holds for deferred decisions (the exposure, then the
// kDeferredMark row, and kActivatedMark for those shown) replays to the live
// model, which is the model of a log where the decisions never shown were
// never made; a snapshot keeps a decision's waiting state.
TEST(Learner, DeferredDecisionsReplayAndSurviveSnapshots) {
  Catalog cat;
  for (const char* spec : {"hybrid-linucb:alpha=0.2", "lints:v=0.1,arm=1"}) {
    LearnerOptions o = options(1000);
    Learner live(spec, o);
    LiveRun log = run_live(live, cat, 600, 9, /*defer=*/true);
    const int64_t end = 1'000'000 + 600 * 37 + 5000;
    for (const auto& rw : log.rewards) {
      if (rw.time_ms > 1'000'000 + 599 * 37) live.reward(rw.event_id, rw.kind, rw.value, rw.time_ms);
    }
    live.expire(end);
    EXPECT_GT(live.stats().unactivated, 100u) << spec;
    EXPECT_GT(live.stats().activated, 100u) << spec;

    Learner rebuilt(spec, o);
    rebuilt.replay(log.decisions, log.rewards, end);
    EXPECT_EQ(rebuilt.policy_state(), live.policy_state()) << spec;
    EXPECT_EQ(rebuilt.stats().unactivated, live.stats().unactivated) << spec;

    std::set<EventId> shown;
    for (const auto& rw : log.rewards) {
      if (rw.kind == kActivatedMark) shown.insert(rw.event_id);
    }
    std::set<EventId> deferred;
    for (const auto& rw : log.rewards) {
      if (rw.kind == kDeferredMark) deferred.insert(rw.event_id);
    }
    auto was_shown = [&](const EventId& id) { return !deferred.count(id) || shown.count(id); };
    LiveRun only_shown;
    for (const auto& d : log.decisions) {
      if (was_shown(d.event_id)) only_shown.decisions.push_back(d);
    }
    for (const auto& rw : log.rewards) {
      if (!is_mark_kind(rw.kind) && was_shown(rw.event_id)) only_shown.rewards.push_back(rw);
    }
    Learner reference(spec, o);
    reference.replay(only_shown.decisions, only_shown.rewards, end);
    EXPECT_EQ(reference.policy_state(), live.policy_state()) << spec;
    EXPECT_LT(only_shown.decisions.size(), log.decisions.size());

    // A waiting decision survives a snapshot and is activated after it.
    Request r;
    Decision waiting;
    fill(r, 3, 0.4);
    DecideOptions opts = at(2'000'000, 5);
    opts.defer_activation = true;
    live.decide(r, cat.cands, -1, opts, waiting);
    auto restored = Learner::from_snapshot(live.snapshot());
    EXPECT_EQ(restored->reward(waiting.event_id, kActivatedMark, 1, 2'000'100),
              RewardStatus::applied);
    live.expire(3'000'000);  // the live one was never activated
    restored->expire(3'000'000);
    EXPECT_NE(restored->policy_state(), live.policy_state()) << spec;
    EXPECT_EQ(restored->stats().unactivated + 1, live.stats().unactivated) << spec;
  }
}

}  // namespace
}  // namespace keyart::engine
