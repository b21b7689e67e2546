#include "keyart/ledger/assignment.h"

#include "keyart/engine/hash.h"

namespace keyart::ledger {

uint64_t assignment_hash(std::string_view salt, std::string_view unit_id) {
  uint64_t h = engine::fnv1a(engine::kFnvOffset, salt);
  h = engine::fnv1a(h, std::string_view("\0", 1));
  h = engine::fnv1a(h, unit_id);
  return engine::fmix64(h);
}

double assignment_point(std::string_view salt, std::string_view unit_id) {
  return static_cast<double>(assignment_hash(salt, unit_id) >> 11) * 0x1.0p-53;
}

size_t arm_for_point(std::span<const double> shares, double point) {
  double edge = 0;
  for (size_t i = 0; i + 1 < shares.size(); ++i) {
    edge += shares[i];
    if (point < edge) return i;
  }
  return shares.empty() ? 0 : shares.size() - 1;
}

}  // namespace keyart::ledger
