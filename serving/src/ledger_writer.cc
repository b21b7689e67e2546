#include "keyart/serving/ledger_writer.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "keyart/ledger/ledger.h"
#include "thread_name.h"

namespace keyart::serving {

const char* to_string(RewardOutcome outcome) {
  switch (outcome) {
    case RewardOutcome::kStored: return "stored";
    case RewardOutcome::kDuplicate: return "duplicate";
    case RewardOutcome::kRejected: return "rejected";
    case RewardOutcome::kDropped: return "dropped";
    case RewardOutcome::kTimedOut: return "timed_out";
  }
  return "dropped";
}

LedgerWriter::LedgerWriter(std::string ledger_path, WriterOptions options)
    : path_(std::move(ledger_path)), options_(options) {
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "keyart-ledger");
}

LedgerWriter::~LedgerWriter() { stop(); }

bool LedgerWriter::submit(ledger::Exposure exposure) {
  return enqueue({std::move(exposure), {}, Clock::now()}, false);
}

bool LedgerWriter::submit(ledger::Reward reward, RewardCallback on_done) {
  return enqueue({std::move(reward), std::move(on_done), Clock::now()}, true);
}

bool LedgerWriter::submit(ledger::Play play) {
  return enqueue({std::move(play), {}, Clock::now()}, false);
}

bool LedgerWriter::has_room_locked(size_t places) const {
  return queue_.size() + held_ + reserved_ + places <= options_.queue_capacity;
}

void LedgerWriter::push_locked(Item item, bool is_reward) {
  queue_.push_back(std::move(item));
  ++submitted_;
  if (is_reward) ++rewards_queued_;
  // The writer sleeps until the oldest event's flush deadline; it only needs
  // waking when that deadline changes: the queue was empty, a first reward
  // shortens it, or a batch is full.
  if (queue_.size() == 1 || (is_reward && rewards_queued_ == 1) ||
      queue_.size() >= options_.max_batch) {
    work_cv_.notify_one();
  }
}

bool LedgerWriter::wait_for_room(std::unique_lock<std::mutex>& lock, size_t places) {
  if (!has_room_locked(places) && options_.when_full == WriterOptions::WhenFull::kBlock) {
    room_cv_.wait_for(lock, std::chrono::milliseconds(options_.block_ms),
                      [&] { return stopping_ || has_room_locked(places); });
  }
  if (stopping_ || !has_room_locked(places)) {
    ++stats_.shed;
    return false;
  }
  return true;
}

bool LedgerWriter::reserve(size_t places) {
  std::unique_lock lock(mu_);
  if (!wait_for_room(lock, places)) return false;
  reserved_ += places;
  return true;
}

void LedgerWriter::submit_reserved(ledger::Exposure exposure) {
  std::lock_guard lock(mu_);
  --reserved_;
  push_locked({std::move(exposure), {}, Clock::now()}, false);
}

void LedgerWriter::submit_reserved(ledger::Reward reward, RewardCallback on_done) {
  std::lock_guard lock(mu_);
  --reserved_;
  push_locked({std::move(reward), std::move(on_done), Clock::now()}, true);
}

void LedgerWriter::release(size_t places) {
  std::lock_guard lock(mu_);
  reserved_ -= places;
  room_cv_.notify_one();
  work_cv_.notify_one();
}

bool LedgerWriter::enqueue(Item item, bool is_reward) {
  std::unique_lock lock(mu_);
  if (!wait_for_room(lock)) return false;
  push_locked(std::move(item), is_reward);
  return true;
}

void LedgerWriter::flush() {
  std::unique_lock lock(mu_);
  uint64_t target = submitted_;
  flush_target_ = std::max(flush_target_, target);
  work_cv_.notify_one();  // commit now, not at the flush interval
  flushed_cv_.wait(lock, [&] { return tried_ >= target; });
}

bool LedgerWriter::flush(std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  uint64_t target = submitted_;
  flush_target_ = std::max(flush_target_, target);
  work_cv_.notify_one();
  return flushed_cv_.wait_for(lock, limit, [&] { return tried_ >= target; });
}

void LedgerWriter::stop(int give_up_after_ms) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      give_up_at_ = Clock::now() + std::chrono::milliseconds(give_up_after_ms);
    }
    work_cv_.notify_all();
    room_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

WriterStats LedgerWriter::stats() const {
  std::lock_guard lock(mu_);
  WriterStats s = stats_;
  s.queue_depth = queue_.size() + held_;
  s.degraded = degraded_.load();
  if (s.queue_depth > 0) {
    const Clock::time_point oldest = held_ > 0 ? held_since_ : queue_.front().queued_at;
    s.lag_ms = std::chrono::duration<double, std::milli>(Clock::now() - oldest).count();
  }
  return s;
}

