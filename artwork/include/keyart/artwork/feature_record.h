// The feature record: everything the artwork module saw in one image, as a
// plain struct with a versioned JSON form (stored in the ledger beside the
// extractor version), a fixed numeric vector for the bandit with one named
// entry per feature, and the small map of named arm features that the engine
// and the workload generator share (featured_actor, style, color,
// brightness, n_faces, face_area, text_area, colorfulness). No OpenCV here:
// engine/ and tools/ read records without it. record_from_json(to_json(r))
// gives back r (numbers to JSON's double precision).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keyart/artwork/image_probe.h"

namespace keyart::artwork {

// Bumped whenever a feature's definition changes.
inline constexpr const char* kExtractorVersion = "keyart-artwork/1";

using Box = std::array<double, 4>;  // x, y, width, height in original pixels

struct Face {
  Box box{};
  double score = 0;                            // detector confidence, 0..1
  std::array<std::array<double, 2>, 5> landmarks{};  // eyes, nose tip, mouth corners
  double area = 0;                             // box area / image area
  double center_x = 0, center_y = 0;           // box centre, 0..1
  std::string third;                           // "top-left" ... "bottom-right" (3x3 grid)
  std::optional<std::string> actor_id;         // the cast member it matched
  std::optional<double> distance;              // descriptor distance to the nearest cast member
};

struct PaletteColor {
  std::array<double, 3> lab{};  // CIE L*a*b* (L 0..100)
  std::array<int, 3> rgb{};     // sRGB 0..255
  double share = 0;             // of the image's pixels
  std::string name;             // colour bucket (color_names.h)
};

struct Look {
  double brightness = 0;        // mean L* / 100
  double contrast = 0;          // RMS contrast: std of L* / 100
  double saturation = 0;        // mean HSV saturation, 0..1
  double colorfulness_raw = 0;  // Hasler & Suesstrunk (2003) M on 0..255 RGB
  double colorfulness = 0;      // min(1, M / 109): 109 is "extremely colourful" in the paper
  double warmth = 0;            // mean (R - B) / 255, -1 (cool) .. 1 (warm)
  double sharpness_raw = 0;     // variance of the Laplacian at 640 px
  double sharpness = 0;         // raw / (raw + 500), 0..1
  std::vector<PaletteColor> palette;  // k-means in Lab, largest share first (5)
  std::string dominant_color;   // the colour bucket with the largest total share
};

struct TextRegions {
  double area = 0;         // union of text boxes / image area
  std::vector<Box> boxes;  // text lines, original pixels
};

struct Composition {
  double saliency_x = 0.5, saliency_y = 0.5;  // centre of mass of the saliency map, 0..1
  double thirds_distance = 0;  // from that centre to the nearest rule-of-thirds point, 0..1
  double center_distance = 0;  // from that centre to the image centre, 0..1
  double spread = 0;           // std of saliency mass around its centre, 0..1
};

struct CastSummary {
  bool identified = false;                    // cast matching ran (a gallery was given)
  std::optional<std::string> featured_actor;  // the dominant face's cast member
  std::vector<std::string> actors;            // every identified cast member, by prominence
  double dominant_share = 0;  // the featured actor's faces' area / image area
  std::optional<int> featured_billing_order;
  std::optional<std::string> featured_role;   // lead | supporting | minor
  // Cast members billed "minor" shown prominently (the dominant face, or a
  // face at least half the largest face's area): a policy may exclude them.
  std::vector<std::string> prominent_minor_actors;
};

// Near-duplicate fingerprint: a 64-bit DCT perceptual hash (robust to
// re-encoding and resizing) and ORB keypoints (catch crops).
struct Fingerprint {
  uint64_t phash = 0;
  int width = 0, height = 0;                    // the image the keypoints are in
  std::vector<std::array<float, 2>> points;     // keypoint positions
  std::vector<uint8_t> descriptors;             // 32 bytes per keypoint
};

// The features the engine and the workload generator name (docs/SIM.md).
struct ArmFeatures {
  std::string featured_actor = "none";
  std::string style;  // closeup | group | landscape | text_heavy | dark | bright
  std::string color;  // red | orange | yellow | green | blue | purple | black | white
  double brightness = 0;
  int n_faces = 0;
  double face_area = 0;
  double text_area = 0;
  double colorfulness = 0;
};

// Set by the uploader, not the extractor: an earlier variant of the same
// title that this image nearly repeats (near_duplicate.h).
struct NearDuplicate {
  std::string variant_id;
  std::string kind;  // copy | crop
};

struct FeatureRecord {
  std::string extractor_version = kExtractorVersion;
  ImageInfo image;
  uint64_t bytes = 0;
  std::vector<Face> faces;          // largest first
  std::optional<int> largest_face;  // index into faces
  std::optional<int> central_face;  // the face nearest the image centre
  std::optional<int> dominant_face; // largest, when clearly larger than the next
  double face_area = 0;             // sum of face areas, capped at 1
  CastSummary cast;
  Look look;
  TextRegions text;
  Composition composition;
  Fingerprint fingerprint;
  ArmFeatures arm;
  std::vector<NearDuplicate> near_duplicates;
};

nlohmann::json to_json(const FeatureRecord& record);
// Throws std::invalid_argument for a record of another extractor version or
// a malformed one.
FeatureRecord record_from_json(const nlohmann::json& json);

// The bandit's fixed numeric vector; entry i is named feature_vector_names()[i].
std::vector<double> feature_vector(const FeatureRecord& record);
const std::vector<std::string>& feature_vector_names();

// The arm features as a flat JSON object (the "arm_features" member of the record).
nlohmann::json arm_features_json(const ArmFeatures& arm);

}  // namespace keyart::artwork
