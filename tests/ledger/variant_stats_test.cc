// variant_click_counts: exposures and clicked exposures per variant of one
// title, counted by hand for a small event log.
#include <gtest/gtest.h>

#include "support/ledger_fixture.h"
#include "keyart/ledger/variant_stats.h"

namespace keyart::ledger {
namespace {

using testing::hex_id;
using testing::LedgerFixture;

TEST(VariantStats, CountsExposuresAndClickedExposuresPerVariant) {
  LedgerFixture f;
  f.add_title("t1", 3);
  f.add_title("t2", 1);
  // t1-v1 shown 4 times (events 0-3), t1-v2 3 times (4-6), t1-v3 once (7); t2-v1 twice (8-9).
  std::vector<Exposure> exposures;
  for (int i = 0; i < 10; ++i) {
    std::string variant = i < 4 ? "t1-v1" : i < 7 ? "t1-v2" : i == 7 ? "t1-v3" : "t2-v1";
    exposures.push_back(LedgerFixture::exposure(hex_id(i), i < 8 ? "t1" : "t2", variant));
  }
  std::vector<Reward> rewards = {
      {hex_id(0), "click", 1, 1}, {hex_id(0), "play", 1, 2},  // one clicked exposure, two rewards
      {hex_id(2), "click", 1, 3},                             // v1: 2 of 4 clicked
      {hex_id(4), "click", 0, 4},                             // value 0: not a click
      {hex_id(7), "play", 1, 5},                              // another kind: not a click
      {hex_id(8), "click", 1, 6},                             // another title
  };
  auto result = EventWriter(f.ledger).write(exposures, rewards);
  ASSERT_TRUE(result.rejected.empty());

  auto counts = variant_click_counts(f.ledger, "t1");
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].variant_id, "t1-v1");
  EXPECT_EQ(counts[0].exposures, 4);
  EXPECT_EQ(counts[0].clicks, 2);
  EXPECT_EQ(counts[1].variant_id, "t1-v2");
  EXPECT_EQ(counts[1].exposures, 3);
  EXPECT_EQ(counts[1].clicks, 0);
  EXPECT_EQ(counts[2].exposures, 1);
  EXPECT_EQ(counts[2].clicks, 0);
  auto plays = variant_click_counts(f.ledger, "t1", "play");
  EXPECT_EQ(plays[0].clicks, 1);
  EXPECT_EQ(plays[2].clicks, 1);
  EXPECT_TRUE(variant_click_counts(f.ledger, "t-none").empty());
}

}  // namespace
}  // namespace keyart::ledger
