// Face detection with YuNet (cv::FaceDetectorYN) at a working resolution.
// Internal to artwork/.
#pragma once

#include <array>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>
#include <string>
#include <vector>

namespace keyart::artwork {

struct DetectedFace {
  cv::Rect2d box;                        // original image pixels
  std::array<cv::Point2d, 5> landmarks;  // image-left eye, image-right eye, nose, left/right mouth corner
  double score = 0;
};

class FaceDetector {
 public:
  FaceDetector(const std::string& model_path, int long_side, float score_threshold);
  // Detects on image downscaled to the working size; boxes in image pixels.
  std::vector<DetectedFace> detect(const cv::Mat& bgr);
  // Detects on an image already at working size; scale maps it back.
  std::vector<DetectedFace> detect_scaled(const cv::Mat& working, double scale);
  int long_side() const { return long_side_; }

 private:
  cv::Ptr<cv::FaceDetectorYN> net_;
  int long_side_;
};

}  // namespace keyart::artwork
