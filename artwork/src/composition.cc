#include "composition.h"

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <opencv2/saliency.hpp>

#include "decode.h"

namespace keyart::artwork {

namespace {
constexpr int kSaliencySide = 256;
}

cv::Mat saliency_map(const cv::Mat& bgr) {
  cv::Ptr<cv::saliency::StaticSaliencySpectralResidual> sr =
      cv::saliency::StaticSaliencySpectralResidual::create();
  cv::Mat map;
  if (!sr->computeSaliency(bgr, map) || map.empty()) {
    return cv::Mat(bgr.size(), CV_32F, cv::Scalar(1.0));
  }
  map.convertTo(map, CV_32F);
  return map;
}

Composition measure_composition(const cv::Mat& bgr) {
  auto r4 = [](double v) { return std::round(v * 10000.0) / 10000.0; };
  cv::Mat small = fit_long_side(bgr, kSaliencySide);
  cv::Mat map = saliency_map(small);
  double total = 0, sx = 0, sy = 0;
  for (int y = 0; y < map.rows; ++y) {
    const float* row = map.ptr<float>(y);
    for (int x = 0; x < map.cols; ++x) {
      total += row[x];
      sx += row[x] * (x + 0.5) / map.cols;
      sy += row[x] * (y + 0.5) / map.rows;
    }
  }
  Composition c;
  if (total <= 0) return c;
  double cx = sx / total, cy = sy / total;
  double spread = 0;
  for (int y = 0; y < map.rows; ++y) {
    const float* row = map.ptr<float>(y);
    for (int x = 0; x < map.cols; ++x) {
      double dx = (x + 0.5) / map.cols - cx, dy = (y + 0.5) / map.rows - cy;
      spread += row[x] * (dx * dx + dy * dy);
    }
  }
  double thirds = 1e9;
  for (double tx : {1.0 / 3, 2.0 / 3}) {
    for (double ty : {1.0 / 3, 2.0 / 3}) thirds = std::min(thirds, std::hypot(cx - tx, cy - ty));
  }
  c.saliency_x = r4(cx);
  c.saliency_y = r4(cy);
  c.thirds_distance = r4(std::min(1.0, thirds / (std::sqrt(2.0) / 3.0)));
  c.center_distance = r4(std::min(1.0, std::hypot(cx - 0.5, cy - 0.5) / (std::sqrt(2.0) / 2.0)));
  // A uniform map has spread sqrt(1/12 + 1/12); that scores 1.
  c.spread = r4(std::min(1.0, std::sqrt(spread / total) / std::sqrt(1.0 / 6.0)));
  return c;
}

}  // namespace keyart::artwork
