#include "keyart/artwork/image_probe.h"

#include <algorithm>
#include <cstring>

#include "keyart/artwork/errors.h"

namespace keyart::artwork {
namespace {

using Bytes = std::span<const uint8_t>;

bool starts_with(Bytes b, std::initializer_list<uint8_t> sig, size_t offset = 0) {
  if (b.size() < offset + sig.size()) return false;
  return std::equal(sig.begin(), sig.end(), b.begin() + static_cast<std::ptrdiff_t>(offset));
}
bool starts_with_text(Bytes b, const char* text, size_t offset = 0) {
  size_t n = std::strlen(text);
  return b.size() >= offset + n && std::memcmp(b.data() + offset, text, n) == 0;
}
uint32_t be16(Bytes b, size_t i) { return (uint32_t{b[i]} << 8) | b[i + 1]; }
uint32_t be32(Bytes b, size_t i) { return (be16(b, i) << 16) | be16(b, i + 2); }
uint32_t le16(Bytes b, size_t i) { return uint32_t{b[i]} | (uint32_t{b[i + 1]} << 8); }
uint32_t le24(Bytes b, size_t i) { return le16(b, i) | (uint32_t{b[i + 2]} << 16); }
uint32_t le32(Bytes b, size_t i) { return le16(b, i) | (le16(b, i + 2) << 16); }

[[noreturn]] void refuse(Refusal why, const std::string& message) { throw ArtworkError(why, message); }

void check_budget(const ImageInfo& info, const ImageLimits& limits) {
  if (info.width <= 0 || info.height <= 0) {
    refuse(Refusal::kCorrupt, info.format + " header gives no image size (" +
                                  std::to_string(info.width) + "x" +
                                  std::to_string(info.height) + "): the file is damaged");
  }
  int64_t pixels = int64_t{info.width} * info.height;
  if (info.width > limits.max_side || info.height > limits.max_side ||
      pixels > limits.max_pixels) {
    refuse(Refusal::kTooLarge,
           info.format + " header claims " + std::to_string(info.width) + "x" +
               std::to_string(info.height) + " pixels, over the budget of " +
               std::to_string(limits.max_pixels) + " pixels and " +
               std::to_string(limits.max_side) + " px a side: export a smaller image");
  }
}

[[noreturn]] void truncated(const std::string& format, const std::string& what) {
  refuse(Refusal::kTruncated,
         "truncated " + format + " (" + what + "): upload the complete file again");
}

ImageInfo probe_jpeg(Bytes b, const ImageLimits& limits) {
  ImageInfo info{"jpeg", 0, 0};
  size_t i = 2;
  bool have_frame = false;
  while (true) {
    if (i + 4 > b.size()) truncated("JPEG", "it ends inside its headers");
    if (b[i] != 0xFF) {
      refuse(Refusal::kCorrupt, "damaged JPEG: no marker at byte " + std::to_string(i));
    }
    while (i < b.size() && b[i] == 0xFF) ++i;  // fill bytes
    if (i + 3 > b.size()) truncated("JPEG", "it ends inside its headers");
    uint8_t marker = b[i++];
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9) {
      refuse(Refusal::kCorrupt, "damaged JPEG: end-of-image marker before any image data");
    }
    uint32_t length = be16(b, i);
    if (length < 2) refuse(Refusal::kCorrupt, "damaged JPEG: a segment of length < 2");
    bool is_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                    marker != 0xCC;
    if (is_frame) {
      if (i + 7 > b.size()) truncated("JPEG", "it ends inside its frame header");
      info.height = static_cast<int>(be16(b, i + 3));
      info.width = static_cast<int>(be16(b, i + 5));
      check_budget(info, limits);
      have_frame = true;
    }
    if (marker == 0xDA) {
      if (!have_frame) refuse(Refusal::kCorrupt, "damaged JPEG: image data before any frame header");
      // Entropy-coded data cannot contain FF D9 (0xFF is stuffed as FF 00),
      // so the end-of-image marker must follow somewhere after the scan.
      size_t scan = i + length;
      for (size_t k = b.size() - 1; k > scan && k >= 1; --k) {
        if (b[k - 1] == 0xFF && b[k] == 0xD9) return info;
      }
      truncated("JPEG", "no end-of-image marker after the image data");
    }
    i += length;
  }
}

ImageInfo probe_png(Bytes b, const ImageLimits& limits) {
  ImageInfo info{"png", 0, 0};
  if (b.size() < 8 + 8 + 13) truncated("PNG", "it ends inside its header");
  if (!starts_with_text(b, "IHDR", 12) || be32(b, 8) != 13) {
    refuse(Refusal::kCorrupt, "damaged PNG: the first chunk is not a valid IHDR");
  }
  uint32_t w = be32(b, 16), h = be32(b, 20);
  info.width = w > 0x7fffffffu ? -1 : static_cast<int>(w);
  info.height = h > 0x7fffffffu ? -1 : static_cast<int>(h);
  if (info.width < 0 || info.height < 0) {
    refuse(Refusal::kCorrupt, "damaged PNG: IHDR gives a size over 2^31");
  }
  check_budget(info, limits);
  size_t i = 8;
  bool have_data = false;
  while (i + 12 <= b.size()) {
    uint64_t length = be32(b, i);
    std::string type(reinterpret_cast<const char*>(b.data() + i + 4), 4);
    uint64_t end = i + 12 + length;
    if (end > b.size()) truncated("PNG", "chunk " + type + " runs past the end of the file");
    if (type == "IDAT") have_data = true;
    if (type == "IEND") {
      if (!have_data) refuse(Refusal::kCorrupt, "damaged PNG: no image data (IDAT) before IEND");
      return info;
    }
    i = static_cast<size_t>(end);
  }
  truncated("PNG", "no IEND chunk");
}

ImageInfo probe_webp(Bytes b, const ImageLimits& limits) {
  ImageInfo info{"webp", 0, 0};
  if (b.size() < 30) truncated("WebP", "it ends inside its header");
  uint64_t riff_size = le32(b, 4);
  if (riff_size + 8 > b.size()) truncated("WebP", "shorter than its RIFF header says");
  if (starts_with_text(b, "VP8X", 12)) {
    info.width = static_cast<int>(le24(b, 24) + 1);
    info.height = static_cast<int>(le24(b, 27) + 1);
  } else if (starts_with_text(b, "VP8L", 12)) {
    if (b[20] != 0x2F) refuse(Refusal::kCorrupt, "damaged WebP: bad lossless signature");
    uint32_t bits = le32(b, 21);
    info.width = static_cast<int>((bits & 0x3FFF) + 1);
    info.height = static_cast<int>(((bits >> 14) & 0x3FFF) + 1);
  } else if (starts_with_text(b, "VP8 ", 12)) {
    if (!starts_with(b, {0x9D, 0x01, 0x2A}, 23)) {
      refuse(Refusal::kCorrupt, "damaged WebP: bad lossy frame start code");
    }
    info.width = static_cast<int>(le16(b, 26) & 0x3FFF);
    info.height = static_cast<int>(le16(b, 28) & 0x3FFF);
  } else {
    refuse(Refusal::kCorrupt, "damaged WebP: no VP8, VP8L or VP8X chunk");
  }
  check_budget(info, limits);
  return info;
}

ImageInfo probe_bmp(Bytes b, const ImageLimits& limits) {
  ImageInfo info{"bmp", 0, 0};
  if (b.size() < 54) truncated("BMP", "it ends inside its header");
  uint32_t dib = le32(b, 14);
  if (dib < 40) refuse(Refusal::kUnsupportedFormat, "old OS/2 BMP headers are not supported: save as PNG");
  auto width = static_cast<int32_t>(le32(b, 18));
  auto height = static_cast<int32_t>(le32(b, 22));
  info.width = width;
  info.height = height == INT32_MIN ? -1 : std::abs(height);
  check_budget(info, limits);
  uint32_t declared = le32(b, 2), offset = le32(b, 10);
  uint32_t bits = le16(b, 28), compression = le32(b, 30);
  if (declared != 0 && declared > b.size()) truncated("BMP", "shorter than its header says");
  if (compression == 0 && bits > 0) {
    uint64_t stride = ((uint64_t{static_cast<uint32_t>(info.width)} * bits + 31) / 32) * 4;
    if (offset + stride * static_cast<uint64_t>(info.height) > b.size()) {
      truncated("BMP", "pixel rows missing");
    }
  }
  return info;
}

}  // namespace

