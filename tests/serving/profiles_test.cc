// Viewer profiles in the serving hook (docs/PROFILES.md): plays recorded,
// checked and logged; the profile supplies the tastes a request does not
// carry (the request's own win), logged with the decision and shown by
// explain; a restart and an eviction rebuild the same profile from the
// ledger's plays.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/plays.h"
#include "keyart/ledger/title_viewing.h"
#include "keyart/serving/viewings.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using testing::ServingFixture;
constexpr int64_t T0 = 1'800'000'000'000;
constexpr int64_t kDay = 86'400'000;

// Three films led by l1, l2, l3, each with the supporting actor "s"; the
// fixture's t2 is the new title (its variants feature a1 and a2).
struct ProfileFixture : ServingFixture {
  ProfileFixture() {
    for (int i = 1; i <= 3; ++i) {
      const std::string title = "f" + std::to_string(i);
      ledger::add_title(ledger, {.title_id = title, .name = "Film " + title, .genres = {"thriller"}});
      ledger::add_cast_member(ledger, {.title_id = title, .actor_id = "l" + std::to_string(i),
                                       .actor_name = "Lead " + std::to_string(i)});
      ledger::add_cast_member(ledger, {.title_id = title, .actor_id = "s", .actor_name = "Sam",
                                       .billing_order = 2, .role = "supporting"});
    }
  }
  ServiceOptions profile_options(size_t capacity = 1000) const {
    ServiceOptions o = options();
    o.profiles.enabled = true;
    o.profiles.capacity = capacity;
    return o;
  }
};

std::map<std::string, std::pair<double, bool>> tastes_of(const DecideResult& d) {
  std::map<std::string, std::pair<double, bool>> m;
  for (const auto& t : d.tastes) m[t.feature] = {t.value, t.from_profile};
  return m;
}

DecideRequest bare(const std::string& unit, int64_t now) {
  DecideRequest r = ServingFixture::request(unit, "t2", now);
  r.user = {};
  r.want_scores = true;
  return r;
}

TEST(Profiles, PlaysBecomeTastesTheRequestDoesNotCarry) {
  ProfileFixture f;
  auto service = Service::open(f.profile_options());
  // Three completed films with "s" supporting, one a day.
  std::vector<PlayReport> plays;
  for (int i = 1; i <= 3; ++i) {
    plays.push_back({"viewer", "f" + std::to_string(i), T0 + i * kDay, 7000.0, true});
  }
  for (const PlayOutcome& o : service->record_plays(plays, T0 + 4 * kDay)) {
    EXPECT_TRUE(o.accepted) << o.reason;
  }
  // At T0 + 4 days (half-life 90 days) the weights are 2^(-3/90), 2^(-2/90),
  // 2^(-1/90); W is their sum; s gets 0.6 W, each lead its own weight,
  // thriller W, all divided by W + 1.
  const int64_t now = T0 + 4 * kDay;
  double w[3], W = 0;
  for (int i = 0; i < 3; ++i) W += w[i] = std::exp2(-(3.0 - i) / 90);
  DecideResult d = service->decide(bare("viewer", now));
  auto t = tastes_of(d);
  ASSERT_TRUE(t.count("actor_s"));
  EXPECT_NEAR(t["actor_s"].first, 0.6 * W / (W + 1), 1e-12);
  EXPECT_TRUE(t["actor_s"].second);  // from the profile
  EXPECT_NEAR(t["actor_l3"].first, w[2] / (W + 1), 1e-12);
  EXPECT_NEAR(t["genre_thriller"].first, W / (W + 1), 1e-12);
  EXPECT_GT(t["actor_s"].first, t["actor_l3"].first);
  // The request's own value wins, and says so.
  DecideRequest own = bare("viewer", now);
  own.user.set("actor_s", 0.25);
  t = tastes_of(service->decide(own));
  EXPECT_EQ(t["actor_s"], std::make_pair(0.25, false));
  EXPECT_TRUE(t["actor_l1"].second);
  // A new viewer: no tastes, the population's choice.
  EXPECT_TRUE(service->decide(bare("nobody", now)).tastes.empty());
  // The decision log holds the tastes the decision used.
  service->shutdown();
  auto row = ledger::find_exposure(f.ledger, d.event_id);
  ASSERT_TRUE(row);
  EXPECT_NE(row->context_json.find("\"actor_s\""), std::string::npos) << row->context_json;
  EXPECT_EQ(ledger::count_plays(f.ledger), 3);
  const ServiceStats stats = service->stats();
  EXPECT_EQ(stats.plays_accepted, 3u);
}

