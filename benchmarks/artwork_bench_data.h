// Inputs for the artwork benchmarks: the repository's test images and the
// shared artwork set when it is present beside the repository.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace keyart::bench {

inline std::filesystem::path repo_artwork() {
  return std::filesystem::path(KEYART_SOURCE_DIR) / "tests" / "data" / "artwork";
}

// ../shared/data/artwork when present, else the repository's subset.
inline std::filesystem::path artwork_set() {
  auto shared = std::filesystem::path(KEYART_SOURCE_DIR).parent_path() / "shared" / "data" / "artwork";
  return std::filesystem::exists(shared / "truth.json") ? shared : repo_artwork();
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace keyart::bench
