#include "slot_dictionary.h"

namespace keyart::engine {

namespace {
inline FeatureKey nonzero(FeatureKey k) { return k == 0 ? 1 : k; }
}

SlotDictionary::SlotDictionary(int capacity) : capacity_(capacity) {
  size_t n = 16;
  while (n < static_cast<size_t>(capacity) * 4) n *= 2;
  table_.assign(n, 0);
  table_slot_.assign(n, -1);
  keys_.reserve(capacity);
}

int SlotDictionary::find(FeatureKey key) const {
  key = nonzero(key);
  const size_t mask = table_.size() - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask) {
    if (table_[i] == key) return table_slot_[i];
    if (table_[i] == 0) return full() ? overflow_slot(key) : -1;
  }
}

void SlotDictionary::insert_table(FeatureKey key, int slot) {
  const size_t mask = table_.size() - 1;
  size_t i = key & mask;
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = key;
  table_slot_[i] = slot;
}

int SlotDictionary::slot_for_update(FeatureKey key) {
  int slot = find(key);
  if (slot >= 0) return slot;
  key = nonzero(key);
  slot = static_cast<int>(keys_.size());
  keys_.push_back(key);
  insert_table(key, slot);
  return slot;
}

void SlotDictionary::save(BinaryWriter& out) const {
  out.u32(static_cast<uint32_t>(capacity_));
  out.u64(keys_.size());
  for (FeatureKey k : keys_) out.u64(k);
}

void SlotDictionary::load(BinaryReader& in) {
  int capacity = static_cast<int>(in.u32());
  if (capacity != capacity_) {
    throw SnapshotError("snapshot dimension " + std::to_string(capacity) +
                        " does not match the policy's dim=" + std::to_string(capacity_));
  }
  uint64_t n = in.count(8);
  if (n > static_cast<uint64_t>(capacity_)) throw SnapshotError("snapshot corrupt: dictionary too large");
  *this = SlotDictionary(capacity);
  for (uint64_t i = 0; i < n; ++i) {
    FeatureKey k = in.u64();
    keys_.push_back(k);
    insert_table(k, static_cast<int>(i));
  }
}

}  // namespace keyart::engine
