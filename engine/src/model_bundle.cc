#include "keyart/engine/model_bundle.h"

#include <charconv>

namespace keyart::engine {

namespace {
constexpr std::string_view kMagic = "KEYART-MODEL-SNAPSHOT 1\n";
}

std::string written_by(const ModelBundle& bundle) {
  if (!bundle.meta.is_object()) return std::string(kWrittenByServe);
  auto it = bundle.meta.find("writer");
  return it != bundle.meta.end() && it->is_string() ? it->get<std::string>()
                                                    : std::string(kWrittenByServe);
}

std::string encode_bundle(const ModelBundle& bundle) {
  nlohmann::json manifest = {{"learners", nlohmann::json::array()}, {"meta", bundle.meta}};
  size_t offset = 0;
  for (const BundledLearner& l : bundle.learners) {
    manifest["learners"].push_back(
        {{"scope", l.scope}, {"spec", l.spec}, {"offset", offset}, {"size", l.snapshot.size()}});
    offset += l.snapshot.size();
  }
  std::string head = manifest.dump();
  std::string out(kMagic);
  out += std::to_string(head.size()) + "\n" + head;
  for (const BundledLearner& l : bundle.learners) out += l.snapshot;
  return out;
}

std::optional<ModelBundle> decode_bundle(std::string_view data) {
  if (data.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  data.remove_prefix(kMagic.size());
  size_t newline = data.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  size_t head_size = 0;
  auto [end, ec] = std::from_chars(data.data(), data.data() + newline, head_size);
  if (ec != std::errc() || end != data.data() + newline) return std::nullopt;
  data.remove_prefix(newline + 1);
  if (head_size > data.size()) return std::nullopt;
  auto manifest = nlohmann::json::parse(data.substr(0, head_size), nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) return std::nullopt;
  std::string_view payload = data.substr(head_size);
  ModelBundle bundle;
  try {
    if (manifest.contains("meta")) bundle.meta = manifest.at("meta");
    for (const auto& entry : manifest.at("learners")) {
      size_t offset = entry.at("offset"), size = entry.at("size");
      if (offset > payload.size() || size > payload.size() - offset) return std::nullopt;
      bundle.learners.push_back({entry.at("scope").get<std::string>(),
                                 entry.value("spec", std::string()),
                                 std::string(payload.substr(offset, size))});
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return bundle;
}

}  // namespace keyart::engine