// A page reads the viewer's profile once, and every tile decides with its
// tastes: each tile is what the same impression decided alone would be
// (same seed and time, a preview), scores included. t2's second variant
// features a2, whom the viewer followed in f1; its UCB score moves with the
// taste, so a tile that logged the tastes without deciding with them shows.
TEST(Profiles, EveryTileOfAPageDecidesWithTheProfilesTastes) {
  ProfileFixture f;
  ledger::add_cast_member(f.ledger, {.title_id = "f1", .actor_id = "a2", .actor_name = "Ada",
                                     .billing_order = 3, .role = "supporting"});
  f.add_title_with_features("t3", {"dark", "bright"});
  ledger::set_title_default_policy(f.ledger, "t2", "linucb:alpha=1");
  ledger::set_title_default_policy(f.ledger, "t3", "linucb:alpha=1");
  auto service = Service::open(f.profile_options());
  const int64_t now = T0 + kDay;
  service->record_plays(std::vector<PlayReport>{{"viewer", "f1", T0, 7000.0, true}}, now);
  DecidePageRequest page;
  page.unit_id = "viewer";
  page.context = bare("viewer", now).context;
  page.impressions = {{.title_id = "t3"}, {.title_id = "t2"}};
  page.seed = 11;
  page.now_ms = now;
  page.want_scores = true;
  const std::vector<DecideResult> tiles = service->decide_page(page);
  ASSERT_EQ(tiles.size(), 2u);
  EXPECT_TRUE(tastes_of(tiles[1])["actor_a2"].second);  // from the profile
  for (size_t i = 0; i < tiles.size(); ++i) {
    DecideRequest alone = bare("viewer", now);
    alone.title_id = page.impressions[i].title_id;
    alone.seed = 11 + i;
    alone.preview = true;
    const DecideResult a = service->decide(alone);
    EXPECT_EQ(tiles[i].variant_id, a.variant_id) << i;
    EXPECT_EQ(tiles[i].propensity, a.propensity) << i;
    ASSERT_EQ(tiles[i].candidates.size(), a.candidates.size()) << i;
    for (size_t c = 0; c < a.candidates.size(); ++c) {
      EXPECT_EQ(tiles[i].candidates[c].score, a.candidates[c].score) << i << " " << c;
    }
  }
  service->shutdown();
}

TEST(Profiles, ARestartAndAnEvictionRebuildTheSameProfile) {
  ProfileFixture f;
  const int64_t now = T0 + 10 * kDay;
  std::map<std::string, std::pair<double, bool>> before;
  {
    auto service = Service::open(f.profile_options());
    std::vector<PlayReport> plays = {{"a", "f1", T0, 300.0, false},
                                     {"a", "f2", T0 + kDay, std::nullopt, true},
                                     {"a", "f2", T0 + kDay, std::nullopt, true},  // twice
                                     {"b", "f3", T0 + 2 * kDay, 60.0, false}};
    service->record_plays(plays, now);
    before = tastes_of(service->decide(bare("a", now)));
    service->shutdown();
  }
  ASSERT_FALSE(before.empty());
  // A new process: rebuilt from the ledger's plays on first use.
  auto service = Service::open(f.profile_options(/*capacity=*/1));
  EXPECT_EQ(tastes_of(service->decide(bare("a", now))), before);
  // With room for one viewer, b pushes a out; a comes back the same.
  EXPECT_FALSE(service->decide(bare("b", now)).tastes.empty());
  EXPECT_EQ(tastes_of(service->decide(bare("a", now))), before);
  const auto stats = service->stats().profiles;
  EXPECT_EQ(stats.viewers, 1u);
  EXPECT_GE(stats.evictions, 2u);
  EXPECT_GE(stats.loads, 3u);
}

