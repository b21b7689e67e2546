// Near-duplicate detection between two images' fingerprints (feature_record.h):
//   copy  the perceptual hashes differ in <= 10 of 64 bits: the same picture
//         re-encoded, resized or lightly retouched;
//   crop  ORB keypoints (500 per image at 512 px) match (Hamming, ratio test
//         0.8 both ways, cross-checked) and >= 15 of them agree on one
//         similarity transform (RANSAC, 3 % of the long side), their hull
//         covering >= 5 % of one image: one image is a cut of the other (or
//         both are cuts of one picture).
// The verdict does not depend on the argument order. Two posters that merely
// share a face photo match on a few points of the face only: at most 10
// consistent matches between any two different test posters.
#pragma once

#include <string>

#include "keyart/artwork/feature_record.h"

namespace keyart::artwork {

struct DuplicateCheck {
  std::string kind = "none";  // none | copy | crop
  int phash_distance = 64;
  int inliers = 0;            // ORB matches consistent with one transform
  double coverage = 0;        // inliers' hull area / image area (the larger of the two)
  bool duplicate() const { return kind != "none"; }
};

DuplicateCheck compare_fingerprints(const Fingerprint& a, const Fingerprint& b);

}  // namespace keyart::artwork
