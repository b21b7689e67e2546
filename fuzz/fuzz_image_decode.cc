// Fuzzes what an upload goes through before any analysis: probe_image()
// (format sniffing, header dimensions, pixel budget, truncation) and
// decode_image() (OpenCV's decoders, the JPEG reduced-scale path, the
// header-versus-pixels check), then fit_long_side() as the extractor does.
// A file is either refused with ArtworkError or decodes to a non-empty
// 8-bit BGR image no larger than the budget allows; anything else aborts.
// The budget is small (1 Mpixel) so that, run with -malloc_limit_mb=64, a
// file whose decoder allocates far more than its probed size (a
// decompression bomb the probe let through) is reported too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include "decode.h"
#include "keyart/artwork/errors.h"
#include "keyart/artwork/image_probe.h"

namespace {

using namespace keyart::artwork;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "image decode: %s\n", what);
  std::abort();
}

void decode_once(std::span<const uint8_t> bytes, const ImageLimits& limits, int reduce_to) {
  ImageInfo info;
  double scale = 0;
  cv::Mat image;
  try {
    image = decode_image(bytes, limits, &info, reduce_to, &scale);
  } catch (const ArtworkError&) {
    return;  // refused, as it should be
  }
  if (image.empty() || image.type() != CV_8UC3) finding("accepted image is not 8-bit BGR");
  if (static_cast<int64_t>(info.width) * info.height > limits.max_pixels) {
    finding("accepted image is over the pixel budget");
  }
  if (scale <= 0 || scale > 1) finding("decode scale out of range");
  double fit = 0;
  cv::Mat working = fit_long_side(image, 64, &fit);
  if (working.empty() || std::max(working.cols, working.rows) > 64) {
    finding("fit_long_side exceeded its bound");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool single_threaded = [] {
    cv::setNumThreads(0);  // one core: decoders run inline
    return true;
  }();
  (void)single_threaded;
  ImageLimits limits;
  limits.max_pixels = 1'000'000;
  limits.max_side = 4096;
  limits.max_bytes = 4u << 20;
  std::span<const uint8_t> bytes(data, size);
  decode_once(bytes, limits, 0);
  decode_once(bytes, limits, 96);  // the extractor's reduced JPEG path
  return 0;
}
