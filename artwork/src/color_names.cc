#include "keyart/artwork/color_names.h"

#include <cmath>
#include <numbers>

namespace keyart::artwork {

const std::vector<std::string>& color_bucket_names() {
  static const std::vector<std::string> names = {"red",    "orange", "yellow", "green",
                                                 "blue",   "purple", "black",  "white"};
  return names;
}

std::string color_bucket(double L, double a, double b) {
  double chroma = std::hypot(a, b);
  if (L < 20) return "black";
  if (chroma < 12) return L < 50 ? "black" : "white";
  if (L > 92 && chroma < 20) return "white";
  double hue = std::atan2(b, a) * 180.0 / std::numbers::pi;
  if (hue < 0) hue += 360.0;
  if (hue >= 350 || hue < 50) return "red";
  if (hue < 80) return "orange";
  if (hue < 115) return "yellow";
  if (hue < 190) return "green";
  if (hue < 310) return "blue";
  return "purple";
}

}  // namespace keyart::artwork
