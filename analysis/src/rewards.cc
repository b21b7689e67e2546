#include "rewards.h"

#include <limits>

#include "keyart/ledger/event_scan.h"

namespace keyart::analysis {

void RewardIndex::build_filter() {
  filter_bits = 10;
  while ((uint64_t{1} << filter_bits) < 16 * static_cast<uint64_t>(by_event.size())) ++filter_bits;
  filter.assign((uint64_t{1} << filter_bits) / 64, 0);
  const uint64_t mask = (uint64_t{1} << filter_bits) - 1;
  by_event.for_each([&](const Id128& key, uint32_t) {
    const uint64_t h = Id128Hash()(key);
    const uint64_t a = h & mask, b = (h >> 32 ^ h * 0x9e3779b97f4a7c15ULL) & mask;
    filter[a >> 6] |= uint64_t{1} << (a & 63);
    filter[b >> 6] |= uint64_t{1} << (b & 63);
  });
}

RewardIndex load_rewards(ledger::Ledger& ledger, const std::vector<std::string>& kinds) {
  RewardIndex index;
  index.kinds = kinds;
  const size_t k = kinds.size();
  index.binary.assign(k, 1);
  index.count.assign(k, 0);
  for (size_t kind = 0; kind < k; ++kind) {
    ledger::scan_rewards(ledger, kinds[kind], [&](std::span<const uint8_t> event_id, double value) {
      if (value != 0 && value != 1) index.binary[kind] = 0;
      const size_t before = index.by_event.size();
      uint32_t& at = index.by_event[event_key(event_id)];
      if (index.by_event.size() != before) {
        at = static_cast<uint32_t>(index.values.size());
        index.values.resize(index.values.size() + k, std::numeric_limits<double>::quiet_NaN());
      }
      index.values[at + kind] = value;
      ++index.count[kind];
    });
  }
  index.build_filter();
  return index;
}

}  // namespace keyart::analysis
