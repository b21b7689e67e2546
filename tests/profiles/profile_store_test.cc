// ProfileStore: a bounded set of profiles, the least recently used evicted
// and rebuilt by the loader on its next use (exactly with a capacity below
// 8; within capacity/8 lookups above), never lost.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "keyart/profiles/profile_store.h"
#include "profiles/profile_test_support.h"

namespace keyart::profiles {
namespace {

using testing::kT0;
const TitleFacts kTitle{{{"x", Role::kLead}}, {"drama"}};

// A store whose loader gives each viewer one stored viewing and counts the
// loads by viewer.
struct CountingStore {
  explicit CountingStore(size_t capacity)
      : store(capacity, ProfileOptions{}, [this](const std::string& unit, ViewerProfile& p) {
          ++loads[unit];
          p.add({.key = 1, .ts_ms = kT0, .completed = true}, kTitle, ProfileOptions{});
        }) {}
  void use(const std::string& unit) { ASSERT_FALSE(store.affinities(unit, kT0).empty()); }
  std::map<std::string, int> loads;
  ProfileStore store;
};

TEST(ProfileStore, TheLeastRecentlyUsedIsEvictedAndRebuiltOnItsNextUse) {
  CountingStore s(4);
  for (const char* unit : {"a", "b", "c", "d"}) s.use(unit);
  s.use("a");  // a is now the most recent; b the least
  s.use("e");  // evicts b
  EXPECT_EQ(s.store.stats().viewers, 4u);
  EXPECT_EQ(s.store.stats().evictions, 1u);
  s.use("a");
  s.use("c");
  s.use("d");
  s.use("e");
  EXPECT_EQ(s.loads["a"], 1);  // never evicted: no second load
  s.use("b");                  // rebuilt, evicting a (least recent now)
  EXPECT_EQ(s.loads["b"], 2);
  s.use("a");
  EXPECT_EQ(s.loads["a"], 2);
  EXPECT_EQ(s.store.stats().loads, 7u);
}

TEST(ProfileStore, AViewerUsedWithinTheWindowStaysWhileOthersComeAndGo) {
  // 64 viewers: recency kept within 8 lookups. "hot" is used every fourth
  // lookup while 200 others stream through; it is never evicted.
  CountingStore s(64);
  for (int i = 0; i < 200; ++i) {
    if (i % 4 == 0) s.use("hot");
    s.use("v" + std::to_string(i));
  }
  EXPECT_EQ(s.loads["hot"], 1);
  EXPECT_EQ(s.store.stats().viewers, 64u);
  EXPECT_EQ(s.store.stats().evictions, 200u + 1 - 64);
  // The stream's first viewers are gone and come back by a load.
  s.use("v0");
  EXPECT_EQ(s.loads["v0"], 2);
}

// The window's edge, capacity 64 (window 8): a viewer used again within 8
// lookups of its last move keeps its place, so it is the one evicted once
// 64 newer viewers are in; used again after 9, it moves to the front and
// another is evicted.
TEST(ProfileStore, RecencyIsKeptToWithinAnEighthOfTheCapacity) {
  for (const int again_at : {9, 10}) {
    CountingStore s(64);
    s.use("x");  // lookup 1
    for (int i = 0; i < again_at - 2; ++i) s.use("o" + std::to_string(i));
    s.use("x");  // lookup again_at: 8 or 9 lookups after its move
    for (int i = again_at - 2; i < 64; ++i) s.use("o" + std::to_string(i));
    s.use("x");
    if (again_at == 9) {
      EXPECT_EQ(s.loads["x"], 2) << "not moved, so evicted as the oldest";
      EXPECT_EQ(s.loads["o0"], 1);
    } else {
      EXPECT_EQ(s.loads["x"], 1) << "moved, so it stayed";
      EXPECT_EQ(s.store.stats().evictions, 1u);  // o0 went instead
    }
  }
}

}  // namespace
}  // namespace keyart::profiles

