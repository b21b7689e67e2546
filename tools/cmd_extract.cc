// keyart extract FILE: prints the feature record the artwork module extracts,
// without storing anything.
#include <iostream>

#include "artwork_ledger.h"
#include "commands.h"
#include "keyart/artwork/errors.h"
#include "keyart/artwork/extractor.h"
#include "keyart/artwork/feature_record.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/file_store.h"

namespace keyart::cli {

int cmd_extract(Args args) {
  Subcommand cmd("extract", "FILE [--title T [--db PATH]] [--full]",
                 "Validates an image and prints its feature record as JSON; stores nothing.\n"
                 "With --title, faces are matched against that title's cast (read from the\n"
                 "ledger). The near-duplicate keypoints are summarised unless --full.");
  cmd.with_db().positional("file", 1);
  cmd.add_options()("file", po::value<std::string>()->required(), "image file")(
      "title", po::value<std::string>(), "identify faces against this title's cast")(
      "full", "include the near-duplicate keypoints and descriptors");
  add_image_limit_options(cmd);
  if (!cmd.parse(args)) return kExitOk;
  std::string path = cmd.get<std::string>("file");
  artwork::ExtractorOptions options = extractor_options(cmd);
  auto bytes = ledger::read_file_bytes(path, options.limits.max_bytes);
  std::optional<artwork::CastGallery> gallery;
  if (cmd.has("title")) {
    auto ledger = cmd.open_ledger(true);
    ledger::get_title(ledger, cmd.get<std::string>("title"));  // kNotFound if missing
    gallery = load_cast_gallery(ledger, cmd.get<std::string>("title"));
    if (!gallery->has_descriptors()) {
      std::cerr << "keyart: note: title '" << cmd.get<std::string>("title")
                << "' has no cast headshots to match faces against ('keyart cast add')\n";
    }
  }
  artwork::Extractor extractor(options);
  artwork::FeatureRecord record;
  try {
    record = extractor.extract(bytes, gallery ? &*gallery : nullptr);
  } catch (const artwork::ArtworkError& e) {
    throw CommandError(path + ": " + e.what());
  }
  nlohmann::json j = artwork::to_json(record);
  if (!cmd.has("full")) {
    j["fingerprint"]["points"] = record.fingerprint.points.size();
    j["fingerprint"].erase("descriptors");
  }
  std::cout << j.dump(2) << "\n";
  return kExitOk;
}

}  // namespace keyart::cli
