// Inline SVG charts for the HTML report, drawn from plain numbers: a forest
// plot (a point and its interval per row against a zero line) and a line
// chart (one line per series over labelled x positions, with an optional
// interval band). Axes get "nice" ticks (1, 2, 5 x 10^k); undefined (NaN)
// points break a line rather than being drawn; all text is XML-escaped.
// Internal to keyart_analysis.
#pragma once

#include <string>
#include <vector>

namespace keyart::analysis {

// Colour of the i-th series (a fixed palette legible on white).
const char* series_colour(size_t i);

struct ForestRow {
  std::string label;
  double value;  // e.g. a relative lift, 0.05 = +5 %
  double lo, hi;
  std::string colour;
};
// Values are printed as signed percentages on the axis.
std::string svg_forest_plot(const std::vector<ForestRow>& rows, const std::string& title);

struct Series {
  std::string name;
  std::string colour;
  std::vector<double> y;       // one value per x label (NaN: no point)
  std::vector<double> lo, hi;  // optional band, same length as y
};
struct LineChartOptions {
  std::string title;
  bool percent = true;     // axis values as percentages
  bool signed_ = false;    // +/- on the axis labels
  bool zero_line = false;  // emphasise y = 0
  // Bands (intervals) may be far wider on some days than on most (the first
  // day's interval of a cumulative lift): with clip_bands the axis covers
  // the lines and the bands only to twice the median band half-width beyond
  // the lines; bands reaching further are drawn to the axis's edge, and the
  // chart says on how many days.
  bool clip_bands = false;
};
std::string svg_line_chart(const std::vector<std::string>& x_labels,
                           const std::vector<Series>& series, const LineChartOptions& options);

}  // namespace keyart::analysis
