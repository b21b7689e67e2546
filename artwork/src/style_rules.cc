#include "keyart/artwork/style_rules.h"

namespace keyart::artwork {

namespace {
constexpr double kCloseupArea = 0.06;
constexpr double kGroupArea = 0.05;
constexpr double kTextHeavyArea = 0.04;
constexpr double kDark = 0.25;
constexpr double kBright = 0.72;
}  // namespace

const std::vector<std::string>& style_names() {
  static const std::vector<std::string> names = {"closeup",    "group", "landscape",
                                                 "text_heavy", "dark",  "bright"};
  return names;
}

std::string classify_style(const StyleInputs& in) {
  if (in.dominant_face_area >= kCloseupArea) return "closeup";
  if (in.n_faces >= 2 && in.face_area >= kGroupArea) return "group";
  if (in.text_area >= kTextHeavyArea) return "text_heavy";
  if (in.brightness < kDark) return "dark";
  if (in.brightness > kBright) return "bright";
  if (in.n_faces == 1 && in.largest_face_area >= kCloseupArea) return "closeup";
  return "landscape";
}

}  // namespace keyart::artwork
