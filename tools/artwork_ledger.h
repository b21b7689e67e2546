// Glue between the ledger and the artwork module for the commands: a title's
// cast as a gallery of reference descriptors (only descriptors made by the
// current descriptor model), the display names of a title's actors, the
// stored feature record of a variant, and the extractor options the
// commands share (--max-pixels).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "cli.h"
#include "keyart/artwork/cast_gallery.h"
#include "keyart/artwork/extractor.h"
#include "keyart/artwork/feature_record.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/variants.h"

namespace keyart::cli {

artwork::CastGallery load_cast_gallery(ledger::Ledger& ledger, const std::string& title_id);
std::map<std::string, std::string> actor_names(ledger::Ledger& ledger, const std::string& title_id);

// The variant's stored record (current extractor version); nullopt when it
// has none or one from another extractor version.
std::optional<artwork::FeatureRecord> stored_record(ledger::Ledger& ledger,
                                                    const std::string& variant_id);

// Adds --max-pixels to cmd; extractor_options() reads it back.
void add_image_limit_options(Subcommand& cmd);
artwork::ExtractorOptions extractor_options(const Subcommand& cmd);

// The file extension a stored image of this format gets ("jpg", "png", ...).
std::string file_extension_for(const std::string& format);

}  // namespace keyart::cli
