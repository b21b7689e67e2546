// ProfileStore: a bounded set of profiles, the least recently used evicted
// and rebuilt by the loader on its next use (exactly with a capacity below
// 8; within capacity/8 lookups above), never lost.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "keyart/profiles/profile_store.h"

namespace keyart::profiles {
namespace {

constexpr int64_t kT0 = 1'750'000'000'000;
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
