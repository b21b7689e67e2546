// Pictures for designers, so they see what the engine saw. render_inspection
// draws on the artwork its face boxes (the dominant face thicker, labelled
// with the identified cast member's name or "unknown"), landmarks, the text
// boxes, and beneath it the palette strip (share-proportional, named) and a
// line of key features. render_contact_sheet lays out many artworks as
// captioned thumbnails. Both return PNG bytes; both throw ArtworkError for an
// image they cannot decode.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "keyart/artwork/feature_record.h"

namespace keyart::artwork {

// actor_names: actor_id -> display name (ids without a name are shown as ids).
std::vector<uint8_t> render_inspection(std::span<const uint8_t> image_bytes,
                                       const FeatureRecord& record,
                                       const std::map<std::string, std::string>& actor_names);

struct SheetTile {
  std::vector<uint8_t> image_bytes;
  std::string heading;               // e.g. the variant id and status
  std::vector<std::string> lines;    // key features, one per line
};

// columns: tiles per row; tiles are 320 px wide.
std::vector<uint8_t> render_contact_sheet(const std::vector<SheetTile>& tiles,
                                          const std::string& title, int columns = 4);

}  // namespace keyart::artwork
