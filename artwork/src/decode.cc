#include "decode.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <webp/decode.h>

#include "keyart/artwork/errors.h"

namespace keyart::artwork {

namespace {

// WebP is decoded with libwebp itself, not cv::imdecode: imdecode picks its
// decoder by its own signature checks, and a RIFF/WEBP file whose first
// bytes libwebp rejects falls through to every other decoder OpenCV has
// (GDCM for "DICM" at byte 128, GDAL for "DTED" at byte 140, ...), parsers
// keyart never meant to expose (a fuzzed file made GDCM abort the process).
// JPEG, PNG and BMP need no such care: probe_image() requires exactly the
// signature OpenCV's own decoder for them checks, and no decoder before it
// in OpenCV's list can claim those bytes.
// Empty when libwebp cannot read the file or its bitstream's size is not the
// probed one (so the pixel buffer never exceeds what the budget allowed).
cv::Mat decode_webp(std::span<const uint8_t> bytes, const ImageInfo& probed) {
  int width = 0, height = 0;
  if (!WebPGetInfo(bytes.data(), bytes.size(), &width, &height)) return {};
  if (width != probed.width || height != probed.height) return {};
  cv::Mat image(height, width, CV_8UC3);
  const size_t stride = image.step[0];
  if (!WebPDecodeBGRInto(bytes.data(), bytes.size(), image.data, stride * static_cast<size_t>(height),
                         static_cast<int>(stride))) {
    return {};
  }
  return image;
}

}  // namespace

cv::Mat decode_image(std::span<const uint8_t> bytes, const ImageLimits& limits, ImageInfo* info,
                     int reduce_to, double* scale) {
  ImageInfo probed = probe_image(bytes, limits);
  if (info) *info = probed;
  int factor = 1, flags = cv::IMREAD_COLOR;
  if (reduce_to > 0 && probed.format == "jpeg") {
    int longest = std::max(probed.width, probed.height);
    for (int f : {8, 4, 2}) {
      if (longest / f >= reduce_to) {
        factor = f;
        break;
      }
    }
    if (factor == 2) flags = cv::IMREAD_REDUCED_COLOR_2;
    if (factor == 4) flags = cv::IMREAD_REDUCED_COLOR_4;
    if (factor == 8) flags = cv::IMREAD_REDUCED_COLOR_8;
  }
  cv::Mat image;
  try {
    if (probed.format == "webp") {
      image = decode_webp(bytes, probed);
    } else {
      cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
      image = cv::imdecode(buffer, flags);
    }
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kCorrupt, "damaged " + probed.format + ": the decoder failed (" +
                                              e.err + "): re-export the file");
  }
  if (image.empty()) {
    throw ArtworkError(Refusal::kCorrupt,
                       "damaged " + probed.format + ": the decoder could not read the pixels: re-export the file");
  }
  // EXIF orientation may swap the sides; anything else means the header lied.
  auto reduced = [factor](int side) { return (side + factor - 1) / factor; };
  bool same = image.cols == reduced(probed.width) && image.rows == reduced(probed.height);
  bool swapped = image.cols == reduced(probed.height) && image.rows == reduced(probed.width);
  if (!same && !swapped) {
    throw ArtworkError(Refusal::kCorrupt, "damaged " + probed.format + ": header says " +
                                              std::to_string(probed.width) + "x" +
                                              std::to_string(probed.height) + ", pixels are " +
                                              std::to_string(image.cols) + "x" +
                                              std::to_string(image.rows));
  }
  if (info && swapped && !same) std::swap(info->width, info->height);
  if (scale) *scale = 1.0 / factor;
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
