// Policy specs: clear errors for bad ones, canonical specs round-trip.
#include <gtest/gtest.h>

#include "keyart/engine/policy.h"

namespace keyart::engine {
namespace {

std::string error_of(const std::string& spec) {
  try {
    make_policy(spec);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(PolicySpec, RejectsBadSpecsWithClearMessages) {
  EXPECT_NE(error_of("foo:alpha=1").find("unknown policy 'foo'"), std::string::npos);
  EXPECT_NE(error_of("foo:alpha=1").find("known: fixed, uniform"), std::string::npos);
  EXPECT_NE(error_of("linucb:beta=1").find("unknown parameter 'beta' for policy 'linucb'"),
            std::string::npos);
  EXPECT_NE(error_of("linucb:alpha=-1").find("alpha must be >= 0 (got -1)"), std::string::npos);
  EXPECT_NE(error_of("hybrid-linucb:floor=1").find("floor must be in [0, 1) (got 1)"),
            std::string::npos);
  EXPECT_NE(error_of("lints:floor=-0.1").find("floor must be in [0, 1)"), std::string::npos);
  EXPECT_NE(error_of("linucb:alpha=abc").find("alpha='abc' is not a number"), std::string::npos);
  EXPECT_NE(error_of("fixed").find("needs a variant"), std::string::npos);
  EXPECT_NE(error_of("linucb:alpha").find("must be key=value"), std::string::npos);
  EXPECT_NE(error_of("linucb:alpha=1,alpha=2").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("").find("empty policy spec"), std::string::npos);
  EXPECT_NE(error_of("lints:dim=2").find("dim must be in [4, 4096]"), std::string::npos);
  EXPECT_NE(error_of("lints:cross=country").find("context*variant"), std::string::npos);
  // SpecError is an invalid_argument.
  EXPECT_THROW(make_policy("uniform:x=1"), std::invalid_argument);
}

TEST(PolicySpec, CanonicalSpecsRoundTrip) {
  for (const char* spec : {"fixed:t1_v2", "fixed:default", "uniform", "epsilon-greedy",
                           "beta-ts:a=2", "linucb:alpha=1.0", "hybrid-linucb:cross=country*color",
                           "lints:v=0.05,arm=1"}) {
    auto p = make_policy(spec);
    EXPECT_EQ(make_policy(p->spec())->spec(), p->spec()) << spec;
  }
  EXPECT_EQ(make_policy("fixed:default")->floor(), 0.0);
  EXPECT_EQ(make_policy("linucb")->floor(), 0.01);
  EXPECT_EQ(make_policy("linucb:alpha=1.0")->spec().rfind("linucb:alpha=1,", 0), 0u);
}

}  // namespace
}  // namespace keyart::engine
