#include "text_regions.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace keyart::artwork {

namespace {

constexpr double kMinGradient = 60;
constexpr int kMinHeight = 10;
constexpr double kMaxHeightShare = 0.25;
constexpr double kMinAspect = 2.0;
constexpr double kMinFill = 0.25;
constexpr double kMinEdgeDensity = 1.5;
constexpr double kMaxFaceOverlap = 0.5;

int letter_like_parts(const cv::Mat& roi) {
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(roi, labels, stats, centroids, 8);
  int count = 0;
  for (int i = 1; i < n; ++i) {
    int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    if (h >= 0.35 * roi.rows && w <= 2.5 * roi.rows) ++count;
  }
  return count;
}

// Mean count of background-to-edge transitions per row over the middle half.
double edge_transitions_per_row(const cv::Mat& roi) {
  int top = roi.rows / 4, bottom = roi.rows - roi.rows / 4;
  if (bottom <= top) return 0;
  double total = 0;
  for (int y = top; y < bottom; ++y) {
    const uint8_t* row = roi.ptr<uint8_t>(y);
    for (int x = 1; x < roi.cols; ++x) total += (row[x] && !row[x - 1]) ? 1 : 0;
  }
  return total / (bottom - top);
}

double overlap_with_faces(const cv::Rect& box, const std::vector<cv::Rect2d>& faces) {
  double best = 0;
  for (const auto& f : faces) {
    best = std::max(best, (cv::Rect2d(box) & f).area() / std::max(1.0, double(box.area())));
  }
  return best;
}

}  // namespace

std::vector<cv::Rect> detect_text_lines(const cv::Mat& bgr, const std::vector<cv::Rect2d>& faces) {
  cv::Mat gray, grad, edges, closed;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::morphologyEx(gray, grad, cv::MORPH_GRADIENT,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
  double otsu = cv::threshold(grad, edges, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  cv::threshold(grad, edges, std::max(otsu, kMinGradient), 255, cv::THRESH_BINARY);
  // Faces are full of edges (eyes, hair): blank them so the closing below
  // cannot weld a face onto a title beside it.
  cv::Rect frame(0, 0, edges.cols, edges.rows);
  for (const auto& f : faces) edges(cv::Rect(f) & frame) = 0;
  int join = std::max(3, cvRound(gray.cols / 40.0));
  cv::morphologyEx(edges, closed, cv::MORPH_CLOSE,
                   cv::getStructuringElement(cv::MORPH_RECT, cv::Size(join, 1)));
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(closed, labels, stats, centroids, 8);
  std::vector<cv::Rect> lines;
  for (int i = 1; i < n; ++i) {
    cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                 stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    if (box.height < kMinHeight || box.height > kMaxHeightShare * gray.rows) continue;
    if (box.width < kMinAspect * box.height) continue;
    cv::Mat roi = edges(box);
    if (cv::countNonZero(roi) < kMinFill * box.area()) continue;
    if (edge_transitions_per_row(roi) / (double(box.width) / box.height) < kMinEdgeDensity) continue;
    if (letter_like_parts(roi) < 2) continue;
    if (overlap_with_faces(box, faces) > kMaxFaceOverlap) continue;
    lines.push_back(box);
  }
  return lines;
}

}  // namespace keyart::artwork
