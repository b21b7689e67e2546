// The encoded-size limit of an upload (ImageLimits::max_bytes): a file one
// byte over is refused as too_large with a message naming both sizes,
// before its header is even read; a file of exactly the limit is accepted.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "keyart/artwork/errors.h"
#include "keyart/artwork/image_probe.h"

namespace keyart {
namespace {

TEST(ImageBytesLimit, OneByteOverIsRefusedExactlyTheLimitIsAccepted) {
  cv::Mat pixels(48, 64, CV_8UC3, cv::Scalar(30, 120, 200));
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", pixels, png));
  artwork::ImageLimits limits;
  limits.max_bytes = png.size();
  artwork::ImageInfo info = artwork::probe_image(png, limits);
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);

  limits.max_bytes = png.size() - 1;
  try {
    artwork::probe_image(png, limits);
    FAIL() << "accepted a file over max_bytes";
  } catch (const artwork::ArtworkError& e) {
    EXPECT_EQ(e.reason(), artwork::Refusal::kTooLarge);
    const std::string message = e.what();
    EXPECT_NE(message.find(std::to_string(png.size()) + " bytes"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(png.size() - 1) + " bytes"), std::string::npos) << message;
  }
  // The default is 64 MiB.
  EXPECT_EQ(artwork::ImageLimits{}.max_bytes, 64ull << 20);
}

}  // namespace
}  // namespace keyart
