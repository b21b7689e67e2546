// Cast identification: the reference descriptors of a title's cast members
// (from their headshots) and the nearest-member match for a face. Distance is
// Euclidean between 128-d descriptors (dlib's metric: < 0.6 is the same
// person). A member's distance is the smallest over their headshots.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace keyart::artwork {

struct CastReference {
  std::string actor_id;
  std::string actor_name;
  int billing_order = 1;
  std::string role = "lead";  // lead | supporting | minor
  std::vector<std::vector<float>> descriptors;
};

struct CastGallery {
  std::vector<CastReference> members;
  bool has_descriptors() const;
  const CastReference* find(const std::string& actor_id) const;
};

struct CastMatch {
  std::string actor_id;
  double distance = 0;
};

double descriptor_distance(std::span<const float> a, std::span<const float> b);

// The nearest member and its distance (nullopt when the gallery has no
// descriptors). The caller decides whether the distance is under its threshold.
std::optional<CastMatch> nearest_cast_member(const CastGallery& gallery,
                                             std::span<const float> descriptor);

}  // namespace keyart::artwork
