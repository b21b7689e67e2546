// The viewer profiles a serving process holds (docs/PROFILES.md): at most
// `capacity` viewers in memory; the least recently used is evicted when a
// new one comes in, never lost, since a viewer not in memory is rebuilt by
// the loader (from the ledger's plays) on first use. Recency is kept to
// within capacity/8 uses: a viewer used again within that many lookups of
// its last move to the front is not moved again (most lookups then leave
// the recency list alone), so an eviction may take a viewer used slightly
// more recently than another; with a capacity below 8 the order is exact.
// A viewer without plays is held too (an empty profile), so a new viewer
// costs one load, not one per decision. Thread-safe; a load runs outside the store's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keyart/profiles/viewer_profile.h"

namespace keyart::profiles {

struct ProfileStoreStats {
  uint64_t viewers = 0;     // held in memory now
  uint64_t loads = 0;       // rebuilt by the loader
  uint64_t evictions = 0;   // dropped from memory (rebuilt on next use)
  uint64_t viewings = 0;    // added through add()
  uint64_t bytes = 0;       // approximate memory of the profiles held
};

class ProfileStore {
 public:
  // Fills a fresh profile with the viewer's stored viewings.
  using Loader = std::function<void(const std::string& unit_id, ViewerProfile& profile)>;

  ProfileStore(size_t capacity, ProfileOptions options, Loader loader);

  // The viewer's affinities at now_ms (empty for a viewer without viewings).
  std::vector<Affinity> affinities(const std::string& unit_id, int64_t now_ms);
  // ViewerProfile::for_each_taste for the viewer (loaded if needed), with
  // the store's lock held: fn must not call the store.
  template <typename Fn>
  void for_each_taste(const std::string& unit_id, int64_t now_ms, Fn&& fn) {
    std::unique_lock lock(mu_);
    entry_locked(unit_id, lock).profile.for_each_taste(now_ms, options_, fn);
  }
  // Adds a viewing (loading the viewer first when not in memory); false when
  // the profile already had it at least as heavy.
  bool add(const std::string& unit_id, const Viewing& viewing, const TitleFacts& title);
  // Drops the viewer from memory (the caller removes its stored viewings).
  void forget(const std::string& unit_id);

  const ProfileOptions& options() const { return options_; }
  ProfileStoreStats stats() const;

 private:
  struct Entry {
    ViewerProfile profile;
    std::list<std::string>::iterator lru;
    uint64_t moved_at = 0;  // the lookup count when last moved to the front
  };
  // Moves a viewer found again to the front, unless it was moved there
  // within the last recent_window_ lookups.
  void touch(Entry& entry);
  // The viewer's entry, loaded if needed; lock held on return.
  Entry& entry_locked(const std::string& unit_id, std::unique_lock<std::mutex>& lock);

  const size_t capacity_;
  const uint64_t recent_window_;  // capacity / 8
  const ProfileOptions options_;
  Loader loader_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
  uint64_t lookups_ = 0;
  ProfileStoreStats stats_;
};

}  // namespace keyart::profiles