// Fitted profiles (docs/PROFILES.md, "Fitted tastes"): a node that finds no
// stored viewing per title measures it from the ledger's plays and stores
// it; each viewer is fitted off the decide path; a restart fits the same
// tastes; a new measurement reaches the node at its next reload and each
// viewer is fitted again.
TEST(Profiles, FittedTastesAreFittedAgainstEveryonesStoredViewing) {
  ProfileFixture f;
  const int64_t now = T0 + 10 * kDay;
  {
    // History: "fan" watched the three films with s; others watched f3 a lot.
    auto service = Service::open(f.profile_options());
    std::vector<PlayReport> plays;
    for (int i = 1; i <= 3; ++i) plays.push_back({"fan", "f" + std::to_string(i), T0 + i * kDay, 7000.0, true});
    for (int v = 0; v < 6; ++v) plays.push_back({"other" + std::to_string(v), "f3", T0 + v, 7000.0, true});
    service->record_plays(plays, now);
    service->shutdown();
  }
  ServiceOptions fitted = f.profile_options();
  fitted.profiles.arithmetic.fitted = true;
  std::map<std::string, std::pair<double, bool>> first;
  {
    auto service = Service::open(fitted);
    const auto stored = ledger::load_title_viewing(f.ledger);
    ASSERT_TRUE(stored) << "measured and stored at start";
    EXPECT_GT(stored->weight.at("f3"), stored->weight.at("f1"));
    EXPECT_EQ(stored->weight.at("t2"), 0);
    service->decide(bare("fan", now));  // queues the fit; the decision does not wait
    service->wait_profiles_fitted();
    first = tastes_of(service->decide(bare("fan", now)));
    ASSERT_TRUE(first.count("actor_s")) << "no fitted tastes";
    EXPECT_TRUE(first["actor_s"].second);  // from the profile
    // f3, watched by everyone, says least about its lead (each lead has one
    // film here, so the leads of f1 and f2 stand for those films; the test
    // with leads of several films: population_test.cc).
    EXPECT_GT(first["actor_s"].first, 0);
    EXPECT_LT(first.count("actor_l3") ? first["actor_l3"].first : 0.0, first["actor_l1"].first);
    EXPECT_GE(service->stats().profiles.fits, 1u);
    service->shutdown();
  }
  {
    // A restart: rebuilt from the plays, fitted against the same stored
    // viewing: the same tastes, bit for bit.
    auto service = Service::open(fitted);
    service->decide(bare("fan", now));
    service->wait_profiles_fitted();
    EXPECT_EQ(tastes_of(service->decide(bare("fan", now))), first);

    // Everyone now watches f1 too; measured again (keyart viewer
    // population's work) and reloaded: fan is fitted again, l1 says less.
    std::vector<PlayReport> more;
    for (int v = 0; v < 30; ++v) more.push_back({"crowd" + std::to_string(v), "f1", T0 + 5 * kDay, 7000.0, true});
    service->record_plays(more, now);
    service->flush();
    store_measured_title_viewing(f.ledger, fitted.profiles.arithmetic, now);
    service->reload();
    service->decide(bare("fan", now));
    service->wait_profiles_fitted();
    const auto after = tastes_of(service->decide(bare("fan", now)));
    EXPECT_LT(after.count("actor_l1") ? after.at("actor_l1").first : 0.0, first["actor_l1"].first);
    service->shutdown();
  }
}

