// Shared helpers for the artwork tests: the repository's test images
// (tests/data/artwork), their ground truth, and a cast gallery made from the
// reference headshots (people/<person>/01.jpg).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keyart/artwork/cast_gallery.h"
#include "keyart/artwork/extractor.h"
#include "support/test_support.h"

namespace keyart::testing {

inline std::filesystem::path artwork_data() { return source_dir() / "tests" / "data" / "artwork"; }

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline nlohmann::json artwork_truth() {
  std::ifstream in(artwork_data() / "truth.json");
  return nlohmann::json::parse(in).at("images");
}

// One extractor per test binary: loading the models takes a while.
inline artwork::Extractor& shared_extractor() {
  static artwork::Extractor extractor;
  return extractor;
}

// The nine people as cast members, billed in folder order; `minor` gets role minor.
inline artwork::CastGallery people_gallery(const std::string& minor = "") {
  static std::vector<std::pair<std::string, std::vector<float>>> refs = [] {
    std::vector<std::pair<std::string, std::vector<float>>> out;
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(artwork_data() / "people")) {
      dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
      out.emplace_back(d.filename().string(),
                       shared_extractor().headshot_descriptor(read_bytes(d / "01.jpg")));
    }
    return out;
  }();
  artwork::CastGallery gallery;
  int order = 1;
  for (const auto& [id, descriptor] : refs) {
    artwork::CastReference m;
    m.actor_id = id;
    m.actor_name = id;
    m.billing_order = order++;
    m.role = id == minor ? "minor" : "lead";
    m.descriptors = {descriptor};
    gallery.members.push_back(std::move(m));
  }
  return gallery;
}

}  // namespace keyart::testing
