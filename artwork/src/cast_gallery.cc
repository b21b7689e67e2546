#include "keyart/artwork/cast_gallery.h"

#include <cmath>
#include <limits>

namespace keyart::artwork {

bool CastGallery::has_descriptors() const {
  for (const auto& m : members) {
    if (!m.descriptors.empty()) return true;
  }
  return false;
}

const CastReference* CastGallery::find(const std::string& actor_id) const {
  for (const auto& m : members) {
    if (m.actor_id == actor_id) return &m;
  }
  return nullptr;
}

double descriptor_distance(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = double{a[i]} - double{b[i]};
    sum += d * d;
  }
  return std::sqrt(sum);
}

std::optional<CastMatch> nearest_cast_member(const CastGallery& gallery,
                                             std::span<const float> descriptor) {
  std::optional<CastMatch> best;
  for (const auto& member : gallery.members) {
    for (const auto& reference : member.descriptors) {
      double d = descriptor_distance(descriptor, reference);
      if (!best || d < best->distance) best = CastMatch{member.actor_id, d};
    }
  }
  return best;
}

}  // namespace keyart::artwork
