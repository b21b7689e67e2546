// What the profiles' tests share: a fixed start time, a day, and
// affinities as a map by feature name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keyart/profiles/viewer_profile.h"

namespace keyart::profiles::testing {

constexpr int64_t kT0 = 1'750'000'000'000;
constexpr int64_t kDay = 86'400'000;

inline std::map<std::string, double> as_map(const std::vector<Affinity>& affinities) {
  std::map<std::string, double> m;
  for (const Affinity& a : affinities) m[a.feature] = a.value;
  return m;
}

}  // namespace keyart::profiles::testing
