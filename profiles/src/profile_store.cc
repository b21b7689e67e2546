#include "keyart/profiles/profile_store.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>

namespace keyart::profiles {

ProfileStore::ProfileStore(size_t capacity, ProfileOptions options, Loader loader)
    : capacity_(std::max<size_t>(1, capacity)),
      recent_window_(capacity_ / 8),
      options_(options),
      loader_(std::move(loader)) {
  if (!options_.fitted) return;
  fitter_ = std::thread([this] { run_fitter(); });
  pthread_setname_np(fitter_.native_handle(), "keyart-fitter");  // for top -H, ps -L, perf
}

ProfileStore::~ProfileStore() {
  if (!fitter_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  fit_wake_.notify_all();
  fitter_.join();
}

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
  e.serial = ++serials_;
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
  resized(before, profile.memory_bytes());
  if (changed) {
    ++stats_.viewings;
    if (options_.fitted) queue_fit_if_stale(unit_id, entries_.at(unit_id));
  }
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
  s.fit_queue = fit_queue_.size();
  return s;
}

void ProfileStore::resized(size_t before, size_t after) {
  stats_.bytes += after;
  stats_.bytes -= std::min<uint64_t>(stats_.bytes, before);
}

void ProfileStore::set_population(std::shared_ptr<const Population> population) {
  std::lock_guard lock(mu_);
  population_ = std::move(population);
  ++generation_;
}

void ProfileStore::queue_fit_if_stale(const std::string& unit_id, Entry& entry) {
  if (entry.fit_queued || !population_) return;
  if (!entry.profile.fit_stale() && entry.fitted_generation == generation_) return;
  if (entry.profile.empty()) {  // nothing to fit: no tastes, at once
    entry.profile.set_fitted({}, options_);
    entry.fitted_generation = generation_;
    return;
  }
  entry.fit_queued = true;
  fit_queue_.push_back(unit_id);
  fit_wake_.notify_one();
}

void ProfileStore::wait_fitted() {
  std::unique_lock lock(mu_);
  fit_idle_.wait(lock, [&] { return (fit_queue_.empty() && !fitting_) || stopping_; });
}

void ProfileStore::run_fitter() {
  std::unique_lock lock(mu_);
  while (true) {
    fit_wake_.wait(lock, [&] { return stopping_ || !fit_queue_.empty(); });
    if (stopping_) break;
    const std::string unit_id = std::move(fit_queue_.front());
    fit_queue_.pop_front();
    auto it = entries_.find(unit_id);
    if (it != entries_.end()) it->second.fit_queued = false;
    // Nothing to do for a viewer evicted or forgotten meanwhile, or one
    // already fitted to its viewing against this population.
    if (it != entries_.end() && population_ &&
        (it->second.profile.fit_stale() || it->second.fitted_generation != generation_)) {
      Entry& entry = it->second;
      // What the fit needs, copied under the lock; the fit runs without it.
      const std::shared_ptr<const Population> population = population_;
      const uint64_t generation = generation_, serial = entry.serial;
      const uint64_t revision = entry.profile.revision();
      const Population::TitleWeights viewing = population->viewing_of(entry.profile, options_);
      fitting_ = true;
      lock.unlock();
      const auto start = std::chrono::steady_clock::now();
      std::vector<Affinity> tastes = population->fit(viewing, options_);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      lock.lock();
      fitting_ = false;
      stats_.fit_seconds += seconds;
      // Installed only on the profile it was made from, unchanged since and
      // against the population still in use; a change queued it again.
      auto again = entries_.find(unit_id);
      if (again != entries_.end() && again->second.serial == serial &&
          again->second.profile.revision() == revision && generation == generation_) {
        ViewerProfile& profile = again->second.profile;
        const size_t before = profile.memory_bytes();
        profile.set_fitted(tastes, options_);
        resized(before, profile.memory_bytes());
        again->second.fitted_generation = generation;
        ++stats_.fits;
      }
    }
    if (fit_queue_.empty()) fit_idle_.notify_all();
  }
  fit_idle_.notify_all();
}

}  // namespace keyart::profiles
