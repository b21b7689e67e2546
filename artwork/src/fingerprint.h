// Computes an image's near-duplicate fingerprint (pHash + ORB). Internal.
#pragma once

#include <opencv2/core.hpp>

#include "keyart/artwork/feature_record.h"

namespace keyart::artwork {

Fingerprint compute_fingerprint(const cv::Mat& bgr);

}  // namespace keyart::artwork
