// Sticky assignment of units (viewers) to experiment arms. A unit's point
// in [0, 1) is a 64-bit hash of (salt, unit id) scaled down; arms own
// consecutive slices of [0, 1) in position order, each as wide as its
// traffic share. The same unit and salt always give the same arm, on every
// machine and build (the hash is defined here, not taken from std::hash).
// A new salt reshuffles units independently of any other experiment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace keyart::ledger {

// FNV-1a over salt, a 0 byte and unit id, finished with a 64-bit avalanche
// mix (MurmurHash3's fmix64 constants) so every output bit depends on every
// input bit.
uint64_t assignment_hash(std::string_view salt, std::string_view unit_id);

// The unit's point in [0, 1): the top 53 bits of the hash.
double assignment_point(std::string_view salt, std::string_view unit_id);

// The index of the arm whose slice holds point; shares must be positive and
// sum to 1 (the last arm takes any rounding remainder).
size_t arm_for_point(std::span<const double> shares, double point);

inline size_t assign_arm(std::string_view salt, std::string_view unit_id,
                         std::span<const double> shares) {
  return arm_for_point(shares, assignment_point(salt, unit_id));
}

}  // namespace keyart::ledger
