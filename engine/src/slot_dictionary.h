// Internal: maps feature keys to the model's `capacity` slots (dimensions)
// in order of first use by an update. Once full, a new key shares the slot
// mix(key) mod capacity with whatever lives there (documented overflow).
// Lookups never insert, so deciding does not change the model.
#pragma once

#include <cstdint>
#include <vector>

#include "keyart/engine/binary_io.h"
#include "keyart/engine/feature_key.h"

namespace keyart::engine {

class SlotDictionary {
 public:
  explicit SlotDictionary(int capacity = 64);

  // The slot of a known key, else -1 (or the overflow slot when full).
  int find(FeatureKey key) const;
  bool full() const { return static_cast<int>(keys_.size()) == capacity_; }
  int overflow_slot(FeatureKey key) const {
    return static_cast<int>(mix_key(key ^ 0x5bd1e995ULL) % static_cast<uint64_t>(capacity_));
  }
  // find(), assigning the next free slot to a new key (or overflow when full).
  int slot_for_update(FeatureKey key);
  int size() const { return static_cast<int>(keys_.size()); }
  int capacity() const { return capacity_; }

  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);

 private:
  void insert_table(FeatureKey key, int slot);
  int capacity_;
  std::vector<FeatureKey> keys_;   // by slot
  std::vector<FeatureKey> table_;  // open addressing, 0 = empty
  std::vector<int> table_slot_;
};

}  // namespace keyart::engine
