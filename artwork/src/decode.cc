#include "decode.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "keyart/artwork/errors.h"

namespace keyart::artwork {

cv::Mat decode_image(std::span<const uint8_t> bytes, const ImageLimits& limits, ImageInfo* info) {
  ImageInfo probed = probe_image(bytes, limits);
  if (info) *info = probed;
  cv::Mat image;
  try {
    cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
    image = cv::imdecode(buffer, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kCorrupt, "damaged " + probed.format + ": the decoder failed (" +
                                              e.err + "): re-export the file");
  }
  if (image.empty()) {
    throw ArtworkError(Refusal::kCorrupt,
                       "damaged " + probed.format + ": the decoder could not read the pixels: re-export the file");
  }
  // EXIF orientation may swap the sides; anything else means the header lied.
  bool same = image.cols == probed.width && image.rows == probed.height;
  bool swapped = image.cols == probed.height && image.rows == probed.width;
  if (!same && !swapped) {
    throw ArtworkError(Refusal::kCorrupt, "damaged " + probed.format + ": header says " +
                                              std::to_string(probed.width) + "x" +
                                              std::to_string(probed.height) + ", pixels are " +
                                              std::to_string(image.cols) + "x" +
                                              std::to_string(image.rows));
  }
  if (info) {
    info->width = image.cols;
    info->height = image.rows;
  }
  return image;
}

cv::Mat fit_long_side(const cv::Mat& image, int long_side, double* scale) {
  int longest = std::max(image.cols, image.rows);
  double s = longest > long_side ? static_cast<double>(long_side) / longest : 1.0;
  if (scale) *scale = s;
  if (s >= 1.0) return image;
  cv::Mat out;
  cv::resize(image, out,
             cv::Size(std::max(1, cvRound(image.cols * s)), std::max(1, cvRound(image.rows * s))), 0,
             0, cv::INTER_AREA);
  return out;
}

}  // namespace keyart::artwork