TEST(Profiles, BadPlaysAreRefusedOneByOne) {
  ProfileFixture f;
  auto service = Service::open(f.profile_options());
  const int64_t now = T0;
  std::vector<PlayReport> plays = {
      {"v", "f1", now - kDay, 100.0, false},            // fine
      {"v", "nope", now, std::nullopt, false},          // unknown title
      {"v", "f1", now, -5.0, false},                    // negative seconds
      {"v", "f1", now + 3'600'000, std::nullopt, false},  // an hour ahead
      {"", "f1", now, std::nullopt, false},             // no viewer
      {"v", "f2", now + 60'000, std::nullopt, true},    // a minute ahead: within the tolerance
  };
  plays.push_back({"v", "f1", std::nullopt, std::nullopt, false});  // no ts: now
  auto out = service->record_plays(plays, now);
  ASSERT_EQ(out.size(), plays.size());
  EXPECT_TRUE(out[0].accepted);
  EXPECT_EQ(out[1].reason, "unknown title 'nope'");
  EXPECT_NE(out[2].reason.find("seconds"), std::string::npos);
  EXPECT_NE(out[3].reason.find("in the future"), std::string::npos);
  EXPECT_NE(out[4].reason.find("unit_id"), std::string::npos);
  EXPECT_TRUE(out[5].accepted) << out[5].reason;
  EXPECT_TRUE(out[6].accepted);
  service->shutdown();
  EXPECT_EQ(ledger::count_plays(f.ledger), 3);
  EXPECT_EQ(service->stats().plays_refused, 4u);
}

// DELETE /v1/viewers/{unit}'s work: queued events committed first, then the
// viewer's plays and unit id gone from the ledger, its profile and its
// churn-limit entries from memory.
TEST(Profiles, ForgettingAViewerDropsItsProfileAndItsTraces) {
  ProfileFixture f;
  ServiceOptions o = f.profile_options();
  o.learner.sticky_ms = 3'600'000;
  auto service = Service::open(o);
  service->record_plays(std::vector<PlayReport>{{"leaving", "f1", T0, std::nullopt, true}}, T0);
  const DecideResult d = service->decide(bare("leaving", T0));
  EXPECT_FALSE(d.tastes.empty());
  EXPECT_TRUE(service->decide(bare("leaving", T0 + 1)).repeat);  // the churn limit holds
  // Still queued: forget_viewer commits it before rewriting.
  const Service::ForgetOutcome out = service->forget_viewer("leaving");
  EXPECT_EQ(out.exposures, 2);  // the decision and its repeat
  EXPECT_EQ(out.plays, 1);
  const DecideResult after = service->decide(bare("leaving", T0 + 2));
  EXPECT_TRUE(after.tastes.empty());
  EXPECT_FALSE(after.repeat);  // its churn-limit entry went too
  service->shutdown();
  auto row = ledger::find_exposure(f.ledger, d.event_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->unit_id.rfind("forgotten-", 0), 0u);
  EXPECT_EQ(ledger::count_plays(f.ledger), 0);
  std::string field;
  try {
    service->forget_viewer("");
  } catch (const ServiceError& e) {
    field = e.field();
  }
  EXPECT_EQ(field, "unit_id");
}

// A play reward, then a completion reward, on one decision: one viewing of
// the decision's title (counted as completed), in memory at once and in
// the ledger's plays for the next rebuild.
TEST(Profiles, PlayAndCompletionRewardsAreOneViewing) {
  ProfileFixture f;
  ServiceOptions o = f.profile_options();
  o.learner.rewards = engine::RewardDefinition::parse("click=1,play=1,completion=1");
  std::map<std::string, std::pair<double, bool>> before;
  {
    auto service = Service::open(o);
    const DecideResult d = service->decide(bare("watcher", T0));
    EXPECT_TRUE(d.tastes.empty());
    service->reward(d.event_id, "play", 1, T0 + 1000);
    // Weights decay from the decision's time (half-life 90 days).
    auto decayed = [](double w, int64_t age) { return w * std::exp2(-age / (90.0 * kDay)); };
    auto t = tastes_of(service->decide(bare("watcher", T0 + 2000)));
    const double play = decayed(0.5, 2000);
    EXPECT_NEAR(t["genre_drama"].first, play / (play + 1), 1e-12);  // a play: 0.5
    service->reward(d.event_id, "completion", 1, T0 + 3000);
    service->reward(d.event_id, "play", 1, T0 + 4000);      // repeated: nothing new
    before = tastes_of(service->decide(bare("watcher", T0 + 5000)));
    const double completed = decayed(1.0, 5000);
    EXPECT_NEAR(before["genre_drama"].first, completed / (completed + 1), 1e-12);  // 1, once
    service->shutdown();
  }
  // Every report is a row (play, completion, play again), all one key.
  EXPECT_EQ(ledger::count_plays(f.ledger), 3);
  auto service = Service::open(o);
  EXPECT_EQ(tastes_of(service->decide(bare("watcher", T0 + 5000))), before);
}

TEST(Profiles, OffByDefault) {
  ProfileFixture f;
  auto service = Service::open(f.options());
  service->record_plays(std::vector<PlayReport>{{"viewer", "f1", T0, std::nullopt, true}}, T0);
  EXPECT_TRUE(service->decide(bare("viewer", T0)).tastes.empty());
}

}  // namespace
}  // namespace keyart::serving
