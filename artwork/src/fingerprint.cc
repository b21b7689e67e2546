#include "fingerprint.h"

#include <bit>
#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/img_hash.hpp>
#include <opencv2/imgproc.hpp>

#include "decode.h"
#include "keyart/artwork/near_duplicate.h"

namespace keyart::artwork {

namespace {

constexpr int kOrbSide = 512;
constexpr int kOrbFeatures = 500;
constexpr int kCopyMaxBits = 10;
constexpr double kRatio = 0.8;
constexpr int kMinInliers = 20;
constexpr double kMinCoverage = 0.08;
constexpr double kRansacShare = 0.03;

std::vector<cv::Point2f> to_points(const std::vector<std::array<float, 2>>& pts) {
  std::vector<cv::Point2f> out;
  out.reserve(pts.size());
  for (const auto& p : pts) out.emplace_back(p[0], p[1]);
  return out;
}

cv::Mat descriptor_mat(const Fingerprint& f) {
  return cv::Mat(static_cast<int>(f.points.size()), 32, CV_8U,
                 const_cast<uint8_t*>(f.descriptors.data()));
}

double hull_share(const std::vector<cv::Point2f>& pts, int width, int height) {
  if (pts.size() < 3 || width <= 0 || height <= 0) return 0;
  std::vector<cv::Point2f> hull;
  cv::convexHull(pts, hull);
  return cv::contourArea(hull) / (double(width) * height);
}

}  // namespace

Fingerprint compute_fingerprint(const cv::Mat& bgr) {
  Fingerprint f;
  cv::Mat hash;
  cv::img_hash::PHash::create()->compute(bgr, hash);
  for (int i = 0; i < 8; ++i) f.phash = (f.phash << 8) | hash.at<uint8_t>(0, i);

  cv::Mat gray;
  cv::cvtColor(fit_long_side(bgr, kOrbSide), gray, cv::COLOR_BGR2GRAY);
  f.width = gray.cols;
  f.height = gray.rows;
  std::vector<cv::KeyPoint> keypoints;
  cv::Mat descriptors;
  cv::ORB::create(kOrbFeatures)->detectAndCompute(gray, cv::noArray(), keypoints, descriptors);
  for (size_t i = 0; i < keypoints.size(); ++i) {
    f.points.push_back({std::round(keypoints[i].pt.x * 10.f) / 10.f,
                        std::round(keypoints[i].pt.y * 10.f) / 10.f});
    const uint8_t* row = descriptors.ptr<uint8_t>(static_cast<int>(i));
    f.descriptors.insert(f.descriptors.end(), row, row + 32);
  }
  return f;
}

DuplicateCheck compare_fingerprints(const Fingerprint& a, const Fingerprint& b) {
  DuplicateCheck check;
  check.phash_distance = std::popcount(a.phash ^ b.phash);
  if (check.phash_distance <= kCopyMaxBits) {
    check.kind = "copy";
    return check;
  }
  if (a.points.size() < 2 || b.points.size() < 2) return check;
  std::vector<std::vector<cv::DMatch>> knn;
  cv::BFMatcher(cv::NORM_HAMMING).knnMatch(descriptor_mat(a), descriptor_mat(b), knn, 2);
  std::vector<cv::Point2f> pa, pb;
  auto points_a = to_points(a.points), points_b = to_points(b.points);
  for (const auto& m : knn) {
    if (m.size() == 2 && m[0].distance < kRatio * m[1].distance) {
      pa.push_back(points_a[static_cast<size_t>(m[0].queryIdx)]);
      pb.push_back(points_b[static_cast<size_t>(m[0].trainIdx)]);
    }
  }
  if (static_cast<int>(pa.size()) < kMinInliers) return check;
  std::vector<uint8_t> mask;
  double threshold = kRansacShare * std::max(b.width, b.height);
  cv::Mat transform =
      cv::estimateAffinePartial2D(pa, pb, mask, cv::RANSAC, threshold, 2000, 0.995, 10);
  if (transform.empty()) return check;
  std::vector<cv::Point2f> ia, ib;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) {
      ia.push_back(pa[i]);
      ib.push_back(pb[i]);
    }
  }
  check.inliers = static_cast<int>(ia.size());
  check.coverage = std::max(hull_share(ia, a.width, a.height), hull_share(ib, b.width, b.height));
  if (check.inliers >= kMinInliers && check.coverage >= kMinCoverage) check.kind = "crop";
  return check;
}

}  // namespace keyart::artwork
