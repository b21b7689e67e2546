#include "keyart/ledger/assignment.h"

namespace keyart::ledger {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

}  // namespace

uint64_t assignment_hash(std::string_view salt, std::string_view unit_id) {
  uint64_t h = fnv1a(kFnvOffset, salt);
  h = fnv1a(h, std::string_view("\0", 1));
  h = fnv1a(h, unit_id);
  return fmix64(h);
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
