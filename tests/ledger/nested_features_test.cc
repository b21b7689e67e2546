// ledger/nested_features.h: each rule of its header on a Personalizer-style
// feature list, written out by hand.
#include <gtest/gtest.h>

#include "keyart/ledger/nested_features.h"

namespace keyart::ledger {
namespace {

using json = nlohmann::json;

TEST(NestedFeatures, FlattensByTheHeadersRules) {
  json list = json::parse(R"([
    {"a": 1.5, "b": "x", "c": true, "d": false, "skip": null, "_tag": "not a feature"},
    {"ns": {"e": 2, "deeper": {"f": "y"}, "_hidden": 1}},
    {"v": [0.1, 0.2], "tags": ["red", "blue"], "objs": [{"g": 3}]},
    {"a": 7}
  ])");
  engine::NamedFeatures f;
  std::string reason;
  ASSERT_TRUE(add_nested_features(list, f, reason)) << reason;
  json want = {{"a", 7.0},        {"b", "x"},        {"c", 1.0},       {"d", 0.0},
               {"ns_e", 2.0},     {"ns_deeper_f", "y"}, {"v_0", 0.1},   {"v_1", 0.2},
               {"tags_red", 1.0}, {"tags_blue", 1.0},  {"objs_0_g", 3.0}};
  EXPECT_EQ(f.to_json(), want);
}

TEST(NestedFeatures, OneObjectOrNothingAndRefusals) {
  engine::NamedFeatures f;
  std::string reason;
  EXPECT_TRUE(add_nested_features(json::parse(R"({"x": 1})"), f, reason));
  EXPECT_TRUE(add_nested_features(json(), f, reason));
  EXPECT_EQ(f.size(), 1u);
  EXPECT_FALSE(add_nested_features(json::parse("[1]"), f, reason));
  EXPECT_EQ(reason, "features must be a list of objects");
  EXPECT_FALSE(add_nested_features(json("text"), f, reason));
}

}  // namespace
}  // namespace keyart::ledger
