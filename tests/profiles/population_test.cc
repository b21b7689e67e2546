// Population::fit against tastes worked out by hand (the model in
// keyart/profiles/population.h): with one feature the fitted taste has a
// closed form (the log of an odds ratio, moved by the L1 penalty and the
// prior); a viewer who watches as everyone does gets no tastes; the actor a
// viewer follows in supporting roles is fitted above the leads; the fit does
// not depend on the viewing's age or on the order titles are given in.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "keyart/profiles/population.h"
#include "profiles/profile_test_support.h"

namespace keyart::profiles {
namespace {

using testing::as_map;
using testing::kDay;
using testing::kT0;

TitleFacts title(std::string id, std::vector<std::pair<std::string, Role>> cast,
                 std::vector<std::string> genres) {
  return {std::move(cast), std::move(genres), std::move(id)};
}

// Converged: enough steps that the answer is the optimum to 1e-9.
ProfileOptions converged(double l1, double prior) {
  ProfileOptions o;
  o.fitted = true;
  o.fit_l1 = l1;
  o.prior_weight = prior;
  o.fit_steps = 20000;
  return o;
}

void watch(ViewerProfile& p, const TitleFacts& t, int times, const ProfileOptions& o, int64_t ts = kT0) {
  static uint64_t key = 0;
  for (int i = 0; i < times; ++i) p.add({.key = ++key, .ts_ms = ts, .completed = true}, t, o);
}

// Two titles: A of genre g, B of none. Everyone's viewing: A 1, B 3, so
// the shares (each plus one) are 2/6 and 4/6. The viewer watched A three
// times and B once. The optimum has p(A) = target(A) - l1, so
// exp(taste) = p(A) / (1 - p(A)) * share(B) / share(A).
struct OneFeature : ::testing::Test {
  const TitleFacts a = title("A", {}, {"g"});
  const TitleFacts b = title("B", {}, {});
  std::unordered_map<std::string, TitleFacts> titles{{"A", a}, {"B", b}};
  std::unordered_map<std::string, double> everyone{{"A", 1}, {"B", 3}};
};

TEST_F(OneFeature, TheTasteIsTheLogOfTheOddsAgainstThePopulation) {
  const ProfileOptions o = converged(0, 0);
  ViewerProfile p;
  watch(p, a, 3, o);
  watch(p, b, 1, o);
  const auto m = as_map(Population(titles, everyone, o).fit(p, o));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NEAR(m.at("genre_g"), std::log(3.0 * 2.0), 1e-9);  // p(A) = 3/4: odds 3, times 4/6 over 2/6
}

TEST_F(OneFeature, TheL1PenaltyLowersTheTargetShare) {
  const ProfileOptions o = converged(0.05, 0);
  ViewerProfile p;
  watch(p, a, 3, o);
  watch(p, b, 1, o);
  // p(A) = 0.75 - 0.05 = 0.7: odds 7/3.
  EXPECT_NEAR(as_map(Population(titles, everyone, o).fit(p, o)).at("genre_g"), std::log(7.0 / 3.0 * 2.0), 1e-9);
}

TEST_F(OneFeature, ThePriorAddsViewingSpreadAsThePopulations) {
  const ProfileOptions o = converged(0, 1);
  ViewerProfile p;
  watch(p, a, 3, o);
  watch(p, b, 1, o);
  // target(A) = (3 + 1 * 2/6) / (4 + 1) = 2/3: odds 2.
  EXPECT_NEAR(as_map(Population(titles, everyone, o).fit(p, o)).at("genre_g"), std::log(2.0 * 2.0), 1e-9);
}

TEST_F(OneFeature, ViewingLikeEveryonesGivesNoTastes) {
  const ProfileOptions o = converged(0.002, 1);
  ViewerProfile p;
  watch(p, a, 2, o);  // 2 : 4, the population's shares
  watch(p, b, 4, o);
  EXPECT_TRUE(Population(titles, everyone, o).fit(p, o).empty());
  EXPECT_TRUE(Population(titles, everyone, o).fit(ViewerProfile(), o).empty());  // no viewing
}

TEST_F(OneFeature, TitlesThePopulationDoesNotKnowAreLeftOut) {
  const ProfileOptions o = converged(0, 0);
  ViewerProfile p, q;
  watch(p, a, 3, o);
  watch(p, b, 1, o);
  watch(q, a, 3, o);
  watch(q, b, 1, o);
  watch(q, title("C", {{"x", Role::kLead}}, {"g"}), 5, o);
  const Population population(titles, everyone, o);
  EXPECT_EQ(as_map(population.fit(q, o)), as_map(population.fit(p, o)));
}

TEST_F(OneFeature, TheFitDoesNotChangeWithTheViewingsAge) {
  const ProfileOptions o = converged(0.002, 1);
  ViewerProfile now, year_later;
  for (int d = 0; d < 3; ++d) {
    watch(now, a, 1, o, kT0 + d * 40 * kDay);
    watch(year_later, a, 1, o, kT0 + (365 + d * 40) * kDay);
  }
  watch(now, b, 1, o, kT0 + 100 * kDay);
  watch(year_later, b, 1, o, kT0 + 465 * kDay);
  const Population population(titles, everyone, o);
  EXPECT_NEAR(as_map(population.fit(now, o)).at("genre_g"), as_map(population.fit(year_later, o)).at("genre_g"),
              1e-12);
}

// A viewer who watched three titles, each with a different lead and the
// same supporting actor s, among a catalogue where s has other titles
// nobody in particular watches: the fit credits s, and the three leads, each
// explained by s, get less. (A share of viewing gives each lead 1 and s 0.6
// a title.)
TEST(Population, TheSupportingActorFollowedAcrossTitlesIsFittedAboveTheLeads) {
  ProfileOptions o;
  o.fitted = true;
  std::unordered_map<std::string, TitleFacts> titles;
  std::unordered_map<std::string, double> everyone;
  for (int i = 0; i < 3; ++i) {
    const std::string id = "watched" + std::to_string(i);
    titles[id] = title(id, {{"lead" + std::to_string(i), Role::kLead}, {"s", Role::kSupporting}}, {"drama"});
    const std::string other = "other" + std::to_string(i);  // the lead's other title
    titles[other] = title(other, {{"lead" + std::to_string(i), Role::kLead}}, {"drama"});
  }
  for (int i = 0; i < 20; ++i) {
    const std::string id = "filler" + std::to_string(i);
    titles[id] = title(id, {{"f" + std::to_string(i), Role::kLead}}, {i % 2 ? "drama" : "comedy"});
  }
  for (const auto& [id, facts] : titles) everyone[id] = 10;
  const Population population(titles, everyone, o);
  ViewerProfile p;
  for (int i = 0; i < 3; ++i) watch(p, titles.at("watched" + std::to_string(i)), 2, o);
  watch(p, titles.at("filler3"), 1, o);
  const auto fitted = population.fit(p, o);
  p.set_fitted(fitted, o);
  std::vector<std::pair<std::string, double>> given;
  p.for_each_taste(kT0, o, [&](std::string_view f, double v) { given.emplace_back(f, v); });
  ASSERT_FALSE(given.empty());
  EXPECT_EQ(given[0].first, "actor_s");  // the strongest actor
  auto m = as_map(fitted);
  for (int i = 0; i < 3; ++i) EXPECT_LT(m["actor_lead" + std::to_string(i)], m.at("actor_s") / 2) << i;
  EXPECT_FALSE(p.fit_stale());
  watch(p, titles.at("filler5"), 1, o);
  EXPECT_TRUE(p.fit_stale());
}

TEST(Population, TheSameTitlesInAnotherOrderGiveTheSameTastesBitForBit) {
  ProfileOptions o;
  o.fitted = true;
  std::vector<std::pair<std::string, TitleFacts>> list;
  for (int i = 0; i < 30; ++i) {
    const std::string id = "t" + std::to_string(i);
    list.emplace_back(id, title(id, {{"a" + std::to_string(i % 7), Role::kLead}, {"a" + std::to_string(i % 5), Role::kMinor}},
                                {"g" + std::to_string(i % 4)}));
  }
  std::unordered_map<std::string, TitleFacts> forward, backward;
  std::unordered_map<std::string, double> everyone;
  for (size_t i = 0; i < list.size(); ++i) {
    forward.insert(list[i]);
    everyone[list[i].first] = static_cast<double>(i % 6);
  }
  backward.reserve(97);  // another bucket count, another iteration order
  for (size_t i = list.size(); i-- > 0;) backward.insert(list[i]);
  ViewerProfile p;
  for (int i = 0; i < 30; i += 3) watch(p, list[static_cast<size_t>(i)].second, 1 + i % 2, o);
  const auto one = Population(forward, everyone, o).fit(p, o);
  const auto two = Population(backward, everyone, o).fit(p, o);
  ASSERT_EQ(one.size(), two.size());
  ASSERT_FALSE(one.empty());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].feature, two[i].feature);
    EXPECT_EQ(one[i].value, two[i].value);
  }
}

}  // namespace
}  // namespace keyart::profiles
