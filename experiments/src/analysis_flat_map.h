// A minimal open-addressing hash map from 64-bit keys to small values, for
// the report's per-unit and per-exposure tables: one flat array, linear
// probing, no per-entry allocation (about 16-24 bytes an entry at a load of
// at most one half), so ten million entries stay a few hundred MB and cache
// friendly. Keys are expected to be well mixed already (mix64 below).
// Internal to keyart_experiments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keyart::experiments::analysis {

// MurmurHash3's 64-bit finaliser: every output bit depends on every input bit.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

template <typename Value>
class FlatMap64 {
 public:
  explicit FlatMap64(size_t expected = 1024) { rehash(capacity_for(expected)); }

  // The value for key, value-initialised when new.
  Value& operator[](uint64_t key) {
    key = normalise(key);
    if (2 * (size_ + 1) > slots_.size()) rehash(slots_.size() * 2);
    size_t i = key & mask_;
    while (slots_[i].key != 0) {
      if (slots_[i].key == key) return slots_[i].value;
      i = (i + 1) & mask_;
    }
    ++size_;
    slots_[i].key = key;
    slots_[i].value = Value{};
    return slots_[i].value;
  }

  const Value* find(uint64_t key) const {
    key = normalise(key);
    size_t i = key & mask_;
    while (slots_[i].key != 0) {
      if (slots_[i].key == key) return &slots_[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = 0;  // 0 marks an empty slot
    Value value{};
  };

  // Key 0 marks empty slots; it is moved to another fixed key.
  static uint64_t normalise(uint64_t key) { return key == 0 ? 0x9e3779b97f4a7c15ULL : key; }

  static size_t capacity_for(size_t expected) {
    size_t capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    return capacity;
  }

  void rehash(size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.key == 0) continue;
      size_t i = s.key & mask_;
      while (slots_[i].key != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace keyart::experiments::analysis
