// The artwork feature extractor: validates and decodes an image file, finds
// faces (YuNet at a working size of at most 640 px on the long side),
// matches them to a title's cast (128-d descriptors, nearest member under a
// distance threshold, else unknown), and measures the look (palette, tone,
// colourfulness, sharpness), title text, saliency composition and a
// near-duplicate fingerprint. The result is a FeatureRecord with its arm
// features filled in (style_rules.h, color_names.h). Models are loaded once
// per Extractor (models.h); the descriptor network only when first needed.
// An Extractor is not thread-safe: use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "keyart/artwork/cast_gallery.h"
#include "keyart/artwork/feature_record.h"
#include "keyart/artwork/image_probe.h"

namespace keyart::artwork {

struct ExtractorOptions {
  ImageLimits limits;
  int detect_long_side = 640;        // working size for faces, text and look
  float face_score_threshold = 0.75f;  // YuNet score; see docs/ARTWORK.md for the choice
  double dominant_area_ratio = 1.35;   // largest face dominates when >= this x the next one
  double identity_threshold = 0.6;     // descriptor distance for "same person" (dlib)
  int min_identify_face_px = 32;       // narrower faces (original pixels) stay unknown
  int max_identified_faces = 16;       // only the largest faces are matched
  double minor_prominence = 0.5;       // share of the largest face's area that is "prominent"
};

class Extractor {
 public:
  explicit Extractor(ExtractorOptions options = {});
  ~Extractor();
  Extractor(Extractor&&) noexcept;
  Extractor& operator=(Extractor&&) noexcept;

  // Throws ArtworkError for refused files and missing models. cast may be
  // null or without descriptors: faces are then not identified.
  FeatureRecord extract(std::span<const uint8_t> bytes, const CastGallery* cast = nullptr);

  // The descriptor of the one face in a reference headshot; kNoFace or
  // kSeveralFaces when there is not exactly one.
  std::vector<float> headshot_descriptor(std::span<const uint8_t> bytes);

  const ExtractorOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyart::artwork
