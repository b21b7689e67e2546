// The converted face descriptor model (scripts/convert_face_descriptor.py):
//  - gives, through OpenCV, the descriptor that an independent numpy port of
//    face-api's forward pass computes for a fixed synthetic input
//    (tests/data/artwork/faceapi_forward_expected.json);
//  - when ../shared is present: converted with the layout of the shared
//    reference ONNX it reproduces that model's descriptors on real photos,
//    and the default (face-api) layout identifies the same people.
#include <gtest/gtest.h>

#include <cstdlib>
#include <opencv2/dnn.hpp>

#include "artwork_data.h"
#include "keyart/artwork/models.h"

namespace keyart::testing {
namespace {

namespace fs = std::filesystem;

TEST(DescriptorModel, MatchesIndependentFaceApiForward) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(artwork::find_model(artwork::kFaceDescriptorFile).string());
  cv::Mat rgb(150, 150, CV_8UC3);
  for (int y = 0; y < 150; ++y) {
    for (int x = 0; x < 150; ++x) {
      for (int c = 0; c < 3; ++c) rgb.at<cv::Vec3b>(y, x)[c] = static_cast<uint8_t>((7 * x + 13 * y + 50 * c) % 256);
    }
  }
  net.setInput(cv::dnn::blobFromImage(rgb, 1.0 / 255, cv::Size(150, 150),
                                      cv::Scalar(122.782, 117.001, 104.298), false, false));
  cv::Mat out = net.forward();
  std::ifstream in(artwork_data() / "faceapi_forward_expected.json");
  auto expected = nlohmann::json::parse(in).at("descriptor").get<std::vector<double>>();
  ASSERT_EQ(out.total(), expected.size());
  double worst = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    worst = std::max(worst, std::abs(out.ptr<float>()[i] - expected[i]));
  }
  EXPECT_LT(worst, 2e-4);
}

class ScopedModelDir {
 public:
  explicit ScopedModelDir(const fs::path& dir) {
    const char* old = std::getenv("KEYART_MODELS");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("KEYART_MODELS", dir.c_str(), 1);
  }
  ~ScopedModelDir() { had_ ? setenv("KEYART_MODELS", old_.c_str(), 1) : unsetenv("KEYART_MODELS"); }

 private:
  bool had_ = false;
  std::string old_;
};

std::vector<fs::path> sample_photos() {
  return {artwork_data() / "people" / "frl_004" / "01.jpg", artwork_data() / "people" / "frl_025" / "02.jpg",
          artwork_data() / "people" / "lisa" / "06.jpg", artwork_data() / "people" / "frl_030" / "03.jpg"};
}

std::vector<std::vector<float>> descriptors_with_model(const fs::path& model) {
  TempDir dir;
  fs::create_symlink(model, dir / artwork::kFaceDescriptorFile);
  fs::create_symlink(artwork::find_model(artwork::kFaceDetectorFile), dir / artwork::kFaceDetectorFile);
  ScopedModelDir scope(dir.path());
  artwork::Extractor extractor;
  std::vector<std::vector<float>> out;
  for (const auto& p : sample_photos()) out.push_back(extractor.headshot_descriptor(read_bytes(p)));
  return out;
}

TEST(DescriptorModel, ReproducesTheSharedReferenceModel) {
  fs::path reference = shared_artwork_dir() / "models" / "face_recognition_faceapi_resnet_fp32.onnx";
  if (!fs::exists(reference)) GTEST_SKIP() << "no ../shared/data/artwork (CI has it)";
  fs::path sources = source_dir() / "models-cache" / "faceapi-1.7.15";
  ASSERT_TRUE(fs::exists(sources / "face_recognition_model.bin")) << "run scripts/fetch_models.sh";
  TempDir dir;
  std::string command = "/usr/bin/python3 '" + (source_dir() / "scripts" / "convert_face_descriptor.py").string() +
                        "' --layout shared-reference '" +
                        (sources / "face_recognition_model-weights_manifest.json").string() + "' '" +
                        (sources / "face_recognition_model.bin").string() + "' '" +
                        (dir / "reference_layout.onnx").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  auto theirs = descriptors_with_model(reference);
  auto ours_same_layout = descriptors_with_model(dir / "reference_layout.onnx");
  auto ours_default = descriptors_with_model(artwork::find_model(artwork::kFaceDescriptorFile));
  for (size_t i = 0; i < theirs.size(); ++i) {
    EXPECT_LT(artwork::descriptor_distance(theirs[i], ours_same_layout[i]), 1e-4) << i;
  }
  // Both layouts agree on who is who: same-person distances stay under 0.6,
  // different people over it (photos 0-3 are four different people).
  for (size_t i = 0; i < theirs.size(); ++i) {
    for (size_t j = i + 1; j < theirs.size(); ++j) {
      EXPECT_GT(artwork::descriptor_distance(theirs[i], theirs[j]), 0.6);
      EXPECT_GT(artwork::descriptor_distance(ours_default[i], ours_default[j]), 0.6);
    }
  }
}

}  // namespace
}  // namespace keyart::testing