void LedgerWriter::run() {
  std::optional<ledger::Ledger> ledger;
  std::unique_ptr<ledger::EventWriter> writer;
  // The batch being tried, kept whole across retries: its events moved out
  // of their queue items (no copy), each reward with its callback.
  struct Batch {
    std::vector<ledger::Exposure> exposures;
    std::vector<ledger::Reward> rewards;
    std::vector<RewardCallback> callbacks;  // one per reward
    std::vector<ledger::Play> plays;
    size_t size() const { return exposures.size() + rewards.size() + plays.size(); }
    void clear() {
      exposures.clear();
      rewards.clear();
      callbacks.clear();
      plays.clear();
    }
  } batch;
  std::vector<Item> taken;  // the queue as last taken; batches are cut from it
  size_t taken_next = 0;     // the first of taken not in a batch yet
  int backoff_ms = options_.retry_initial_ms;

  auto record_failure = [&](const std::string& error) {
    std::lock_guard lock(mu_);
    ++stats_.failures;
    stats_.last_error = error;
    degraded_ = true;
  };

  for (;;) {
    if (batch.size() == 0) {
      if (taken_next == taken.size()) {
        // Nothing held: wait for the queue, then take all of it in one
        // swap (the emptied vector's room comes back with the next swap).
        taken.clear();
        taken_next = 0;
        if (taken.capacity() > 2 * options_.max_batch) taken.shrink_to_fit();  // after a backlog
        std::unique_lock lock(mu_);
        for (;;) {
          if (queue_.empty()) {
            if (stopping_ && reserved_ == 0) return;  // reservations still to come in
            work_cv_.wait(lock);
            continue;
          }
          if (stopping_ || flush_target_ > tried_ || queue_.size() >= options_.max_batch) break;
          auto delay = std::chrono::milliseconds(rewards_queued_ > 0 ? options_.reward_commit_ms
                                                                     : options_.flush_interval_ms);
          auto due = queue_.front().queued_at + delay;
          if (Clock::now() >= due) break;
          work_cv_.wait_until(lock, due);
        }
        taken.swap(queue_);
        held_ = taken.size();
        held_since_ = taken.front().queued_at;
        for (const Item& item : taken) {
          if (std::holds_alternative<ledger::Reward>(item.event)) --rewards_queued_;
        }
      }
      // The next batch, cut outside the lock (callers submitting meanwhile
      // never wait for it, however long the backlog).
      const size_t end = std::min(taken.size(), taken_next + options_.max_batch);
      for (; taken_next < end; ++taken_next) {
        Item& item = taken[taken_next];
        if (auto* e = std::get_if<ledger::Exposure>(&item.event)) {
          batch.exposures.push_back(std::move(*e));
        } else if (auto* p = std::get_if<ledger::Play>(&item.event)) {
          batch.plays.push_back(std::move(*p));
        } else {
          batch.rewards.push_back(std::move(std::get<ledger::Reward>(item.event)));
          batch.callbacks.push_back(std::move(item.on_done));
        }
      }
    }

    // Try the batch; on a ledger failure keep it and retry after a backoff.
    std::optional<ledger::BatchResult> result;
    try {
      if (!ledger) {
        ledger.emplace(ledger::Ledger::open(
            path_, {.create = false, .busy_timeout_ms = options_.busy_timeout_ms}));
        writer = std::make_unique<ledger::EventWriter>(*ledger);
      }
      result = writer->write(batch.exposures, batch.rewards, batch.plays);
    } catch (const std::exception& e) {
      record_failure(e.what());
      writer.reset();
      ledger.reset();  // reopen: the file may have been replaced or remounted
    }

    if (!result) {
      bool give_up;
      {
        std::unique_lock lock(mu_);
        give_up = stopping_ && Clock::now() >= give_up_at_;
        if (!give_up) {
          work_cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms),
                            [&] { return stopping_ && Clock::now() >= give_up_at_; });
        }
      }
      backoff_ms = std::min(backoff_ms * 2, options_.retry_max_ms);
      if (!give_up) continue;
      // The ledger stayed unwritable through shutdown: drop what is left, counted.
      std::vector<Item> rest;
      for (; taken_next < taken.size(); ++taken_next) rest.push_back(std::move(taken[taken_next]));
      {
        std::lock_guard lock(mu_);
        for (Item& item : queue_) rest.push_back(std::move(item));
        queue_.clear();
        held_ = 0;
        stats_.dropped += batch.size() + rest.size();
        tried_ += batch.size() + rest.size();
        room_cv_.notify_all();
        flushed_cv_.notify_all();
      }
      for (RewardCallback& on_done : batch.callbacks) {
        if (on_done) on_done(RewardOutcome::kDropped, "ledger unwritable at shutdown");
      }
      for (Item& item : rest) {
        if (item.on_done) item.on_done(RewardOutcome::kDropped, "ledger unwritable at shutdown");
      }
      return;
    }

    backoff_ms = options_.retry_initial_ms;
    std::vector<std::pair<RewardOutcome, std::string>> outcomes(batch.rewards.size(),
                                                                {RewardOutcome::kStored, ""});
    for (const auto& r : result->rejected) {
      if (r.is_reward) outcomes[r.index] = {RewardOutcome::kRejected, r.reason};
    }
    for (size_t index : result->duplicate_rewards) outcomes[index].first = RewardOutcome::kDuplicate;
    {
      std::lock_guard lock(mu_);
      degraded_ = false;
      ++stats_.batches;
      stats_.exposures_committed += result->exposures_written;
      stats_.rewards_committed += result->rewards_written;
      stats_.rewards_duplicate += result->rewards_duplicate;
      stats_.plays_committed += result->plays_written;
      stats_.rejected += result->rejected.size();
      if (!result->rejected.empty()) stats_.last_error = result->rejected.back().reason;
    }
    for (size_t i = 0; i < batch.rewards.size(); ++i) {
      if (batch.callbacks[i]) batch.callbacks[i](outcomes[i].first, outcomes[i].second);
    }
    {
      std::lock_guard lock(mu_);
      tried_ += batch.size();
      held_ -= batch.size();
      if (held_ > 0) held_since_ = taken[taken_next].queued_at;
      room_cv_.notify_all();
      flushed_cv_.notify_all();
    }
    batch.clear();
  }
}

}  // namespace keyart::serving
