#include "svg.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "format_util.h"

namespace keyart::analysis {

namespace {

constexpr const char* kPalette[] = {"#4c78a8", "#f58518", "#54a24b", "#e45756",
                                    "#72b7b2", "#b279a2", "#eeca3b", "#9d755d"};

struct Axis {
  double lo, hi, step;
};

// Range [lo, hi] widened to multiples of a 1/2/5 x 10^k step, about 5 ticks.
Axis nice_axis(double lo, double hi) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 0.01 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (raw <= step) break;
  }
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

std::string tick_label(double v, double step, bool percent, bool signed_) {
  // Enough decimals to tell neighbouring ticks apart.
  const double unit = percent ? step * 100 : step;
  const int digits = std::max(0, static_cast<int>(std::ceil(-std::log10(unit) + 1e-9)));
  if (std::fabs(v) < step * 1e-6) v = 0;
  std::string s = format_fixed(percent ? v * 100 : v, digits);
  if (signed_ && v > 0) s.insert(s.begin(), '+');
  return percent ? s + "%" : s;
}

std::string num(double x) {
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << x;
  return out.str();
}

void bounds(const std::vector<double>& values, double& lo, double& hi) {
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
}

}  // namespace

const char* series_colour(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

std::string svg_forest_plot(const std::vector<ForestRow>& rows, const std::string& title) {
  const double width = 720, left = 180, right = 24, top = 34, row_height = 30, bottom = 34;
  const double height = top + row_height * static_cast<double>(std::max<size_t>(rows.size(), 1)) + bottom;
  double lo = 0, hi = 0;
  for (const auto& r : rows) bounds({r.value, r.lo, r.hi}, lo, hi);
  const Axis axis = nice_axis(lo, hi);
  auto x = [&](double v) { return left + (v - axis.lo) / (axis.hi - axis.lo) * (width - left - right); };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " << num(width)
      << " " << num(height) << "\" role=\"img\" aria-label=\"" << html_escape(title) << "\">"
      << "<text x=\"8\" y=\"18\" class=\"chart-title\">" << html_escape(title) << "</text>";
  const double plot_bottom = height - bottom;
  for (double t = axis.lo; t <= axis.hi + axis.step * 1e-9; t += axis.step) {
    svg << "<line x1=\"" << num(x(t)) << "\" x2=\"" << num(x(t)) << "\" y1=\"" << num(top)
        << "\" y2=\"" << num(plot_bottom) << "\" class=\"grid\"/>"
        << "<text x=\"" << num(x(t)) << "\" y=\"" << num(plot_bottom + 16)
        << "\" text-anchor=\"middle\" class=\"tick\">" << tick_label(t, axis.step, true, true)
        << "</text>";
  }
  svg << "<line x1=\"" << num(x(0)) << "\" x2=\"" << num(x(0)) << "\" y1=\"" << num(top - 6)
      << "\" y2=\"" << num(plot_bottom) << "\" class=\"zero\"/>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const ForestRow& r = rows[i];
    const double y = top + row_height * (static_cast<double>(i) + 0.5);
    svg << "<text x=\"" << num(left - 10) << "\" y=\"" << num(y + 4)
        << "\" text-anchor=\"end\" class=\"label\">" << html_escape(r.label) << "</text>";
    if (!std::isfinite(r.value)) {
      svg << "<text x=\"" << num(x(0) + 6) << "\" y=\"" << num(y + 4) << "\" class=\"tick\">"
          << kNotAvailable << "</text>";
      continue;
    }
    if (std::isfinite(r.lo) && std::isfinite(r.hi)) {
      svg << "<line x1=\"" << num(x(r.lo)) << "\" x2=\"" << num(x(r.hi)) << "\" y1=\"" << num(y)
          << "\" y2=\"" << num(y) << "\" stroke=\"" << r.colour << "\" stroke-width=\"2.5\"/>";
      for (double end : {r.lo, r.hi}) {
        svg << "<line x1=\"" << num(x(end)) << "\" x2=\"" << num(x(end)) << "\" y1=\""
            << num(y - 6) << "\" y2=\"" << num(y + 6) << "\" stroke=\"" << r.colour
            << "\" stroke-width=\"2\"/>";
      }
    }
    svg << "<rect x=\"" << num(x(r.value) - 5) << "\" y=\"" << num(y - 5)
        << "\" width=\"10\" height=\"10\" fill=\"" << r.colour << "\"/>";
  }
  svg << "</svg>";
  return svg.str();
}

