// The HTML report's line chart (analysis/src/svg.h): with clip_bands, a band
// far wider on one day than on the others no longer sets the axis; it is
// drawn to the axis's edge and the chart says so. Without it, the axis
// covers every band.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "svg.h"

namespace keyart::analysis {
namespace {

// The y coordinate of every polygon point, and the tick labels.
std::vector<double> polygon_ys(const std::string& svg) {
  std::vector<double> ys;
  std::regex points("points=\"([^\"]*)\"");
  for (auto m = std::sregex_iterator(svg.begin(), svg.end(), points); m != std::sregex_iterator(); ++m) {
    std::regex pair(",([-0-9.]+)");
    const std::string list = (*m)[1];
    for (auto p = std::sregex_iterator(list.begin(), list.end(), pair); p != std::sregex_iterator(); ++p) {
      ys.push_back(std::stod((*p)[1]));
    }
  }
  return ys;
}

std::vector<Series> lift_with_a_wide_first_day() {
  Series s{.name = "treatment", .colour = "#000"};
  for (int d = 0; d < 10; ++d) {
    s.y.push_back(0.05 + 0.001 * d);
    const double half = d == 0 ? 3.0 : 0.02;  // the first day: +-300 %
    s.lo.push_back(s.y.back() - half);
    s.hi.push_back(s.y.back() + half);
  }
  return {s};
}

TEST(SvgChart, AWideBandIsClippedAndSaidSo) {
  const std::vector<std::string> days(10, "d");
  const auto series = lift_with_a_wide_first_day();
  const std::string clipped = svg_line_chart(
      days, series, {.title = "lift", .percent = true, .signed_ = true, .zero_line = true,
                     .clip_bands = true});
  // Lines 5.0 % .. 5.9 %, median half-width 2 %: the axis covers about
  // 0 % .. 10 %, not -295 % .. +305 %.
  EXPECT_EQ(clipped.find("+300%"), std::string::npos);
  EXPECT_EQ(clipped.find("-200%"), std::string::npos);
  EXPECT_NE(clipped.find("+10%"), std::string::npos) << clipped;
  EXPECT_NE(clipped.find("band clipped to the plotted range on 1 of 10 points"), std::string::npos);
  // Every band point is inside the plot area (top 48, bottom 280 - 40).
  for (double y : polygon_ys(clipped)) {
    EXPECT_GE(y, 48.0 - 1e-9);
    EXPECT_LE(y, 240.0 + 1e-9);
  }
  // Without clipping the axis reaches the wide band, and nothing is said.
  const std::string whole = svg_line_chart(
      days, series, {.title = "lift", .percent = true, .signed_ = true, .zero_line = true});
  EXPECT_NE(whole.find("+400%"), std::string::npos);
  EXPECT_EQ(whole.find("band clipped"), std::string::npos);
}

TEST(SvgChart, NarrowBandsAreNotClipped) {
  Series s{.name = "a", .colour = "#000", .y = {0.1, 0.2, 0.15}, .lo = {0.05, 0.15, 0.1},
           .hi = {0.15, 0.25, 0.2}};
  const std::string svg = svg_line_chart({"1", "2", "3"}, {s}, {.title = "t", .clip_bands = true});
  EXPECT_EQ(svg.find("band clipped"), std::string::npos);
}

}  // namespace
}  // namespace keyart::analysis
