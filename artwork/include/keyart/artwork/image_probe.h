// Validation of an uploaded file before anything decodes it. probe_image()
// sniffs the real format from the magic bytes (never the file name), reads
// the width and height from the header, refuses images over the pixel budget
// (decompression bombs are refused from their header, before any pixel
// buffer is allocated) and refuses truncated files (a JPEG without its
// end-of-image marker after the scan, a PNG without IEND, a WebP or BMP
// shorter than its header says). Accepted formats: JPEG, PNG, WebP, BMP.
// Every refusal is an ArtworkError (errors.h) with a one-line message.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace keyart::artwork {

struct ImageLimits {
  int64_t max_pixels = 50'000'000;   // width x height (about 8K x 6K)
  int max_side = 16384;              // either dimension
  uint64_t max_bytes = 64ull << 20;  // the encoded file
};

struct ImageInfo {
  std::string format;  // jpeg | png | webp | bmp
  int width = 0;
  int height = 0;
};

// The format the bytes are in, from their signature: "jpeg", "png", "webp",
// "bmp", or for formats keyart refuses "gif", "tiff", "heif", "pdf", "svg";
// "" when no known signature matches.
std::string sniff_format(std::span<const uint8_t> bytes);

// Throws ArtworkError (kEmpty, kNotAnImage, kUnsupportedFormat, kTruncated,
// kTooLarge, kCorrupt) or returns the header's facts.
ImageInfo probe_image(std::span<const uint8_t> bytes, const ImageLimits& limits = {});

}  // namespace keyart::artwork