namespace keyart::profiles {
namespace {

// Fitted profiles: the store's fitter gives a viewer the tastes
// Population::fit makes of its profile, fits again after a viewing or a new
// population, and a viewer rebuilt by the loader gets the same tastes.
struct FittedStore : ::testing::Test {
  FittedStore() {
    options.fitted = true;
    for (int i = 0; i < 12; ++i) {
      const std::string id = "t" + std::to_string(i);
      titles[id] = {{{"a" + std::to_string(i % 4), Role::kLead}, {"s", i < 3 ? Role::kSupporting : Role::kMinor}},
                    {i % 2 ? "drama" : "comedy"},
                    id};
      everyone[id] = 5 + i;
    }
  }
  // The viewer's stored viewings, as the ledger would hold them.
  void stored(ViewerProfile& p, int n) const {
    for (int i = 0; i < n; ++i) {
      p.add({.key = static_cast<uint64_t>(i + 1), .ts_ms = kT0 + i, .completed = i % 3 != 0},
            titles.at("t" + std::to_string(i % 3)), options);
    }
  }
  std::map<std::string, double> tastes(ProfileStore& store, const std::string& unit) const {
    std::map<std::string, double> out;
    store.for_each_taste(unit, kT0, [&](std::string_view f, double v) { out.emplace(f, v); });
    return out;
  }
  std::map<std::string, double> expected(const ViewerProfile& p, const Population& population) const {
    ViewerProfile copy = p;
    copy.set_fitted(population.fit(p, options), options);
    std::map<std::string, double> out;
    copy.for_each_taste(kT0, options, [&](std::string_view f, double v) { out.emplace(f, v); });
    return out;
  }
  ProfileOptions options;
  std::unordered_map<std::string, TitleFacts> titles;
  std::unordered_map<std::string, double> everyone;
};

TEST_F(FittedStore, AViewerGetsTheTastesFittedToItsViewingAndAgainAfterEachChange) {
  ProfileStore store(16, options, [&](const std::string& unit, ViewerProfile& p) {
    if (unit == "old") stored(p, 6);
  });
  auto population = std::make_shared<const Population>(titles, everyone, options);
  EXPECT_TRUE(tastes(store, "old").empty());  // no population yet: nothing fitted
  store.set_population(population);
  tastes(store, "old");  // queued for a fit; the decision does not wait
  store.wait_fitted();
  ViewerProfile reference;
  stored(reference, 6);
  const auto fitted = tastes(store, "old");
  ASSERT_FALSE(fitted.empty());
  EXPECT_EQ(fitted, expected(reference, *population));
  EXPECT_GT(fitted.at("actor_s"), 0);

  // A new viewing: fitted again.
  const Viewing more{.key = 99, .ts_ms = kT0 + 50, .completed = true};
  ASSERT_TRUE(store.add("old", more, titles.at("t7")));
  store.wait_fitted();
  reference.add(more, titles.at("t7"), options);
  EXPECT_EQ(tastes(store, "old"), expected(reference, *population));
  EXPECT_NE(tastes(store, "old"), fitted);

  // Another population: each viewer fitted again as it is used.
  everyone["t7"] = 500;  // t7 now popular: watching it says less
  auto other = std::make_shared<const Population>(titles, everyone, options);
  store.set_population(other);
  tastes(store, "old");
  store.wait_fitted();
  EXPECT_EQ(tastes(store, "old"), expected(reference, *other));
  EXPECT_GE(store.stats().fits, 3u);
  EXPECT_EQ(store.stats().fit_queue, 0u);

  // A new viewer: nothing to fit, no tastes, no queue.
  EXPECT_TRUE(tastes(store, "new").empty());
  EXPECT_EQ(store.stats().fit_queue, 0u);
}

TEST_F(FittedStore, AViewerEvictedAndRebuiltGetsTheSameTastes) {
  ProfileStore store(1, options, [&](const std::string& unit, ViewerProfile& p) {
    if (unit != "other") stored(p, 9);
  });
  store.set_population(std::make_shared<const Population>(titles, everyone, options));
  tastes(store, "v");
  store.wait_fitted();
  const auto before = tastes(store, "v");
  ASSERT_FALSE(before.empty());
  tastes(store, "other");  // evicts v
  EXPECT_EQ(store.stats().evictions, 1u);
  EXPECT_TRUE(tastes(store, "v").empty());  // rebuilt, not fitted yet
  store.wait_fitted();
  EXPECT_EQ(tastes(store, "v"), before);
}

}  // namespace
}  // namespace keyart::profiles
