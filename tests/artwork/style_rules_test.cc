// The documented style rules (style_rules.h), one case per rule and its edges,
// and the styles the extractor gives the labelled posters.
#include <gtest/gtest.h>

#include "artwork_data.h"
#include "keyart/artwork/style_rules.h"

namespace keyart::testing {
namespace {

using artwork::StyleInputs;

TEST(StyleRules, FirstMatchingRuleWins) {
  auto style = [](StyleInputs in) { return artwork::classify_style(in); };
  EXPECT_EQ(style({.n_faces = 1, .face_area = 0.2, .dominant_face_area = 0.2, .largest_face_area = 0.2,
                   .text_area = 0.3, .brightness = 0.1}),
            "closeup");  // a dominant face beats text and darkness
  EXPECT_EQ(style({.n_faces = 3, .face_area = 0.05, .largest_face_area = 0.02, .text_area = 0.3}),
            "group");
  EXPECT_EQ(style({.n_faces = 3, .face_area = 0.049, .largest_face_area = 0.02, .text_area = 0.3,
                   .brightness = 0.5}),
            "text_heavy");
  EXPECT_EQ(style({.text_area = 0.04, .brightness = 0.1}), "text_heavy");
  EXPECT_EQ(style({.text_area = 0.039, .brightness = 0.249}), "dark");
  EXPECT_EQ(style({.brightness = 0.25}), "landscape");
  EXPECT_EQ(style({.brightness = 0.721}), "bright");
  EXPECT_EQ(style({.n_faces = 1, .face_area = 0.06, .largest_face_area = 0.06, .brightness = 0.5}),
            "closeup");
  EXPECT_EQ(style({.n_faces = 1, .face_area = 0.059, .largest_face_area = 0.059, .brightness = 0.5}),
            "landscape");
  EXPECT_EQ(artwork::style_names().size(), 6u);
}

TEST(StyleRules, LabelledPosters) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"posters/p01_two_leads.jpg", "closeup"},      {"posters/p02_ensemble3.jpg", "closeup"},
      {"posters/p03_lineup4.jpg", "group"},          {"posters/p04_single_portrait.jpg", "closeup"},
      {"posters/p06_small_faces.jpg", "text_heavy"}, {"posters/p07_montage_london.jpg", "group"},
      {"negatives/n04_hubble_deep_field.jpg", "dark"},
  };
  for (const auto& [name, want] : cases) {
    EXPECT_EQ(shared_extractor().extract(read_bytes(artwork_data() / name)).arm.style, want) << name;
  }
}

}  // namespace
}  // namespace keyart::testing
