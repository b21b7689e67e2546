// Colour and tone measures checked against values computed by hand from the
// textbook formulas (CIE L*, Hasler & Suesstrunk 2003) on synthetic images.
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "artwork_data.h"
#include "keyart/artwork/color_names.h"

namespace keyart::testing {
namespace {

artwork::FeatureRecord extract_mat(const cv::Mat& image) {
  std::vector<uint8_t> png;
  cv::imencode(".png", image, png);
  return shared_extractor().extract(png);
}

// CIE 1976 L* of an sRGB grey level, from the sRGB and CIELAB definitions.
double lstar_of_grey(int v) {
  double c = v / 255.0;
  double y = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  return y > 216.0 / 24389.0 ? 116.0 * std::cbrt(y) - 16.0 : y * 24389.0 / 27.0;
}

TEST(Look, BrightnessIsMeanLStarOfAFlatGrey) {
  for (int v : {30, 119, 200}) {
    auto r = extract_mat(cv::Mat(200, 300, CV_8UC3, cv::Scalar(v, v, v)));
    EXPECT_NEAR(r.look.brightness, lstar_of_grey(v) / 100.0, 0.002) << v;
    EXPECT_NEAR(r.look.contrast, 0.0, 1e-4);
    EXPECT_NEAR(r.look.colorfulness_raw, 0.0, 1e-6);
    EXPECT_NEAR(r.look.saturation, 0.0, 1e-6);
  }
}

TEST(Look, ColorfulnessMatchesHandComputedHaslerSuesstrunk) {
  // Left half pure red (255,0,0), right half pure green (0,255,0), 200x200.
  cv::Mat image(200, 200, CV_8UC3, cv::Scalar(0, 0, 255));
  image(cv::Rect(100, 0, 100, 200)) = cv::Scalar(0, 255, 0);
  // rg = R - G: +255 on half the pixels, -255 on the other: mean 0, sd 255.
  // yb = (R + G)/2 - B = 127.5 everywhere: mean 127.5, sd 0.
  // M = sqrt(255^2 + 0) + 0.3 * sqrt(0 + 127.5^2) = 255 + 38.25 = 293.25.
  auto r = extract_mat(image);
  EXPECT_NEAR(r.look.colorfulness_raw, 293.25, 0.01);
  EXPECT_NEAR(r.look.colorfulness, 1.0, 1e-9);  // capped at "extremely colourful"
  // warmth = mean(R - B)/255 = (255/2 - 0)/255 = 0.5
  EXPECT_NEAR(r.look.warmth, 0.5, 1e-4);
  EXPECT_NEAR(r.look.saturation, 1.0, 1e-4);
  // Two clusters of half the pixels each, named red and green.
  ASSERT_GE(r.look.palette.size(), 2u);
  std::map<std::string, double> shares;
  for (const auto& c : r.look.palette) shares[c.name] += c.share;
  EXPECT_NEAR(shares["red"], 0.5, 0.02);
  EXPECT_NEAR(shares["green"], 0.5, 0.02);
}

TEST(Look, ColorfulnessOfAGreyBlueMix) {
  // Top half (0,0,255) blue, bottom half (128,128,128) grey.
  cv::Mat image(200, 200, CV_8UC3, cv::Scalar(255, 0, 0));
  image(cv::Rect(0, 100, 200, 100)) = cv::Scalar(128, 128, 128);
  // rg: 0 everywhere. yb: blue half -255, grey half 0: mean -127.5, sd 127.5.
  // M = 127.5 + 0.3 * 127.5 = 165.75.
  auto r = extract_mat(image);
  EXPECT_NEAR(r.look.colorfulness_raw, 165.75, 0.01);
  // warmth = mean(R - B)/255 = (0.5 * (0 - 255) + 0.5 * 0)/255 = -0.5
  EXPECT_NEAR(r.look.warmth, -0.5, 1e-4);
}

TEST(Look, ColorBucketsOfReferenceColours) {
  // L*a*b* (D65) of sRGB colours, from published conversion tables.
  EXPECT_EQ(artwork::color_bucket(53.24, 80.09, 67.20), "red");      // #ff0000
  EXPECT_EQ(artwork::color_bucket(74.93, 23.93, 78.95), "orange");   // #ffa500
  EXPECT_EQ(artwork::color_bucket(97.14, -21.55, 94.48), "yellow");  // #ffff00
  EXPECT_EQ(artwork::color_bucket(46.23, -51.70, 49.90), "green");   // #008000
  EXPECT_EQ(artwork::color_bucket(32.30, 79.19, -107.86), "blue");   // #0000ff
  EXPECT_EQ(artwork::color_bucket(29.78, 58.94, -36.50), "purple");  // #800080
  EXPECT_EQ(artwork::color_bucket(0.0, 0.0, 0.0), "black");
  EXPECT_EQ(artwork::color_bucket(100.0, 0.0, 0.0), "white");
  EXPECT_EQ(artwork::color_bucket(53.59, 0.0, 0.0), "white");        // #808080: light grey side
  EXPECT_EQ(artwork::color_bucket(36.15, 0.0, 0.0), "black");        // #555555
  EXPECT_EQ(artwork::color_bucket(12.97, 47.51, -64.70), "black");   // #000080 navy: too dark
}

TEST(Look, SharpnessFallsWhenBlurred) {
  cv::Mat image = cv::imread((artwork_data() / "posters" / "p08_astronaut_nasa.jpg").string());
  cv::Mat blurred;
  cv::GaussianBlur(image, blurred, cv::Size(0, 0), 3.0);
  EXPECT_GT(extract_mat(image).look.sharpness, extract_mat(blurred).look.sharpness + 0.2);
}

TEST(Look, DarkCardIsDarkAndTitleCardIsTextHeavy) {
  auto dark = shared_extractor().extract(read_bytes(artwork_data() / "negatives" / "n08_flat_dark.jpg"));
  EXPECT_LT(dark.look.brightness, 0.25);
  EXPECT_EQ(dark.arm.style, "dark");
  auto card = shared_extractor().extract(
      read_bytes(artwork_data() / "negatives" / "n07_title_card_text_only.jpg"));
  EXPECT_GE(card.text.area, 0.04);
  EXPECT_EQ(card.arm.style, "text_heavy");
  ASSERT_GE(card.text.boxes.size(), 2u);  // "COMING SOON" and the line below
}

TEST(Look, TextFoundOnTitledPostersOnlyWhereThereIsText) {
  for (const std::string name : {"p01_two_leads.jpg", "p02_ensemble3.jpg", "p03_lineup4.jpg",
                                 "p04_single_portrait.jpg", "p05_collage5.jpg", "p06_small_faces.jpg"}) {
    auto r = shared_extractor().extract(read_bytes(artwork_data() / "posters" / name));
    EXPECT_GT(r.text.area, 0.005) << name;
  }
  for (const std::string name : {"n02_cat_chelsea.jpg", "n06_brick.jpg", "n01_coffee.jpg"}) {
    auto r = shared_extractor().extract(read_bytes(artwork_data() / "negatives" / name));
    EXPECT_LT(r.text.area, 0.005) << name;
  }
}

TEST(Look, SaliencyCentreFollowsTheSubject) {
  // A bright square on black in the right third: the saliency mass moves right.
  cv::Mat image(300, 600, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(420, 120, 60, 60)) = cv::Scalar(255, 255, 255);
  auto r = extract_mat(image);
  EXPECT_GT(r.composition.saliency_x, 0.6);
  EXPECT_NEAR(r.composition.saliency_y, 0.5, 0.1);
  // Noise everywhere spreads the saliency more than one square does.
  cv::Mat noise(300, 600, CV_8UC3);
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
  EXPECT_LT(r.composition.spread + 0.2, extract_mat(noise).composition.spread);
}

}  // namespace
}  // namespace keyart::testing
