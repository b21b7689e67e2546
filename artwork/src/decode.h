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
// header's. info receives the probe result.
cv::Mat decode_image(std::span<const uint8_t> bytes, const ImageLimits& limits, ImageInfo* info);

// Downscales so the long side is at most long_side (never upscales).
cv::Mat fit_long_side(const cv::Mat& image, int long_side, double* scale = nullptr);

}  // namespace keyart::artwork
