// A minimal open-addressing hash map for the report's large tables (units,
// rewards by event id): one flat array, linear probing, no per-entry
// allocation (16-32 bytes an entry at a load of at most one half), so ten
// million entries stay a few hundred MB. Large arrays ask the kernel for
// huge pages (fewer TLB misses on random probes), and prefetch() lets a
// caller start the memory access for a key it will look up shortly. Key{}
// marks an empty slot, so a real Key{} is stored under a fixed stand-in;
// keys must be well spread by Hash. Internal to keyart_analysis.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

#include "keyart/engine/hash.h"

namespace keyart::analysis {

// Keys that are already well mixed 64-bit hashes.
struct PremixedHash {
  uint64_t operator()(uint64_t key) const { return key; }
};

// A 128-bit id (e.g. an event id) as two words, compared word by word.
struct Id128 {
  uint64_t a = 0, b = 0;
  bool operator==(const Id128&) const = default;
};
struct Id128Hash {
  uint64_t operator()(const Id128& id) const { return engine::fmix64(id.a ^ engine::fmix64(id.b)); }
};

template <typename Key, typename Value, typename Hash>
class FlatMap {
  static_assert(std::is_trivially_copyable_v<Key> && std::is_trivially_copyable_v<Value>);

 public:
  explicit FlatMap(size_t expected = 1024) { rehash(capacity_for(expected)); }

  // The value for key, value-initialised when new.
  Value& operator[](Key key) {
    key = normalise(key);
    if (2 * (size_ + 1) > capacity_) rehash(capacity_ * 2);
    size_t i = Hash()(key) & mask_;
    while (!(slots_[i].key == Key{})) {
      if (slots_[i].key == key) return slots_[i].value;
      i = (i + 1) & mask_;
    }
    ++size_;
    slots_[i].key = key;
    slots_[i].value = Value{};
    return slots_[i].value;
  }

  const Value* find(Key key) const {
    key = normalise(key);
    size_t i = Hash()(key) & mask_;
    while (!(slots_[i].key == Key{})) {
      if (slots_[i].key == key) return &slots_[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  // Starts loading the slot where key's probe begins (a hint; no effect on
  // the map).
  void prefetch(Key key) const { __builtin_prefetch(&slots_[Hash()(normalise(key)) & mask_]); }

  // Calls fn(key, value) for every entry, in slot order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (size_t i = 0; i < capacity_; ++i) {
      if (!(slots_[i].key == Key{})) fn(slots_[i].key, slots_[i].value);
    }
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t memory_bytes() const { return capacity_ * sizeof(Slot); }

 private:
  struct Slot {
    Key key{};
    Value value{};
  };
  struct Free {
    void operator()(Slot* p) const { std::free(p); }
  };

  static Key normalise(Key key) {
    if (!(key == Key{})) return key;
    if constexpr (std::is_same_v<Key, uint64_t>) {
      return 0x9e3779b97f4a7c15ULL;
    } else {
      return Key{0x9e3779b97f4a7c15ULL, 0};
    }
  }

  static size_t capacity_for(size_t expected) {
    size_t capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    return capacity;
  }

  // An array of empty slots; 2 MiB aligned and advised to use huge pages
  // when it is at least that large.
  static std::unique_ptr<Slot[], Free> allocate(size_t capacity) {
    constexpr size_t kHuge = 2u << 20;
    const size_t bytes = capacity * sizeof(Slot);
    const size_t align = bytes >= kHuge ? kHuge : alignof(std::max_align_t);
    void* p = std::aligned_alloc(align, (bytes + align - 1) / align * align);
    if (p == nullptr) throw std::bad_alloc();
    if (bytes >= kHuge) madvise(p, bytes, MADV_HUGEPAGE);
    Slot* slots = static_cast<Slot*>(p);
    for (size_t i = 0; i < capacity; ++i) new (&slots[i]) Slot{};
    return std::unique_ptr<Slot[], Free>(slots);
  }

  void rehash(size_t capacity) {
    std::unique_ptr<Slot[], Free> old = std::move(slots_);
    const size_t old_capacity = capacity_;
    slots_ = allocate(capacity);
    capacity_ = capacity;
    mask_ = capacity - 1;
    for (size_t j = 0; j < old_capacity; ++j) {
      const Slot& s = old[j];
      if (s.key == Key{}) continue;
      size_t i = Hash()(s.key) & mask_;
      while (!(slots_[i].key == Key{})) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::unique_ptr<Slot[], Free> slots_;
  size_t capacity_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
};

template <typename Value>
using FlatMap64 = FlatMap<uint64_t, Value, PremixedHash>;

}  // namespace keyart::analysis
