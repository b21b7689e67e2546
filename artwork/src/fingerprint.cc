#include "fingerprint.h"

#include <algorithm>
#include <bit>
#include <cstring>
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
constexpr int kMinInliers = 15;
constexpr double kMinCoverage = 0.05;
constexpr double kRansacShare = 0.03;

std::vector<cv::Point2f> to_points(const std::vector<std::array<float, 2>>& pts) {
  std::vector<cv::Point2f> out;
  out.reserve(pts.size());
  for (const auto& p : pts) out.emplace_back(p[0], p[1]);
  return out;
}

struct Nearest2 {
  int best = -1;
  int best_distance = 1 << 30, second_distance = 1 << 30;
};

// Brute-force 2-nearest neighbours of 256-bit descriptors by Hamming
// distance: the near-duplicate check runs this against every earlier variant
// of a title, so it is written for the popcnt instruction (about five times
// OpenCV's generic matcher); the portable version gives the same answers.
template <typename Popcount>
void nearest2(const Fingerprint& query, const Fingerprint& train, std::vector<Nearest2>& out,
              Popcount popcount) {
  size_t nq = query.points.size(), nt = train.points.size();
  out.assign(nq, Nearest2{});
  std::vector<uint64_t> q(nq * 4), t(nt * 4);
  std::memcpy(q.data(), query.descriptors.data(), nq * 32);
  std::memcpy(t.data(), train.descriptors.data(), nt * 32);
  for (size_t i = 0; i < nq; ++i) {
    const uint64_t* a = &q[i * 4];
    Nearest2& n = out[i];
    for (size_t j = 0; j < nt; ++j) {
      const uint64_t* b = &t[j * 4];
      int d = popcount(a[0] ^ b[0]) + popcount(a[1] ^ b[1]) + popcount(a[2] ^ b[2]) +
              popcount(a[3] ^ b[3]);
      if (d < n.best_distance) {
        n.second_distance = n.best_distance;
        n.best_distance = d;
        n.best = static_cast<int>(j);
      } else if (d < n.second_distance) {
        n.second_distance = d;
      }
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) void nearest2_popcnt(const Fingerprint& q, const Fingerprint& t,
                                                        std::vector<Nearest2>& out) {
  nearest2(q, t, out, [](uint64_t v) { return __builtin_popcountll(v); });
}
#endif

void nearest2_any(const Fingerprint& q, const Fingerprint& t, std::vector<Nearest2>& out) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) return nearest2_popcnt(q, t, out);
#endif
  nearest2(q, t, out, [](uint64_t v) { return std::popcount(v); });
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
  // Matches that pass the ratio test both ways and pick each other
  // (cross-checked), so the verdict does not depend on the argument order.
  std::vector<Nearest2> ab, ba;
  nearest2_any(a, b, ab);
  nearest2_any(b, a, ba);
  auto distinctive = [](const Nearest2& n) {
    return n.best >= 0 && n.second_distance < (1 << 30) && n.best_distance < kRatio * n.second_distance;
  };
  std::vector<cv::Point2f> pa, pb;
  auto points_a = to_points(a.points), points_b = to_points(b.points);
  for (size_t i = 0; i < ab.size(); ++i) {
    if (!distinctive(ab[i])) continue;
    const Nearest2& back = ba[static_cast<size_t>(ab[i].best)];
    if (!distinctive(back) || back.best != static_cast<int>(i)) continue;
    pa.push_back(points_a[i]);
    pb.push_back(points_b[static_cast<size_t>(ab[i].best)]);
  }
  if (static_cast<int>(pa.size()) < kMinInliers) return check;
  std::vector<uint8_t> mask;
  double threshold = kRansacShare * std::max({a.width, a.height, b.width, b.height});
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
