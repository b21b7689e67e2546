#include "keyart/artwork/models.h"

#include <cstdlib>
#include <sstream>
#include <string>

#include "keyart/artwork/errors.h"

#ifndef KEYART_ARTWORK_MODEL_DIRS
#define KEYART_ARTWORK_MODEL_DIRS ""
#endif

namespace keyart::artwork {
namespace {

void append_list(std::vector<std::filesystem::path>& out, const std::string& list) {
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ':')) {
    if (!item.empty()) out.emplace_back(item);
  }
}

}  // namespace

std::vector<std::filesystem::path> model_search_path() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("KEYART_MODELS"); env && *env) append_list(dirs, env);
  append_list(dirs, KEYART_ARTWORK_MODEL_DIRS);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dirs.emplace_back(std::filesystem::path(xdg) / "keyart" / "models");
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dirs.emplace_back(std::filesystem::path(home) / ".cache" / "keyart" / "models");
  }
  return dirs;
}

std::filesystem::path find_model(std::string_view file_name) {
  std::string searched;
  for (const auto& dir : model_search_path()) {
    std::error_code ec;
    auto candidate = dir / file_name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw ArtworkError(Refusal::kModelMissing,
                     "model " + std::string(file_name) + " not found (searched " + searched +
                         "): run scripts/fetch_models.sh or set KEYART_MODELS");
}

}  // namespace keyart::artwork
