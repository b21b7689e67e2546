// Validation before decoding: every file in bad/ is refused with the right
// reason (or, for a JPEG named .png, sniffed and decoded), and truncated or
// oversized files made here from real images are refused too.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "artwork_data.h"
#include "keyart/artwork/errors.h"
#include "keyart/artwork/image_probe.h"

namespace keyart::testing {
namespace {

using artwork::ArtworkError;
using artwork::Refusal;

Refusal refusal_of(const std::vector<uint8_t>& bytes, const artwork::ImageLimits& limits = {}) {
  try {
    artwork::probe_image(bytes, limits);
  } catch (const ArtworkError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one-line message";
    return e.reason();
  }
  ADD_FAILURE() << "accepted";
  return Refusal::kCorrupt;
}

std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& image) {
  std::vector<uint8_t> out;
  EXPECT_TRUE(cv::imencode(ext, image, out));
  return out;
}

cv::Mat poster() { return cv::imread((artwork_data() / "posters" / "p01_two_leads.jpg").string()); }

TEST(ImageProbe, RefusesEveryBadFileWithItsReason) {
  const std::vector<std::pair<std::string, Refusal>> cases = {
      {"truncated.jpg", Refusal::kTruncated},
      {"empty.jpg", Refusal::kEmpty},
      {"text_named.jpg", Refusal::kNotAnImage},
      {"bomb_100000x100000.png", Refusal::kTooLarge},
      {"bomb_30000x30000.png", Refusal::kTooLarge},
      {"bomb_65500x65500_header_only.jpg", Refusal::kTooLarge},
  };
  for (const auto& [name, reason] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(refusal_of(read_bytes(artwork_data() / "bad" / name)), reason);
  }
}

TEST(ImageProbe, SniffsContentNotTheName) {
  auto info = artwork::probe_image(read_bytes(artwork_data() / "bad" / "jpeg_named.png"));
  EXPECT_EQ(info.format, "jpeg");
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 640);
}

TEST(ImageProbe, ReadsSizesOfEveryAcceptedFormat) {
  cv::Mat image = poster();
  for (const std::string ext : {".jpg", ".png", ".webp", ".bmp"}) {
    SCOPED_TRACE(ext);
    auto info = artwork::probe_image(encode(ext, image));
    EXPECT_EQ(info.width, 1280);
    EXPECT_EQ(info.height, 720);
  }
}

TEST(ImageProbe, RefusesTruncatedCopiesOfEveryFormat) {
  cv::Mat image = poster();
  for (const std::string ext : {".jpg", ".png", ".webp", ".bmp"}) {
    auto bytes = encode(ext, image);
    for (double keep : {0.5, 0.9, 0.999}) {
      SCOPED_TRACE(ext + " keeping " + std::to_string(keep));
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() * keep));
      EXPECT_EQ(refusal_of(cut), Refusal::kTruncated);
    }
  }
}

TEST(ImageProbe, PixelBudgetIsConfigurable) {
  auto bytes = encode(".png", poster());
  artwork::ImageLimits small;
  small.max_pixels = 1280 * 720 - 1;
  EXPECT_EQ(refusal_of(bytes, small), Refusal::kTooLarge);
  small.max_pixels = 1280 * 720;
  EXPECT_EQ(artwork::probe_image(bytes, small).width, 1280);
  artwork::ImageLimits narrow;
  narrow.max_side = 1000;
  EXPECT_EQ(refusal_of(bytes, narrow), Refusal::kTooLarge);
}

TEST(ImageProbe, RefusesOtherImageFormatsByName) {
  std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(refusal_of(gif), Refusal::kUnsupportedFormat);
  std::vector<uint8_t> pdf = {'%', 'P', 'D', 'F', '-', '1', '.', '4'};
  EXPECT_EQ(refusal_of(pdf), Refusal::kUnsupportedFormat);
}

TEST(ImageProbe, MessagesNameTheProblemAndTheFix) {
  try {
    artwork::probe_image(read_bytes(artwork_data() / "bad" / "bomb_30000x30000.png"));
    FAIL();
  } catch (const ArtworkError& e) {
    EXPECT_NE(std::string(e.what()).find("30000x30000"), std::string::npos) << e.what();
    EXPECT_STREQ(artwork::refusal_name(e.reason()), "too_large");
  }
}

}  // namespace
}  // namespace keyart::testing

namespace keyart::testing {
namespace {

// Damaged files (random bytes overwritten inside real JPEG, PNG and WebP
// files, or the files cut anywhere) are either analysed or refused with an
// ArtworkError: no other exception, no crash.
TEST(ImageProbe, DamagedFilesAreAnalysedOrRefusedNeverCrash) {
  cv::Mat image = cv::imread((artwork_data() / "posters" / "p03_lineup4.jpg").string()), small;
  cv::resize(image, small, cv::Size(320, 180), 0, 0, cv::INTER_AREA);
  std::mt19937 rng(12345);
  int refused = 0, analysed = 0;
  for (const std::string ext : {".jpg", ".png", ".webp"}) {
    std::vector<uint8_t> clean;
    cv::imencode(ext, small, clean);
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<uint8_t> bytes = clean;
      if (trial % 4 == 3) {
        bytes.resize(std::uniform_int_distribution<size_t>(0, clean.size() - 1)(rng));
      } else {
        std::uniform_int_distribution<size_t> at(0, bytes.size() - 1);
        for (int k = 0; k < 1 + trial % 16; ++k) bytes[at(rng)] = static_cast<uint8_t>(rng());
      }
      try {
        shared_extractor().extract(bytes);
        ++analysed;
      } catch (const artwork::ArtworkError& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        ++refused;
      }
    }
  }
  EXPECT_EQ(analysed + refused, 150);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace keyart::testing

namespace keyart::testing {
namespace {

// Every prefix of a valid file of each format is refused (or, for the full
// file, accepted) without reading past the end (run under ASan in CI builds
// with KEYART_SANITIZE).
TEST(ImageProbe, EveryPrefixOfTheHeadersIsHandled) {
  cv::Mat image(40, 60, CV_8UC3, cv::Scalar(10, 120, 200));
  for (const std::string ext : {".jpg", ".png", ".webp", ".bmp"}) {
    std::vector<uint8_t> bytes;
    cv::imencode(ext, image, bytes);
    size_t limit = std::min<size_t>(bytes.size(), 400);
    for (size_t n = 0; n < limit; ++n) {
      std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
      EXPECT_THROW(artwork::probe_image(prefix), artwork::ArtworkError) << ext << " " << n;
    }
    EXPECT_EQ(artwork::probe_image(bytes).width, 60) << ext;
  }
}

}  // namespace
}  // namespace keyart::testing
