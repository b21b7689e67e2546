// Saliency-based composition (feature_record.h, Composition): the spectral
// residual saliency map (Hou & Zhang 2007, OpenCV contrib saliency) and the
// position and spread of its mass. Internal to artwork/.
#pragma once

#include <opencv2/core.hpp>

#include "keyart/artwork/feature_record.h"

namespace keyart::artwork {

Composition measure_composition(const cv::Mat& bgr);
// The [0,1] float saliency map at the image's size (for the inspect view).
cv::Mat saliency_map(const cv::Mat& bgr);

}  // namespace keyart::artwork
