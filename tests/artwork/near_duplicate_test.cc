// Near-duplicate detection: a re-encoded, a resized and a cropped copy of a
// poster are caught; different posters (even ones sharing face photos) are not.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "artwork_data.h"
#include "keyart/artwork/near_duplicate.h"

namespace keyart::testing {
namespace {

artwork::Fingerprint fingerprint_of(const cv::Mat& image, const std::string& ext = ".jpg",
                                    int quality = 95) {
  std::vector<uint8_t> bytes;
  cv::imencode(ext, image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return shared_extractor().extract(bytes).fingerprint;
}

cv::Mat load(const std::string& name) { return cv::imread((artwork_data() / "posters" / name).string()); }

TEST(NearDuplicate, CatchesReencodedResizedAndCroppedCopies) {
  for (const std::string name : {"p01_two_leads.jpg", "p05_collage5.jpg", "p08_astronaut_nasa.jpg"}) {
    SCOPED_TRACE(name);
    cv::Mat image = load(name);
    auto original = shared_extractor().extract(read_bytes(artwork_data() / "posters" / name)).fingerprint;

    auto reencoded = artwork::compare_fingerprints(original, fingerprint_of(image, ".jpg", 40));
    EXPECT_EQ(reencoded.kind, "copy") << reencoded.phash_distance;

    cv::Mat half;
    cv::resize(image, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    EXPECT_EQ(artwork::compare_fingerprints(original, fingerprint_of(half, ".png")).kind, "copy");

    cv::Rect crop(image.cols / 10, image.rows / 8, image.cols * 7 / 10, image.rows * 7 / 10);
    auto cropped = artwork::compare_fingerprints(original, fingerprint_of(image(crop).clone()));
    EXPECT_TRUE(cropped.duplicate()) << "phash " << cropped.phash_distance << " inliers "
                                     << cropped.inliers << " coverage " << cropped.coverage;
  }
}

TEST(NearDuplicate, DifferentPostersAreNotDuplicates) {
  std::vector<std::string> names;
  std::vector<artwork::Fingerprint> prints;
  for (const auto& e : std::filesystem::directory_iterator(artwork_data() / "posters")) {
    names.push_back(e.path().filename().string());
    prints.push_back(shared_extractor().extract(read_bytes(e.path())).fingerprint);
  }
  ASSERT_GE(prints.size(), 9u);
  for (size_t i = 0; i < prints.size(); ++i) {
    for (size_t j = 0; j < prints.size(); ++j) {
      if (i == j) continue;  // both orders: the verdict must not depend on it
      auto check = artwork::compare_fingerprints(prints[i], prints[j]);
      EXPECT_FALSE(check.duplicate()) << names[i] << " vs " << names[j] << ": " << check.kind
                                      << " phash " << check.phash_distance << " inliers "
                                      << check.inliers << " coverage " << check.coverage;
    }
  }
}

TEST(NearDuplicate, SameImageIsACopyOfItself) {
  auto a = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p03_lineup4.jpg")).fingerprint;
  auto check = artwork::compare_fingerprints(a, a);
  EXPECT_EQ(check.kind, "copy");
  EXPECT_EQ(check.phash_distance, 0);
}

}  // namespace
}  // namespace keyart::testing
