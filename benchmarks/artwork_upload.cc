// Upload throughput: `keyart variant upload --title T DIR` on a folder of 100
// distinct 1280x720 artworks (crops, flips, colour shifts and title bands of
// the test posters and photos), against a cast of nine with headshots, in a
// fresh ledger. Times the real binary end to end (decode, extraction, cast
// matching, near-duplicate checks against every earlier variant, storage,
// one transaction per file). OpenCV may use both cores here, as in use.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>

#include "artwork_bench_data.h"

namespace {

namespace fs = std::filesystem;
using keyart::bench::repo_artwork;

constexpr int kImages = 100;

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

std::vector<cv::Mat> sources() {
  std::vector<cv::Mat> out;
  for (const char* dir : {"posters", "people", "negatives"}) {
    for (auto it = fs::recursive_directory_iterator(repo_artwork() / dir); it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      cv::Mat m = cv::imread(it->path().string());
      if (!m.empty()) out.push_back(m);
    }
  }
  return out;
}

// A distinct 1280x720 artwork: a random crop of a source, maybe mirrored,
// hue-shifted, with a title band.
cv::Mat variation(const cv::Mat& src, std::mt19937& rng, int index) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double keep = 0.6 + 0.4 * u(rng);
  cv::Rect crop(static_cast<int>((1 - keep) * src.cols * u(rng)), static_cast<int>((1 - keep) * src.rows * u(rng)),
                static_cast<int>(keep * src.cols), static_cast<int>(keep * src.rows));
  cv::Mat out;
  cv::resize(src(crop), out, cv::Size(1280, 720), 0, 0, cv::INTER_CUBIC);
  if (u(rng) < 0.5) cv::flip(out, out, 1);
  cv::Mat hsv;
  cv::cvtColor(out, hsv, cv::COLOR_BGR2HSV);
  hsv.forEach<cv::Vec3b>([shift = static_cast<int>(180 * u(rng))](cv::Vec3b& p, const int*) {
    p[0] = static_cast<uint8_t>((p[0] + shift) % 180);
  });
  cv::cvtColor(hsv, out, cv::COLOR_HSV2BGR);
  cv::rectangle(out, cv::Rect(0, 600, 1280, 120), cv::Scalar(20, 20, 20), cv::FILLED);
  cv::putText(out, "TITLE NUMBER " + std::to_string(index), cv::Point(60, 680), cv::FONT_HERSHEY_DUPLEX, 2.0,
              cv::Scalar(240, 240, 240), 3, cv::LINE_AA);
  return out;
}

void BM_UploadFolder(benchmark::State& state) {
  fs::path work = fs::temp_directory_path() / ("keyart-bench-upload-" + std::to_string(::getpid()));
  fs::create_directories(work / "in");
  std::mt19937 rng(7);
  auto src = sources();
  for (int i = 0; i < kImages; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "art_%03d.jpg", i);
    cv::imwrite((work / "in" / name).string(), variation(src[static_cast<size_t>(i) % src.size()], rng, i),
                {cv::IMWRITE_JPEG_QUALITY, 90});
  }
  std::string keyart = KEYART_BINARY_PATH;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string db = (work / ("ledger" + std::to_string(round++) + ".db")).string();
    run(keyart + " init --db " + db + " >/dev/null");
    run(keyart + " title add bench --name Bench --db " + db + " >/dev/null");
    for (const auto& e : fs::directory_iterator(repo_artwork() / "people")) {
      run(keyart + " cast add --title bench --actor " + e.path().filename().string() + " --db " + db + " " +
          (e.path() / "01.jpg").string() + " >/dev/null");
    }
    state.ResumeTiming();
    run(keyart + " variant upload --title bench --db " + db + " " + (work / "in").string() + " >/dev/null");
  }
  state.counters["files_per_s"] = benchmark::Counter(static_cast<double>(kImages) * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
  fs::remove_all(work);
}
BENCHMARK(BM_UploadFolder)->Iterations(2)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
