// The rewards of one kind held in memory by event id, so a pass over
// exposures looks each one up instead of joining per row: the rewards table
// is read once, sequentially, with no probe into exposures. Event ids are
// kept whole (128 bits), so no two events can be confused. Internal to
// keyart_analysis.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "flat_map.h"
#include "keyart/ledger/ledger.h"

namespace keyart::analysis {

inline Id128 event_key(std::span<const uint8_t> event_id) {
  uint64_t words[2] = {0, 0};
  std::memcpy(words, event_id.data(), std::min<size_t>(event_id.size(), sizeof words));
  return {words[0], words[1]};
}

// Rewards are few next to exposures (a few percent of them), so most
// lookups are for events without one. A Bloom filter of ~16 bits a reward
// (1 MB per half a million rewards, so it stays in cache) answers most of
// those without touching the large table; its false positives (~1.5 %) just
// fall through to the table.
struct RewardIndex {
  FlatMap<Id128, double, Id128Hash> by_event{4096};
  std::vector<uint64_t> filter;  // 2^filter_bits bits
  unsigned filter_bits = 0;
  bool binary = true;  // every value is 0 or 1
  int64_t count = 0;

  // Sizes and fills the filter from the table; call once after loading.
  void build_filter();
  bool may_contain(const Id128& key) const {
    if (filter.empty()) return false;
    const uint64_t h = Id128Hash()(key);
    const uint64_t mask = (uint64_t{1} << filter_bits) - 1;
    const uint64_t a = h & mask, b = (h >> 32 ^ h * 0x9e3779b97f4a7c15ULL) & mask;
    return (filter[a >> 6] >> (a & 63) & 1) && (filter[b >> 6] >> (b & 63) & 1);
  }
  // Starts loading what find(key) will read: the filter's two words.
  void prefetch(const Id128& key) const {
    if (filter.empty()) return;
    const uint64_t h = Id128Hash()(key);
    const uint64_t mask = (uint64_t{1} << filter_bits) - 1;
    const uint64_t a = h & mask, b = (h >> 32 ^ h * 0x9e3779b97f4a7c15ULL) & mask;
    __builtin_prefetch(&filter[a >> 6]);
    __builtin_prefetch(&filter[b >> 6]);
  }
  // The event's reward, or nullptr when it has none of this kind.
  const double* find(const Id128& key) const {
    return may_contain(key) ? by_event.find(key) : nullptr;
  }
  const double* find(std::span<const uint8_t> event_id) const { return find(event_key(event_id)); }
  double reward_of(std::span<const uint8_t> event_id) const {
    const double* r = find(event_id);
    return r ? *r : 0.0;
  }
};

// Every reward of `kind` in the ledger (rewards of other experiments'
// events are never looked up, so they cost memory only).
RewardIndex load_rewards(ledger::Ledger& ledger, const std::string& kind);

}  // namespace keyart::analysis