std::string svg_line_chart(const std::vector<std::string>& x_labels,
                           const std::vector<Series>& series, const LineChartOptions& o) {
  const double width = 720, height = 280, left = 70, right = 20, top = 48, bottom = 40;
  double lo = o.zero_line ? 0 : INFINITY, hi = o.zero_line ? 0 : -INFINITY;
  for (const auto& s : series) bounds(s.y, lo, hi);
  double band_lo = INFINITY, band_hi = -INFINITY;
  std::vector<double> half_widths;
  for (const auto& s : series) {
    bounds(s.lo, band_lo, band_hi);
    bounds(s.hi, band_lo, band_hi);
    for (size_t i = 0; i < std::min(s.lo.size(), s.hi.size()); ++i) {
      if (std::isfinite(s.lo[i]) && std::isfinite(s.hi[i])) half_widths.push_back((s.hi[i] - s.lo[i]) / 2);
    }
  }
  if (o.clip_bands && !half_widths.empty() && std::isfinite(lo)) {
    std::nth_element(half_widths.begin(), half_widths.begin() + half_widths.size() / 2, half_widths.end());
    const double reach = 2 * half_widths[half_widths.size() / 2];
    band_lo = std::max(band_lo, lo - reach);
    band_hi = std::min(band_hi, hi + reach);
  }
  lo = std::min(lo, band_lo);
  hi = std::max(hi, band_hi);
  if (!std::isfinite(lo)) lo = hi = 0;
  const Axis axis = nice_axis(lo, hi);
  size_t clipped_days = 0, band_days = 0;
  auto clip = [&](double v) { return std::clamp(v, axis.lo, axis.hi); };
  const size_t n = x_labels.size();
  auto x = [&](size_t i) {
    return n <= 1 ? (left + width - right) / 2
                  : left + static_cast<double>(i) / static_cast<double>(n - 1) * (width - left - right);
  };
  auto y = [&](double v) {
    return top + (axis.hi - v) / (axis.hi - axis.lo) * (height - top - bottom);
  };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " << num(width)
      << " " << num(height) << "\" role=\"img\" aria-label=\"" << html_escape(o.title) << "\">"
      << "<text x=\"8\" y=\"18\" class=\"chart-title\">" << html_escape(o.title) << "</text>";
  // Legend.
  double lx = left;
  for (const auto& s : series) {
    svg << "<rect x=\"" << num(lx) << "\" y=\"28\" width=\"12\" height=\"4\" fill=\"" << s.colour
        << "\"/><text x=\"" << num(lx + 16) << "\" y=\"34\" class=\"tick\">" << html_escape(s.name)
        << "</text>";
    lx += 28 + 7 * static_cast<double>(std::min<size_t>(s.name.size(), 30));
  }
  for (double t = axis.lo; t <= axis.hi + axis.step * 1e-9; t += axis.step) {
    svg << "<line x1=\"" << num(left) << "\" x2=\"" << num(width - right) << "\" y1=\"" << num(y(t))
        << "\" y2=\"" << num(y(t)) << "\" class=\"grid\"/><text x=\"" << num(left - 6) << "\" y=\""
        << num(y(t) + 4) << "\" text-anchor=\"end\" class=\"tick\">"
        << tick_label(t, axis.step, o.percent, o.signed_) << "</text>";
  }
  if (o.zero_line && axis.lo < 0 && axis.hi > 0) {
    svg << "<line x1=\"" << num(left) << "\" x2=\"" << num(width - right) << "\" y1=\""
        << num(y(0)) << "\" y2=\"" << num(y(0)) << "\" class=\"zero\"/>";
  }
  const size_t label_every = std::max<size_t>(1, (n + 7) / 8);
  for (size_t i = 0; i < n; i += label_every) {
    svg << "<text x=\"" << num(x(i)) << "\" y=\"" << num(height - bottom + 18)
        << "\" text-anchor=\"middle\" class=\"tick\">" << html_escape(x_labels[i]) << "</text>";
  }
  for (const auto& s : series) {
    // Band: one polygon per run of defined points.
    if (s.lo.size() == n && s.hi.size() == n) {
      size_t i = 0;
      while (i < n) {
        while (i < n && !(std::isfinite(s.lo[i]) && std::isfinite(s.hi[i]))) ++i;
        size_t j = i;
        while (j < n && std::isfinite(s.lo[j]) && std::isfinite(s.hi[j])) ++j;
        if (j > i) {
          svg << "<polygon fill=\"" << s.colour << "\" fill-opacity=\"0.15\" points=\"";
          for (size_t a = i; a < j; ++a) {
            svg << num(x(a)) << "," << num(y(clip(s.hi[a]))) << " ";
            ++band_days;
            if (s.hi[a] > axis.hi || s.lo[a] < axis.lo) ++clipped_days;
          }
          for (size_t a = j; a-- > i;) svg << num(x(a)) << "," << num(y(clip(s.lo[a]))) << " ";
          svg << "\"/>";
        }
        i = j;
      }
    }
    std::string path;
    bool pen_down = false;
    for (size_t i = 0; i < std::min(n, s.y.size()); ++i) {
      if (!std::isfinite(s.y[i])) {
        pen_down = false;
        continue;
      }
      path.append(pen_down ? "L" : "M").append(num(x(i))).append(",").append(num(y(s.y[i]))).append(" ");
      pen_down = true;
    }
    if (!path.empty()) {
      svg << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << s.colour
          << "\" stroke-width=\"2\"/>";
    }
    if (n <= 40) {
      for (size_t i = 0; i < std::min(n, s.y.size()); ++i) {
        if (std::isfinite(s.y[i])) {
          svg << "<circle cx=\"" << num(x(i)) << "\" cy=\"" << num(y(s.y[i])) << "\" r=\"2.5\" fill=\""
              << s.colour << "\"/>";
        }
      }
    }
  }
  if (clipped_days > 0) {
    svg << "<text x=\"" << num(width - right) << "\" y=\"" << num(height - 4)
        << "\" text-anchor=\"end\" class=\"tick\">band clipped to the plotted range on "
        << clipped_days << " of " << band_days << " points</text>";
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace keyart::analysis
