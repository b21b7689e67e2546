// The rewards of one kind held in memory by event id, so a pass over
// exposures looks each one up instead of joining per row: the rewards table
// is read once, sequentially, with no probe into exposures. Event ids are
// kept whole (128 bits), so no two events can be confused. Internal to
// keyart_analysis.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cmath>
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

// The rewards of one or more kinds (a report's primary metric and its
// guardrails), so one probe per exposure finds all of them: each event with
// a reward of any of the kinds has kinds.size() values, NaN for a kind it has
// none of.
//
// Rewards are few next to exposures (a few percent of them), so most
// lookups are for events without one. A Bloom filter of ~16 bits a rewarded
// event (1 MB per half a million, so it stays in cache) answers most of
// those without touching the large table; its false positives (~1.5 %) just
// fall through to the table.
struct RewardIndex {
  std::vector<std::string> kinds;
  FlatMap<Id128, uint32_t, Id128Hash> by_event{4096};  // -> first of its values
  std::vector<double> values;                          // kinds.size() per event
  std::vector<uint64_t> filter;  // 2^filter_bits bits
  unsigned filter_bits = 0;
  std::vector<char> binary;      // per kind: every value is 0 or 1
  std::vector<int64_t> count;    // per kind: rewards loaded

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
  // The event's values (one per kind, NaN where it has none of that kind),
  // or nullptr when it has a reward of none of the kinds.
  const double* find(const Id128& key) const {
    if (!may_contain(key)) return nullptr;
    const uint32_t* at = by_event.find(key);
    return at ? values.data() + *at : nullptr;
  }
  const double* find(std::span<const uint8_t> event_id) const { return find(event_key(event_id)); }
  // The event's reward of the first kind, 0 without one.
  double reward_of(std::span<const uint8_t> event_id) const {
    const double* r = find(event_key(event_id));
    return r && !std::isnan(r[0]) ? r[0] : 0.0;
  }
};

// Every reward of the kinds in the ledger (rewards of other experiments'
// events are never looked up, so they cost memory only), one scan of the
// rewards table per kind.
RewardIndex load_rewards(ledger::Ledger& ledger, const std::vector<std::string>& kinds);

}  // namespace keyart::analysis
