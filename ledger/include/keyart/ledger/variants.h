// Artwork variants of a title and the features artwork/ extracted from them.
// A variant is active or retired; retiring keeps its history (exposures refer
// to it) and restore makes it active again. Features are stored per extractor
// version as the JSON record plus the numeric vector the bandit uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct Variant {
  std::string variant_id;
  std::string title_id;
  std::string kind = "image";  // image | external
  std::optional<std::string> sha256;
  std::optional<std::string> format;  // jpeg | png | webp | bmp
  std::optional<int64_t> width, height, bytes;
  std::optional<std::string> storage_path;  // relative to Ledger::files_dir()
  std::string uri;            // what the serving hook hands to clients
  std::string original_name;  // the uploaded file's name, for display only
  std::string status = "active";
  int64_t uploaded_at = 0;  // set by add_variant when 0
  std::string uploaded_by;
  std::optional<int64_t> retired_at;
};

struct VariantFeatures {
  std::string variant_id;
  std::string extractor_version;
  std::string features_json;    // the feature record
  std::vector<double> vector;   // the bandit's arm features
  int64_t extracted_at = 0;     // set by put_variant_features when 0
};

// The variant id of an action that comes from outside (an imported log's,
// a Personalizer client's): "<title>-<action>", with spaces, slashes and
// control characters replaced by '_'. Valid (catalog.h's is_valid_id)
// unless it is longer than 128 characters.
std::string external_variant_id(std::string_view title_id, std::string_view action);

// Next free id of the form "<title>-v<N>".
std::string next_variant_id(Ledger& ledger, std::string_view title_id);

// Adds the variant (and its features, when given) in one transaction.
// A second image with the same sha256 for the title is kConflict.
void add_variant(Ledger& ledger, const Variant& variant,
                 const std::optional<VariantFeatures>& features = std::nullopt);
std::optional<Variant> find_variant(Ledger& ledger, std::string_view variant_id);
Variant get_variant(Ledger& ledger, std::string_view variant_id);  // kNotFound if missing
std::optional<Variant> find_variant_by_sha256(Ledger& ledger, std::string_view title_id,
                                              std::string_view sha256);
// All of a title's variants in upload order; retired ones only when asked.
std::vector<Variant> list_variants(Ledger& ledger, std::string_view title_id,
                                   bool include_retired);
// status: "active" or "retired". Setting the current status again is a no-op.
void set_variant_status(Ledger& ledger, std::string_view variant_id, std::string_view status);

void put_variant_features(Ledger& ledger, const VariantFeatures& features);
// The most recently extracted features of a variant, if any.
std::optional<VariantFeatures> latest_variant_features(Ledger& ledger,
                                                       std::string_view variant_id);

}  // namespace keyart::ledger
