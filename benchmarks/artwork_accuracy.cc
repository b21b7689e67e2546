// Detection and identification accuracy on the artwork set (../shared when
// present, else the repository's subset), reported as counters (one pass):
//   poster_recall       labelled poster faces found (a detection whose centre
//                        lies in the labelled region) / labelled faces
//   montage_recall      the same for the 102-face montage p07 alone
//   extra_detections    detections on posters matching no labelled face
//   negative_faces      detections on the no-face negatives
//   photos_identified   people/*/NN.jpg (NN != 01) matched to their own
//                        person under the 0.6 threshold, / photos
//   worst_same, best_other  largest same-person and smallest other-person
//                        distance over those photos (the margin around 0.6)
//   poster_identities   labelled poster faces given the labelled identity
// BM_NearDuplicates: for each poster, a JPEG re-encode at quality 40 and
// crops keeping 90 %, 70 % and 50 % of each side (centred horizontally, a
// third of the margin above): the share caught; and the number of pairs of
// different posters wrongly flagged.
#include <benchmark/benchmark.h>

#include <opencv2/imgcodecs.hpp>

#include "keyart/artwork/near_duplicate.h"

#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "artwork_bench_data.h"
#include "keyart/artwork/extractor.h"

namespace {

namespace fs = std::filesystem;
using keyart::bench::artwork_set;
using keyart::bench::read_bytes;

void BM_Accuracy(benchmark::State& state) {
  cv::setNumThreads(1);
  keyart::artwork::Extractor extractor;
  fs::path root = artwork_set();
  std::ifstream in(root / "truth.json");
  auto truth = nlohmann::json::parse(in).at("images");
  keyart::artwork::CastGallery gallery;
  for (const auto& e : fs::directory_iterator(root / "people")) {
    keyart::artwork::CastReference m;
    m.actor_id = e.path().filename().string();
    m.descriptors = {extractor.headshot_descriptor(read_bytes(e.path() / "01.jpg"))};
    gallery.members.push_back(m);
  }
  for (auto _ : state) {
    int labelled = 0, found = 0, montage = 0, montage_found = 0, extra = 0, negative = 0;
    int poster_named = 0, poster_right = 0, photos = 0, photos_right = 0;
    double worst_same = 0, best_other = 1e9;
    for (const auto& [name, entry] : truth.items()) {
      if (!fs::exists(root / name) || name.rfind("bad/", 0) == 0) continue;
      auto r = extractor.extract(read_bytes(root / name), &gallery);
      if (name.rfind("negatives/", 0) == 0) {
        negative += static_cast<int>(r.faces.size());
      } else if (name.rfind("posters/", 0) == 0) {
        std::vector<bool> used(r.faces.size(), false);
        for (const auto& face : entry.at("face_list")) {
          auto reg = face.at("region").get<std::array<double, 4>>();
          bool hit = false;
          for (size_t i = 0; i < r.faces.size() && !hit; ++i) {
            double cx = r.faces[i].box[0] + r.faces[i].box[2] / 2, cy = r.faces[i].box[1] + r.faces[i].box[3] / 2;
            if (!used[i] && cx >= reg[0] && cx <= reg[0] + reg[2] && cy >= reg[1] && cy <= reg[1] + reg[3]) {
              used[i] = hit = true;
              if (!face.at("person").is_null()) {
                ++poster_named;
                poster_right += r.faces[i].actor_id.value_or("") == face.at("person").get<std::string>();
              }
            }
          }
          ++labelled;
          found += hit;
          if (name.find("p07_") != std::string::npos) {
            ++montage;
            montage_found += hit;
          }
        }
        extra += static_cast<int>(std::count(used.begin(), used.end(), false));
      } else if (name.rfind("people/", 0) == 0 && !entry.value("reference", false)) {
        auto want = entry.at("person").get<std::string>();
        ++photos;
        if (r.faces.size() == 1) {
          photos_right += r.faces[0].actor_id.value_or("") == want;
          auto descriptor = extractor.headshot_descriptor(read_bytes(root / name));
          for (const auto& m : gallery.members) {
            double d = keyart::artwork::descriptor_distance(descriptor, m.descriptors[0]);
            if (m.actor_id == want) worst_same = std::max(worst_same, d);
            else best_other = std::min(best_other, d);
          }
        }
      }
    }
    state.counters["poster_recall"] = labelled ? double(found) / labelled : 0;
    state.counters["poster_faces"] = labelled;
    state.counters["montage_recall"] = montage ? double(montage_found) / montage : 0;
    state.counters["extra_detections"] = extra;
    state.counters["negative_faces"] = negative;
    state.counters["photos_identified"] = photos ? double(photos_right) / photos : 0;
    state.counters["photos"] = photos;
    state.counters["worst_same"] = worst_same;
    state.counters["best_other"] = best_other;
    state.counters["poster_identities"] = poster_named ? double(poster_right) / poster_named : 0;
  }
  state.SetLabel(root.string());
}
BENCHMARK(BM_Accuracy)->Iterations(1)->Unit(benchmark::kSecond);

void BM_NearDuplicates(benchmark::State& state) {
  cv::setNumThreads(1);
  keyart::artwork::Extractor extractor;
  auto print = [&](const cv::Mat& image, int quality) {
    std::vector<uint8_t> bytes;
    cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
    return extractor.extract(bytes).fingerprint;
  };
  std::vector<fs::path> posters;
  for (const auto& e : fs::directory_iterator(artwork_set() / "posters")) posters.push_back(e.path());
  std::sort(posters.begin(), posters.end());
  for (auto _ : state) {
    std::map<std::string, int> caught;
    std::vector<keyart::artwork::Fingerprint> originals;
    for (const auto& p : posters) {
      originals.push_back(extractor.extract(read_bytes(p)).fingerprint);
      cv::Mat image = cv::imread(p.string());
      caught["reencode_q40"] += keyart::artwork::compare_fingerprints(originals.back(), print(image, 40)).duplicate();
      for (int keep : {90, 70, 50}) {
        double f = keep / 100.0;
        cv::Rect crop(static_cast<int>(image.cols * (1 - f) / 2), static_cast<int>(image.rows * (1 - f) / 3),
                      static_cast<int>(image.cols * f), static_cast<int>(image.rows * f));
        caught["crop" + std::to_string(keep)] +=
            keyart::artwork::compare_fingerprints(originals.back(), print(image(crop).clone(), 90)).duplicate();
      }
    }
    int flagged = 0;
    for (size_t i = 0; i < originals.size(); ++i) {
      for (size_t j = i + 1; j < originals.size(); ++j) {
        flagged += keyart::artwork::compare_fingerprints(originals[i], originals[j]).duplicate();
      }
    }
    for (const auto& [k, v] : caught) state.counters[k] = double(v) / posters.size();
    state.counters["posters"] = static_cast<double>(posters.size());
    state.counters["different_pairs_flagged"] = flagged;
  }
}
BENCHMARK(BM_NearDuplicates)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