std::string sniff_format(Bytes b) {
  if (starts_with(b, {0xFF, 0xD8, 0xFF})) return "jpeg";
  if (starts_with(b, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return "png";
  if (starts_with_text(b, "RIFF") && starts_with_text(b, "WEBP", 8)) return "webp";
  if (starts_with_text(b, "BM") && b.size() >= 18) return "bmp";
  if (starts_with_text(b, "GIF87a") || starts_with_text(b, "GIF89a")) return "gif";
  if (starts_with(b, {'I', 'I', 42, 0}) || starts_with(b, {'M', 'M', 0, 42})) return "tiff";
  if (starts_with_text(b, "ftyp", 4)) return "heif";
  if (starts_with_text(b, "%PDF")) return "pdf";
  if (starts_with_text(b, "<svg") || starts_with_text(b, "<?xml")) return "svg";
  return "";
}

ImageInfo probe_image(Bytes b, const ImageLimits& limits) {
  if (b.empty()) refuse(Refusal::kEmpty, "empty file (0 bytes): nothing to upload");
  if (b.size() > limits.max_bytes) {
    refuse(Refusal::kTooLarge, "file of " + std::to_string(b.size()) + " bytes is over the limit of " +
                                   std::to_string(limits.max_bytes) + " bytes: export a smaller image");
  }
  std::string format = sniff_format(b);
  if (format == "jpeg") return probe_jpeg(b, limits);
  if (format == "png") return probe_png(b, limits);
  if (format == "webp") return probe_webp(b, limits);
  if (format == "bmp") return probe_bmp(b, limits);
  if (!format.empty()) {
    refuse(Refusal::kUnsupportedFormat,
           format + " is not supported: export the artwork as JPEG, PNG, WebP or BMP");
  }
  refuse(Refusal::kNotAnImage,
         "not an image (no JPEG, PNG, WebP or BMP signature in its first bytes), whatever its name");
}

}  // namespace keyart::artwork
