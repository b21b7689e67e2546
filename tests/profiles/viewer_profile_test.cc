// ViewerProfile's arithmetic against figures worked by hand (the formula in
// keyart/profiles/viewer_profile.h and docs/PROFILES.md): weights by how much
// was watched and by role, decay by half-lives, the share normalisation with
// its prior; repeated and out-of-order reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "keyart/profiles/viewer_profile.h"
#include "profiles/profile_test_support.h"

namespace keyart::profiles {
namespace {

using testing::as_map;
using testing::kDay;
using testing::kT0;

const TitleFacts kA{{{"x", Role::kLead}, {"y", Role::kSupporting}}, {"drama"}};
const TitleFacts kB{{{"z", Role::kLead}, {"y", Role::kMinor}}, {"drama", "crime"}};

TEST(ViewerProfile, WeightsByHowMuchWasWatchedAndByRole) {
  const ProfileOptions o;
  ViewerProfile p;
  EXPECT_TRUE(p.affinities(kT0, o).empty());  // a new viewer: nothing
  p.add({.key = 1, .ts_ms = kT0, .completed = true}, kA, o);  // weight 1
  p.add({.key = 2, .ts_ms = kT0}, kB, o);                      // a play: 0.5
  // W = 1.5, so every sum is divided by 1.5 + 1 (the prior) = 2.5.
  auto m = as_map(p.affinities(kT0, o));
  EXPECT_DOUBLE_EQ(m["actor_x"], 1.0 / 2.5);
  EXPECT_DOUBLE_EQ(m["actor_y"], (1.0 * 0.6 + 0.5 * 0.3) / 2.5);  // supporting in A, minor in B
  EXPECT_DOUBLE_EQ(m["actor_z"], 0.5 / 2.5);
  EXPECT_DOUBLE_EQ(m["genre_drama"], 1.5 / 2.5);
  EXPECT_DOUBLE_EQ(m["genre_crime"], 0.5 / 2.5);
  EXPECT_EQ(m.size(), 5u);
  // A short play counts 0.1.
  ViewerProfile brief;
  brief.add({.key = 1, .ts_ms = kT0, .seconds = 60}, kA, o);
  EXPECT_DOUBLE_EQ(as_map(brief.affinities(kT0, o))["actor_x"], 0.1 / 1.1);
  ViewerProfile longer;
  longer.add({.key = 1, .ts_ms = kT0, .seconds = 3000}, kA, o);
  EXPECT_DOUBLE_EQ(as_map(longer.affinities(kT0, o))["actor_x"], 0.5 / 1.5);
}

TEST(ViewerProfile, OldViewingsFadeByHalfLives) {
  const ProfileOptions o;  // half-life 90 days
  ViewerProfile p;
  p.add({.key = 1, .ts_ms = kT0, .completed = true}, kA, o);
  p.add({.key = 2, .ts_ms = kT0 + 90 * kDay, .completed = true}, kB, o);
  // At the second viewing: A counts 0.5, B 1; W = 1.5.
  auto m = as_map(p.affinities(kT0 + 90 * kDay, o));
  EXPECT_NEAR(m["actor_x"], 0.5 / 2.5, 1e-12);
  EXPECT_NEAR(m["actor_z"], 1.0 / 2.5, 1e-12);
  // 90 days later still: 0.25 and 0.5, W = 0.75; the prior weighs more.
  m = as_map(p.affinities(kT0 + 180 * kDay, o));
  EXPECT_NEAR(m["actor_x"], 0.25 / 1.75, 1e-12);
  EXPECT_NEAR(m["actor_z"], 0.5 / 1.75, 1e-12);
  // Viewings centuries apart: the sums are rebased, nothing overflows.
  ViewerProfile far;
  far.add({.key = 1, .ts_ms = kT0, .completed = true}, kA, o);
  far.add({.key = 2, .ts_ms = kT0 + 400 * 90 * kDay, .completed = true}, kB, o);
  m = as_map(far.affinities(kT0 + 400 * 90 * kDay, o));
  EXPECT_NEAR(m["actor_z"], 0.5, 1e-12);
  EXPECT_LT(m["actor_x"], 1e-100);
}

TEST(ViewerProfile, ASupportingActorFollowedAcrossTitlesRises) {
  const ProfileOptions o;
  ViewerProfile p;
  for (int i = 0; i < 3; ++i) {
    const TitleFacts t{{{"lead" + std::to_string(i), Role::kLead}, {"s", Role::kSupporting}}, {}};
    p.add({.key = static_cast<uint64_t>(i), .ts_ms = kT0, .completed = true}, t, o);
  }
  auto m = as_map(p.affinities(kT0, o));
  EXPECT_DOUBLE_EQ(m["actor_s"], 3 * 0.6 / 4);   // 0.45
  EXPECT_DOUBLE_EQ(m["actor_lead0"], 1.0 / 4);  // 0.25
  EXPECT_GT(m["actor_s"], m["actor_lead0"]);
}

TEST(ViewerProfile, RepeatedAndOutOfOrderReportsCountOnce) {
  const ProfileOptions o;
  ViewerProfile once;
  once.add({.key = 7, .ts_ms = kT0, .completed = true}, kA, o);
  // The same play twice, then its completion: as the completion alone.
  ViewerProfile twice;
  EXPECT_TRUE(twice.add({.key = 7, .ts_ms = kT0}, kA, o));
  EXPECT_FALSE(twice.add({.key = 7, .ts_ms = kT0}, kA, o));
  EXPECT_TRUE(twice.add({.key = 7, .ts_ms = kT0 + 3'600'000, .completed = true}, kA, o));
  // The completion first, the play after: the play changes nothing.
  ViewerProfile reversed;
  EXPECT_TRUE(reversed.add({.key = 7, .ts_ms = kT0, .completed = true}, kA, o));
  EXPECT_FALSE(reversed.add({.key = 7, .ts_ms = kT0}, kA, o));
  const auto expected = as_map(once.affinities(kT0 + kDay, o));
  EXPECT_EQ(as_map(twice.affinities(kT0 + kDay, o)), expected);
  EXPECT_EQ(as_map(reversed.affinities(kT0 + kDay, o)), expected);
  EXPECT_EQ(twice.viewings(), 1u);
  // Forty viewings in time order and shuffled give the same profile.
  std::vector<Viewing> history;
  for (int i = 0; i < 40; ++i) {
    history.push_back({.key = static_cast<uint64_t>(100 + i), .ts_ms = kT0 + i * 5 * kDay,
                       .seconds = i % 3 ? std::optional<double>(100.0 * i) : std::nullopt,
                       .completed = i % 4 == 0});
  }
  ViewerProfile in_order, shuffled;
  for (size_t i = 0; i < history.size(); ++i) in_order.add(history[i], i % 2 ? kA : kB, o);
  std::vector<size_t> order(history.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  for (size_t i : order) shuffled.add(history[i], i % 2 ? kA : kB, o);
  const auto a = as_map(in_order.affinities(kT0 + 400 * kDay, o));
  const auto b = as_map(shuffled.affinities(kT0 + 400 * kDay, o));
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [feature, value] : a) EXPECT_NEAR(b.at(feature), value, 1e-12) << feature;
  EXPECT_GT(in_order.memory_bytes(), once.memory_bytes());
}

// A decision is given the strongest tastes only: at most max_actors actors
// and max_genres genres, strongest first, with the values affinities() has.
TEST(ViewerProfile, ADecisionGetsTheStrongestTastes) {
  ProfileOptions o;
  o.max_actors = 2;
  o.max_genres = 1;
  ViewerProfile p;
  p.add({.key = 1, .ts_ms = kT0, .completed = true}, kA, o);  // x lead, y supporting, drama
  p.add({.key = 2, .ts_ms = kT0}, kB, o);                      // z lead, y minor, drama, crime
  std::vector<std::pair<std::string, double>> given;
  p.for_each_taste(kT0 + kDay, o, [&](std::string_view f, double v) { given.emplace_back(f, v); });
  const auto all = as_map(p.affinities(kT0 + kDay, o));
  // actor_x 1, actor_y 0.75, actor_z 0.5 (before the common factor); drama 1.5, crime 0.5.
  ASSERT_EQ(given.size(), 3u);
  EXPECT_EQ(given[0].first, "actor_x");
  EXPECT_EQ(given[1].first, "actor_y");
  EXPECT_EQ(given[2].first, "genre_drama");
  for (const auto& [f, v] : given) EXPECT_DOUBLE_EQ(v, all.at(f)) << f;
  // A new viewing re-ranks: z completes twice more and passes y.
  p.add({.key = 3, .ts_ms = kT0, .completed = true}, kB, o);
  given.clear();
  p.for_each_taste(kT0, o, [&](std::string_view f, double v) { given.emplace_back(f, v); });
  EXPECT_EQ(given[0].first, "actor_z");  // 1.5 against x 1 and y 1.05
  EXPECT_EQ(given[1].first, "actor_y");
}

TEST(ViewerProfile, RolesByName) {
  EXPECT_EQ(parse_role("lead"), Role::kLead);
  EXPECT_EQ(parse_role("supporting"), Role::kSupporting);
  EXPECT_EQ(parse_role("minor"), Role::kMinor);
  EXPECT_FALSE(parse_role("Lead"));
}

}  // namespace
}  // namespace keyart::profiles
