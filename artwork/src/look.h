// Colour and tone measures of an image (feature_record.h, Look). Internal.
#pragma once

#include <opencv2/core.hpp>

#include "keyart/artwork/feature_record.h"

namespace keyart::artwork {

// bgr: the working-size image (every pixel counts equally).
Look measure_look(const cv::Mat& bgr);

// Hasler & Suesstrunk (2003): M = sqrt(sd_rg^2 + sd_yb^2) + 0.3 sqrt(mu_rg^2 + mu_yb^2)
// with rg = R - G, yb = (R + G) / 2 - B (population statistics).
double hasler_suesstrunk_colorfulness(const cv::Mat& bgr);

// The k dominant colours by k-means in L*a*b* on a <= 64 px thumbnail,
// largest share first. Deterministic (fixed seed).
std::vector<PaletteColor> dominant_colors(const cv::Mat& bgr, int k);

}  // namespace keyart::artwork
