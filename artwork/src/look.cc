#include "look.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>

#include "decode.h"
#include "keyart/artwork/color_names.h"

namespace keyart::artwork {

namespace {

constexpr double kColorfulnessScale = 109.0;  // "extremely colourful" in the paper
constexpr double kSharpnessHalf = 500.0;      // Laplacian variance giving sharpness 0.5
constexpr int kPaletteThumb = 64;

cv::Mat to_lab(const cv::Mat& bgr) {
  cv::Mat f, lab;
  bgr.convertTo(f, CV_32F, 1.0 / 255.0);
  cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);  // L 0..100, a and b about -127..127
  return lab;
}

std::array<int, 3> lab_to_rgb(const std::array<double, 3>& lab) {
  cv::Mat m(1, 1, CV_32FC3, cv::Scalar(lab[0], lab[1], lab[2])), bgr;
  cv::cvtColor(m, bgr, cv::COLOR_Lab2BGR);
  cv::Vec3f p = bgr.at<cv::Vec3f>(0, 0);
  auto c = [](float v) { return std::clamp(static_cast<int>(std::lround(v * 255.f)), 0, 255); };
  return {c(p[2]), c(p[1]), c(p[0])};
}

}  // namespace

double hasler_suesstrunk_colorfulness(const cv::Mat& bgr) {
  std::vector<cv::Mat> ch;
  cv::Mat f;
  bgr.convertTo(f, CV_64F);
  cv::split(f, ch);  // B, G, R
  cv::Mat rg = ch[2] - ch[1];
  cv::Mat yb = 0.5 * (ch[2] + ch[1]) - ch[0];
  cv::Scalar mu_rg, sd_rg, mu_yb, sd_yb;
  cv::meanStdDev(rg, mu_rg, sd_rg);
  cv::meanStdDev(yb, mu_yb, sd_yb);
  return std::sqrt(sd_rg[0] * sd_rg[0] + sd_yb[0] * sd_yb[0]) +
         0.3 * std::sqrt(mu_rg[0] * mu_rg[0] + mu_yb[0] * mu_yb[0]);
}

std::vector<PaletteColor> dominant_colors(const cv::Mat& bgr, int k) {
  cv::Mat lab = to_lab(fit_long_side(bgr, kPaletteThumb));
  cv::Mat samples = lab.reshape(1, static_cast<int>(lab.total()));
  k = std::max(1, std::min(k, samples.rows));
  cv::Mat labels, centers;
  cv::RNG& rng = cv::theRNG();
  uint64 saved = rng.state;
  rng.state = 0x6b657961727421ull;  // deterministic palettes
  cv::kmeans(samples, k, labels,
             cv::TermCriteria(cv::TermCriteria::EPS + cv::TermCriteria::COUNT, 30, 0.1), 2,
             cv::KMEANS_PP_CENTERS, centers);
  rng.state = saved;
  std::vector<int> counts(static_cast<size_t>(k), 0);
  for (int i = 0; i < labels.rows; ++i) ++counts[static_cast<size_t>(labels.at<int>(i))];
  std::vector<PaletteColor> palette;
  for (int c = 0; c < k; ++c) {
    if (counts[static_cast<size_t>(c)] == 0) continue;
    PaletteColor p;
    p.lab = {centers.at<float>(c, 0), centers.at<float>(c, 1), centers.at<float>(c, 2)};
    for (auto& v : p.lab) v = std::round(v * 100.0) / 100.0;
    p.rgb = lab_to_rgb(p.lab);
    p.share = std::round(10000.0 * counts[static_cast<size_t>(c)] / labels.rows) / 10000.0;
    p.name = color_bucket(p.lab[0], p.lab[1], p.lab[2]);
    palette.push_back(std::move(p));
  }
  std::stable_sort(palette.begin(), palette.end(),
                   [](const PaletteColor& a, const PaletteColor& b) { return a.share > b.share; });
  return palette;
}

Look measure_look(const cv::Mat& bgr) {
  auto r4 = [](double v) { return std::round(v * 10000.0) / 10000.0; };
  Look look;
  cv::Mat lab = to_lab(bgr);
  std::vector<cv::Mat> lab_ch;
  cv::split(lab, lab_ch);
  cv::Scalar mean_l, sd_l;
  cv::meanStdDev(lab_ch[0], mean_l, sd_l);
  look.brightness = r4(mean_l[0] / 100.0);
  look.contrast = r4(sd_l[0] / 100.0);

  cv::Mat hsv;
  cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
  look.saturation = r4(cv::mean(hsv)[1] / 255.0);

  look.colorfulness_raw = r4(hasler_suesstrunk_colorfulness(bgr));
  look.colorfulness = r4(std::min(1.0, look.colorfulness_raw / kColorfulnessScale));

  cv::Scalar mean_bgr = cv::mean(bgr);
  look.warmth = r4((mean_bgr[2] - mean_bgr[0]) / 255.0);

  cv::Mat gray, lap;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::Laplacian(gray, lap, CV_64F);
  cv::Scalar mu, sd;
  cv::meanStdDev(lap, mu, sd);
  look.sharpness_raw = r4(sd[0] * sd[0]);
  look.sharpness = r4(look.sharpness_raw / (look.sharpness_raw + kSharpnessHalf));

  look.palette = dominant_colors(bgr, 5);
  std::map<std::string, double> by_bucket;
  for (const auto& p : look.palette) by_bucket[p.name] += p.share;
  double best = -1;
  for (const auto& name : color_bucket_names()) {  // fixed order breaks ties
    auto it = by_bucket.find(name);
    if (it != by_bucket.end() && it->second > best) {
      best = it->second;
      look.dominant_color = name;
    }
  }
  return look;
}

}  // namespace keyart::artwork
