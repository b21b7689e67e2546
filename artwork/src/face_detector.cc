#include "face_detector.h"

#include <algorithm>

#include "decode.h"
#include "keyart/artwork/errors.h"

namespace keyart::artwork {

namespace {
constexpr float kNmsThreshold = 0.3f;
constexpr int kTopK = 5000;
}  // namespace

FaceDetector::FaceDetector(const std::string& model_path, int long_side, float score_threshold)
    : long_side_(long_side) {
  try {
    net_ = cv::FaceDetectorYN::create(model_path, "", cv::Size(320, 320), score_threshold,
                                      kNmsThreshold, kTopK);
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kModelMissing,
                       "cannot load face detector " + model_path + ": " + e.err);
  }
}

std::vector<DetectedFace> FaceDetector::detect(const cv::Mat& bgr) {
  double scale = 1.0;
  cv::Mat working = fit_long_side(bgr, long_side_, &scale);
  return detect_scaled(working, scale);
}

std::vector<DetectedFace> FaceDetector::detect_scaled(const cv::Mat& working, double scale) {
  net_->setInputSize(working.size());
  cv::Mat rows;
  net_->detect(working, rows);
  std::vector<DetectedFace> faces;
  for (int i = 0; i < rows.rows; ++i) {
    const float* r = rows.ptr<float>(i);
    DetectedFace f;
    f.box = cv::Rect2d(r[0] / scale, r[1] / scale, r[2] / scale, r[3] / scale);
    for (int k = 0; k < 5; ++k) f.landmarks[k] = cv::Point2d(r[4 + 2 * k] / scale, r[5 + 2 * k] / scale);
    f.score = r[14];
    // Clip to the image.
    double w = working.cols / scale, h = working.rows / scale;
    double x0 = std::clamp(f.box.x, 0.0, w), y0 = std::clamp(f.box.y, 0.0, h);
    double x1 = std::clamp(f.box.x + f.box.width, 0.0, w), y1 = std::clamp(f.box.y + f.box.height, 0.0, h);
    f.box = cv::Rect2d(x0, y0, x1 - x0, y1 - y0);
    if (f.box.area() > 0) faces.push_back(f);
  }
  return faces;
}

}  // namespace keyart::artwork
