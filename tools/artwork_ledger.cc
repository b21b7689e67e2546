#include "artwork_ledger.h"

#include <cstring>

#include "keyart/artwork/models.h"
#include "keyart/ledger/catalog.h"

namespace keyart::cli {

artwork::CastGallery load_cast_gallery(ledger::Ledger& ledger, const std::string& title_id) {
  artwork::CastGallery gallery;
  for (const auto& m : ledger::list_cast(ledger, title_id)) {
    artwork::CastReference ref;
    ref.actor_id = m.actor_id;
    ref.actor_name = m.actor_name;
    ref.billing_order = m.billing_order;
    ref.role = m.role;
    for (const auto& h : ledger::list_headshots(ledger, m.actor_id)) {
      if (h.descriptor_model == artwork::kFaceDescriptorModel && !h.descriptor.empty()) {
        ref.descriptors.push_back(h.descriptor);
      }
    }
    gallery.members.push_back(std::move(ref));
  }
  return gallery;
}

std::map<std::string, std::string> actor_names(ledger::Ledger& ledger, const std::string& title_id) {
  std::map<std::string, std::string> names;
  for (const auto& m : ledger::list_cast(ledger, title_id)) names[m.actor_id] = m.actor_name;
  return names;
}

std::optional<artwork::FeatureRecord> stored_record(ledger::Ledger& ledger,
                                                    const std::string& variant_id) {
  auto features = ledger::latest_variant_features(ledger, variant_id);
  if (!features || features->extractor_version != artwork::kExtractorVersion) return std::nullopt;
  return artwork::record_from_json(nlohmann::json::parse(features->features_json));
}

void add_image_limit_options(Subcommand& cmd) {
  cmd.add_options()("max-pixels", po::value<int64_t>()->default_value(artwork::ImageLimits{}.max_pixels),
                    "refuse images with more pixels than this (decompression bombs)");
}

artwork::ExtractorOptions extractor_options(const Subcommand& cmd) {
  artwork::ExtractorOptions options;
  options.limits.max_pixels = cmd.get<int64_t>("max-pixels");
  if (options.limits.max_pixels <= 0) throw UsageError("--max-pixels must be positive");
  return options;
}

std::string file_extension_for(const std::string& format) { return format == "jpeg" ? "jpg" : format; }

}  // namespace keyart::cli
