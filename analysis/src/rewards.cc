#include "rewards.h"

#include "keyart/ledger/event_scan.h"

namespace keyart::analysis {

void RewardIndex::build_filter() {
  filter_bits = 10;
  while ((uint64_t{1} << filter_bits) < 16 * static_cast<uint64_t>(count)) ++filter_bits;
  filter.assign((uint64_t{1} << filter_bits) / 64, 0);
  const uint64_t mask = (uint64_t{1} << filter_bits) - 1;
  by_event.for_each([&](const Id128& key, double) {
    const uint64_t h = Id128Hash()(key);
    const uint64_t a = h & mask, b = (h >> 32 ^ h * 0x9e3779b97f4a7c15ULL) & mask;
    filter[a >> 6] |= uint64_t{1} << (a & 63);
    filter[b >> 6] |= uint64_t{1} << (b & 63);
  });
}

RewardIndex load_rewards(ledger::Ledger& ledger, const std::string& kind) {
  RewardIndex index;
  ledger::scan_rewards(ledger, kind, [&](std::span<const uint8_t> event_id, double value) {
    if (value != 0 && value != 1) index.binary = false;
    index.by_event[event_key(event_id)] = value;
    ++index.count;
  });
  index.build_filter();
  return index;
}

}  // namespace keyart::analysis
