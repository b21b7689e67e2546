// Sticky assignment: fixed hash values (computed independently, see below),
// exact stickiness, and arm shares within binomial tolerance over many units.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "keyart/ledger/assignment.h"

namespace keyart::ledger {
namespace {

// Reference values from an independent Python implementation of FNV-1a 64
// (offset 0xcbf29ce484222325, prime 0x100000001b3) over salt + "\0" + unit,
// followed by MurmurHash3's fmix64.
TEST(Assignment, HashMatchesReferenceValues) {
  EXPECT_EQ(assignment_hash("salt", "user-1"), 0x9d01974aa67e107bull);
  EXPECT_EQ(assignment_hash("", ""), 0xb9034ad37056f5fbull);
  EXPECT_EQ(assignment_hash("e1", "42"), 0x42ffb89752e3c5e9ull);
  EXPECT_DOUBLE_EQ(assignment_point("salt", "user-1"), 0.6133055264713152);
}

TEST(Assignment, SaltAndUnitAreNotConcatenatedAmbiguously) {
  EXPECT_NE(assignment_hash("ab", "c"), assignment_hash("a", "bc"));
}

TEST(Assignment, ArmForPointUsesCumulativeShares) {
  std::vector<double> shares = {0.2, 0.3, 0.5};
  EXPECT_EQ(arm_for_point(shares, 0.0), 0u);
  EXPECT_EQ(arm_for_point(shares, 0.1999), 0u);
  EXPECT_EQ(arm_for_point(shares, 0.2), 1u);
  EXPECT_EQ(arm_for_point(shares, 0.4999), 1u);
  EXPECT_EQ(arm_for_point(shares, 0.5), 2u);
  EXPECT_EQ(arm_for_point(shares, 0.999999), 2u);
}

TEST(Assignment, StickyForEveryUnit) {
  std::vector<double> shares = {0.5, 0.5};
  for (int u = 0; u < 10000; ++u) {
    std::string unit = "unit-" + std::to_string(u);
    size_t first = assign_arm("salt-a", unit, shares);
    for (int again = 0; again < 3; ++again) ASSERT_EQ(assign_arm("salt-a", unit, shares), first);
  }
}

TEST(Assignment, SharesWithinBinomialTolerance) {
  const std::vector<double> shares = {0.1, 0.2, 0.3, 0.4};
  const int n = 200000;
  std::vector<int> counts(shares.size());
  for (int u = 0; u < n; ++u) ++counts[assign_arm("exp-7", "viewer" + std::to_string(u), shares)];
  for (size_t a = 0; a < shares.size(); ++a) {
    double expected = n * shares[a];
    double sd = std::sqrt(n * shares[a] * (1 - shares[a]));
    // 4.5 standard deviations: a false alarm about once in 150,000 runs.
    EXPECT_LT(std::abs(counts[a] - expected), 4.5 * sd)
        << "arm " << a << " got " << counts[a] << " of " << n;
  }
}

TEST(Assignment, DifferentSaltsAreIndependent) {
  // Units in arm 0 under one salt split about evenly under another.
  const std::vector<double> half = {0.5, 0.5};
  int both = 0, first = 0;
  for (int u = 0; u < 100000; ++u) {
    std::string unit = std::to_string(u);
    if (assign_arm("s1", unit, half) == 0) {
      ++first;
      both += assign_arm("s2", unit, half) == 0 ? 1 : 0;
    }
  }
  double p = static_cast<double>(both) / first;
  EXPECT_NEAR(p, 0.5, 4.5 * std::sqrt(0.25 / first));
}

}  // namespace
}  // namespace keyart::ledger
