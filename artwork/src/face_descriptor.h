// The 128-d face descriptor (dlib's ResNet via face-api, converted to ONNX):
// aligns a face by its five landmarks onto dlib's 150x150 face chip (mean
// face shape, padding 0.25) and runs the network. Internal to artwork/.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <string>
#include <vector>

namespace keyart::artwork {

class FaceDescriptorNet {
 public:
  explicit FaceDescriptorNet(const std::string& model_path);
  // landmarks: image-left eye, image-right eye, nose tip, image-left and
  // image-right mouth corner, in image pixels.
  std::vector<float> compute(const cv::Mat& bgr, const std::array<cv::Point2d, 5>& landmarks);
  // The aligned 150x150 BGR chip (for tests and the inspect view).
  static cv::Mat align(const cv::Mat& bgr, const std::array<cv::Point2d, 5>& landmarks);
  std::vector<float> compute_chip(const cv::Mat& chip);

 private:
  cv::dnn::Net net_;
};

}  // namespace keyart::artwork
