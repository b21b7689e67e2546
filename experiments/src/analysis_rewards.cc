#include "analysis_rewards.h"

namespace keyart::experiments::analysis {

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

RewardIndex load_rewards(Ledger& ledger, const std::string& kind) {
  Statement st = ledger.db().prepare("SELECT event_id, value FROM rewards WHERE kind = ?1");
  st.bind(1, kind);
  RewardIndex index;
  while (st.step()) {
    const double value = st.column_double(1);
    if (value != 0 && value != 1) index.binary = false;
    index.by_event[event_key(st.column_blob_view(0))] = value;
    ++index.count;
  }
  index.build_filter();
  return index;
}

}  // namespace keyart::experiments::analysis
