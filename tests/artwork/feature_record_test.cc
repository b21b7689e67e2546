// The feature record's JSON form round-trips, the bandit vector has one named
// entry per feature, and the arm features have exactly the workload's keys.
#include <gtest/gtest.h>

#include <set>

#include "artwork_data.h"

namespace keyart::testing {
namespace {

TEST(FeatureRecord, JsonRoundTripOfARealExtraction) {
  auto gallery = people_gallery();
  auto r = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p05_collage5.jpg"), &gallery);
  ASSERT_FALSE(r.faces.empty());
  ASSERT_FALSE(r.fingerprint.points.empty());
  nlohmann::json j = artwork::to_json(r);
  auto back = artwork::record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(artwork::to_json(back), j);
  EXPECT_EQ(back.faces.size(), r.faces.size());
  EXPECT_EQ(back.faces[0].actor_id, r.faces[0].actor_id);
  EXPECT_EQ(back.fingerprint.phash, r.fingerprint.phash);
  EXPECT_EQ(back.fingerprint.descriptors, r.fingerprint.descriptors);
  EXPECT_EQ(artwork::feature_vector(back), artwork::feature_vector(r));
  EXPECT_EQ(j.at("extractor_version"), artwork::kExtractorVersion);
}

TEST(FeatureRecord, RefusesOtherVersionsAndMalformedRecords) {
  auto r = shared_extractor().extract(read_bytes(artwork_data() / "negatives" / "n06_brick.jpg"));
  nlohmann::json j = artwork::to_json(r);
  j["extractor_version"] = "keyart-artwork/0";
  EXPECT_THROW(artwork::record_from_json(j), std::invalid_argument);
  j = artwork::to_json(r);
  j.erase("look");
  EXPECT_THROW(artwork::record_from_json(j), std::invalid_argument);
}

TEST(FeatureRecord, VectorHasOneNamedEntryPerFeature) {
  auto r = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p01_two_leads.jpg"));
  auto v = artwork::feature_vector(r);
  const auto& names = artwork::feature_vector_names();
  ASSERT_EQ(v.size(), names.size());
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_GE(v[i], -1.0) << names[i];
    EXPECT_LE(v[i], 1.0) << names[i];
  }
  auto at = [&](const std::string& name) {
    return v[static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin())];
  };
  EXPECT_EQ(at("faces_present"), 1.0);
  EXPECT_DOUBLE_EQ(at("n_faces_div10"), 0.2);
  EXPECT_EQ(at("style_" + r.arm.style), 1.0);
  EXPECT_EQ(at("color_" + r.arm.color), 1.0);
  EXPECT_DOUBLE_EQ(at("brightness"), r.look.brightness);
}

TEST(FeatureRecord, ArmFeaturesHaveTheWorkloadKeysAndRanges) {
  auto r = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p04_single_portrait.jpg"));
  nlohmann::json arm = artwork::to_json(r).at("arm_features");
  std::set<std::string> keys;
  for (const auto& [k, v] : arm.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"featured_actor", "style", "color", "brightness", "n_faces",
                                         "face_area", "text_area", "colorfulness"}));
  for (const char* k : {"brightness", "face_area", "text_area", "colorfulness"}) {
    EXPECT_GE(arm.at(k).get<double>(), 0.0) << k;
    EXPECT_LE(arm.at(k).get<double>(), 1.0) << k;
  }
  EXPECT_TRUE(arm.at("n_faces").is_number_integer());
  const std::set<std::string> colors = {"red", "orange", "yellow", "green", "blue", "purple", "black", "white"};
  EXPECT_TRUE(colors.count(arm.at("color").get<std::string>()));
  EXPECT_EQ(arm.at("featured_actor"), "none");  // no cast given
}

}  // namespace
}  // namespace keyart::testing
