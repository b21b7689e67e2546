// A fast text-line detector for title treatments (a few ms at 640 px):
// morphological gradient, threshold (Otsu, at least 60), a horizontal closing
// that joins letters into lines, then connected components kept when they
// look like text: 10 px to a quarter of the image high, at least twice as
// wide as high, edge pixels filling >= 25 % of the box, at least two
// letter-sized parts, and >= 1.5 stroke edges per unit of width/height along
// the middle rows. Edges inside face boxes are ignored, and components lying
// mostly inside a face box are dropped.
// Internal to artwork/.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace keyart::artwork {

// bgr: working-size image; faces: face boxes in the same pixels.
std::vector<cv::Rect> detect_text_lines(const cv::Mat& bgr, const std::vector<cv::Rect2d>& faces);

}  // namespace keyart::artwork
