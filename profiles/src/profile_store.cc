#include "keyart/profiles/profile_store.h"

#include <algorithm>

namespace keyart::profiles {

ProfileStore::ProfileStore(size_t capacity, ProfileOptions options, Loader loader)
    : capacity_(std::max<size_t>(1, capacity)),
      recent_window_(capacity_ / 8),
      options_(options),
      loader_(std::move(loader)) {}

void ProfileStore::touch(Entry& entry) {
  if (++lookups_ - entry.moved_at <= recent_window_) return;
  lru_.splice(lru_.begin(), lru_, entry.lru);
  entry.moved_at = lookups_;
}

ProfileStore::Entry& ProfileStore::entry_locked(const std::string& unit_id,
                                                std::unique_lock<std::mutex>& lock) {
  if (auto it = entries_.find(unit_id); it != entries_.end()) {
    touch(it->second);
    return it->second;
  }
  // Not in memory: rebuild it without holding the lock.
  lock.unlock();
  ViewerProfile loaded;
  if (loader_) loader_(unit_id, loaded);
  lock.lock();
  if (auto it = entries_.find(unit_id); it != entries_.end()) {  // loaded meanwhile
    touch(it->second);
    return it->second;
  }
  ++stats_.loads;
  while (entries_.size() >= capacity_ && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    stats_.bytes -= std::min<uint64_t>(stats_.bytes, victim->second.profile.memory_bytes());
    entries_.erase(victim);
    lru_.pop_back();
    ++stats_.evictions;
  }
  lru_.push_front(unit_id);
  Entry& e = entries_[unit_id];
  e.profile = std::move(loaded);
  e.lru = lru_.begin();
  e.moved_at = ++lookups_;
  stats_.bytes += e.profile.memory_bytes();
  return e;
}

std::vector<Affinity> ProfileStore::affinities(const std::string& unit_id, int64_t now_ms) {
  std::unique_lock lock(mu_);
  return entry_locked(unit_id, lock).profile.affinities(now_ms, options_);
}

bool ProfileStore::add(const std::string& unit_id, const Viewing& viewing,
                       const TitleFacts& title) {
  std::unique_lock lock(mu_);
  ViewerProfile& profile = entry_locked(unit_id, lock).profile;
  const size_t before = profile.memory_bytes();
  const bool changed = profile.add(viewing, title, options_);
  stats_.bytes += profile.memory_bytes() - std::min(before, profile.memory_bytes());
  if (changed) ++stats_.viewings;
  return changed;
}

void ProfileStore::forget(const std::string& unit_id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(unit_id);
  if (it == entries_.end()) return;
  stats_.bytes -= std::min<uint64_t>(stats_.bytes, it->second.profile.memory_bytes());
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

ProfileStoreStats ProfileStore::stats() const {
  std::lock_guard lock(mu_);
  ProfileStoreStats s = stats_;
  s.viewers = entries_.size();
  return s;
}

}  // namespace keyart::profiles
