// Decoding an uploaded file into pixels, after probe_image() accepted it.
// Internal to artwork/ (OpenCV types).
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>

#include "keyart/artwork/image_probe.h"

namespace keyart::artwork {

// Probes (refusing bad files), then decodes to 8-bit BGR. A decode failure or
// any cv::Exception is ArtworkError kCorrupt; the decoded size must match the
// header's. info receives the probe result (the size as displayed, after any
// EXIF rotation). With reduce_to > 0 a large JPEG is decoded directly at 1/2,
// 1/4 or 1/8 scale (libjpeg's DCT scaling, several times faster) as long as
// its long side stays >= reduce_to; *scale receives decoded / original size.
cv::Mat decode_image(std::span<const uint8_t> bytes, const ImageLimits& limits, ImageInfo* info,
                     int reduce_to = 0, double* scale = nullptr);

// Downscales so the long side is at most long_side (never upscales).
cv::Mat fit_long_side(const cv::Mat& image, int long_side, double* scale = nullptr);

}  // namespace keyart::artwork
