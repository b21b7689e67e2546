// Extraction time per image at 640x360, 1280x720 and 1920x1080 (a real
// poster, p01 with two faces and a title, resized), on one core
// (cv::setNumThreads(1)): decoding, faces, look, text, composition and
// fingerprint; the "identify" variants also match the two faces against a
// cast of nine (two 128-d descriptors). Also: validation alone.
#include <benchmark/benchmark.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "artwork_bench_data.h"
#include "keyart/artwork/extractor.h"
#include "keyart/artwork/image_probe.h"
#include "keyart/artwork/near_duplicate.h"

namespace {

using keyart::bench::read_bytes;
using keyart::bench::repo_artwork;

std::vector<uint8_t> poster_jpeg(int width, int height) {
  cv::Mat image = cv::imread((repo_artwork() / "posters" / "p01_two_leads.jpg").string()), sized;
  cv::resize(image, sized, cv::Size(width, height), 0, 0, width < image.cols ? cv::INTER_AREA : cv::INTER_CUBIC);
  std::vector<uint8_t> bytes;
  cv::imencode(".jpg", sized, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
  return bytes;
}

keyart::artwork::Extractor& extractor() {
  static keyart::artwork::Extractor e;
  return e;
}

const keyart::artwork::CastGallery& gallery() {
  static keyart::artwork::CastGallery g = [] {
    keyart::artwork::CastGallery out;
    for (const auto& e : std::filesystem::directory_iterator(repo_artwork() / "people")) {
      keyart::artwork::CastReference m;
      m.actor_id = e.path().filename().string();
      m.descriptors = {extractor().headshot_descriptor(read_bytes(e.path() / "01.jpg"))};
      out.members.push_back(m);
    }
    return out;
  }();
  return g;
}

void BM_Extract(benchmark::State& state) {
  cv::setNumThreads(1);
  auto bytes = poster_jpeg(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  bool identify = state.range(2) != 0;
  const auto* cast = identify ? &gallery() : nullptr;
  for (auto _ : state) benchmark::DoNotOptimize(extractor().extract(bytes, cast));
  state.SetLabel(std::to_string(state.range(0)) + "x" + std::to_string(state.range(1)) +
                 (identify ? " identify" : ""));
}
BENCHMARK(BM_Extract)
    ->Args({640, 360, 0})->Args({1280, 720, 0})->Args({1920, 1080, 0})
    ->Args({640, 360, 1})->Args({1280, 720, 1})->Args({1920, 1080, 1})
    ->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ProbeOnly(benchmark::State& state) {
  auto bytes = poster_jpeg(1920, 1080);
  for (auto _ : state) benchmark::DoNotOptimize(keyart::artwork::probe_image(bytes));
}
BENCHMARK(BM_ProbeOnly)->Unit(benchmark::kMicrosecond);

// One near-duplicate check (500 x 500 ORB keypoints, then RANSAC when
// enough match): an upload runs one per earlier variant of the title.
void BM_CompareFingerprints(benchmark::State& state) {
  cv::setNumThreads(1);
  auto a = extractor().extract(read_bytes(repo_artwork() / "posters" / "p01_two_leads.jpg")).fingerprint;
  auto b = extractor().extract(read_bytes(repo_artwork() / "posters" / "p05_collage5.jpg")).fingerprint;
  for (auto _ : state) benchmark::DoNotOptimize(keyart::artwork::compare_fingerprints(a, b));
}
BENCHMARK(BM_CompareFingerprints)->Unit(benchmark::kMicrosecond);

}  // namespace
