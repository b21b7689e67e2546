#include "face_descriptor.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "keyart/artwork/errors.h"

namespace keyart::artwork {

namespace {

constexpr int kChip = 150;
// dlib's mean face (get_face_chip_details, 68-point averages of points
// 36-41, 42-47, 30, 48, 54) mapped to a 150 px chip with padding 0.25:
// p' = (p + 0.25) / 1.5 * 150.
const std::array<cv::Point2f, 5> kChipPoints = {
    cv::Point2f(47.55f, 46.60f),  cv::Point2f(100.48f, 46.60f), cv::Point2f(74.01f, 76.56f),
    cv::Point2f(50.41f, 103.02f), cv::Point2f(97.61f, 103.02f)};
// face-api's input normalisation: (RGB - mean) / 255.
const cv::Scalar kMeanBgr(104.298, 117.001, 122.782);

}  // namespace

FaceDescriptorNet::FaceDescriptorNet(const std::string& model_path) {
  try {
    net_ = cv::dnn::readNetFromONNX(model_path);
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kModelMissing,
                       "cannot load face descriptor " + model_path + ": " + e.err +
                           ": run scripts/fetch_models.sh again");
  }
}

cv::Mat FaceDescriptorNet::align(const cv::Mat& bgr, const std::array<cv::Point2d, 5>& landmarks) {
  std::vector<cv::Point2f> from(landmarks.begin(), landmarks.end());
  std::vector<cv::Point2f> to(kChipPoints.begin(), kChipPoints.end());
  cv::Mat transform = cv::estimateAffinePartial2D(from, to, cv::noArray(), cv::LMEDS);
  if (transform.empty()) {
    // Degenerate landmarks: fall back to the box around them.
    cv::Rect2f box = cv::boundingRect(from);
    transform = (cv::Mat_<double>(2, 3) << kChip / std::max(1.f, box.width), 0,
                 -box.x * kChip / std::max(1.f, box.width), 0, kChip / std::max(1.f, box.height),
                 -box.y * kChip / std::max(1.f, box.height));
  }
  cv::Mat chip;
  cv::warpAffine(bgr, chip, transform, cv::Size(kChip, kChip), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  return chip;
}

std::vector<float> FaceDescriptorNet::compute_chip(const cv::Mat& chip) {
  cv::Mat blob = cv::dnn::blobFromImage(chip, 1.0 / 255.0, cv::Size(kChip, kChip), kMeanBgr,
                                        /*swapRB=*/true, /*crop=*/false);
  net_.setInput(blob);
  cv::Mat out = net_.forward();
  return std::vector<float>(out.ptr<float>(), out.ptr<float>() + out.total());
}

std::vector<float> FaceDescriptorNet::compute(const cv::Mat& bgr,
                                              const std::array<cv::Point2d, 5>& landmarks) {
  return compute_chip(align(bgr, landmarks));
}

}  // namespace keyart::artwork
