// The asynchronous ledger writer behind the serving hook. Exposures,
// rewards and plays are submitted to a bounded in-memory queue and committed by one
// writer thread in batched transactions (ledger::EventWriter), so
// decide() and reward() never wait for the disk.
//
// Durability (docs/SERVING.md): exposures are committed within
// flush_interval_ms of being submitted; a reward triggers a group commit
// within reward_commit_ms, and its callback runs only after the batch that
// holds it committed, so a reward acknowledged to a client is on disk (in
// the WAL: it survives a process crash).
//
// When the queue is full, submit() waits up to block_ms for room (policy
// kBlock) or refuses at once (kShed); a refused event is counted in
// stats().shed and reported to the caller, never dropped silently. When the
// ledger cannot be written (read-only, disk full, locked), the writer keeps
// the failed batch, marks itself degraded, retries with backoff, and keeps
// accepting events up to the queue bound; it recovers by itself when a
// commit succeeds again. stop() stops accepting, drains and commits all.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "keyart/ledger/events.h"

namespace keyart::serving {

struct WriterOptions {
  size_t queue_capacity = 100000;  // exposures + rewards in memory (queued or being written)
  size_t max_batch = 5000;         // rows per transaction
  int flush_interval_ms = 20;      // decisions are committed within this
  int reward_commit_ms = 2;        // group commit delay for rewards
  enum class WhenFull { kBlock, kShed } when_full = WhenFull::kBlock;
  int block_ms = 5;                // kBlock: longest wait for room
  int retry_initial_ms = 50;       // backoff while the ledger fails
  int retry_max_ms = 2000;
  int busy_timeout_ms = 1000;      // wait for another writer's lock per attempt
};

// What happened to a submitted reward once its batch was tried; or
// kTimedOut: not tried by its caller's deadline (never from the writer:
// Service::reward reports it when the deadline beats the commit).
enum class RewardOutcome { kStored, kDuplicate, kRejected, kDropped, kTimedOut };
const char* to_string(RewardOutcome outcome);
using RewardCallback = std::function<void(RewardOutcome, const std::string& reason)>;

struct WriterStats {
  uint64_t exposures_committed = 0, rewards_committed = 0, rewards_duplicate = 0;
  uint64_t plays_committed = 0;
  uint64_t rejected = 0;       // rows the ledger refused (bad data)
  uint64_t shed = 0;           // refused at submit: queue full
  uint64_t dropped = 0;        // dropped at stop() because the ledger stayed unwritable
  uint64_t batches = 0, failures = 0;
  size_t queue_depth = 0;
  double lag_ms = 0;           // age of the oldest queued event
  bool degraded = false;
  std::string last_error;
};

class LedgerWriter {
 public:
  LedgerWriter(std::string ledger_path, WriterOptions options = {});
  ~LedgerWriter();  // stop()
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // false: refused (queue full or stopped); counted in stats().shed.
  bool submit(ledger::Exposure exposure);
  bool submit(ledger::Reward reward, RewardCallback on_done = {});
  bool submit(ledger::Play play);

  // Two-step submission for callers that must know there is room before
  // they act (the service reserves, then decides, then submits): reserve()
  // holds `places` places in the queue, all or none (waiting like submit()
  // when full; false and counted as shed when there is no room); each place
  // is then either used by submit_reserved() (which cannot fail) or given
  // back by release().
  bool reserve(size_t places = 1);
  void submit_reserved(ledger::Exposure exposure);
  void submit_reserved(ledger::Reward reward, RewardCallback on_done = {});
  void release(size_t places = 1);

  // Has everything submitted before the call committed now (not at the
  // flush interval) and blocks until it has been tried; the second waits at
  // most `limit` and says whether it got there (a ledger that stays
  // unwritable keeps its batch: the first would wait for it).
  void flush();
  bool flush(std::chrono::milliseconds limit);
  // Stops accepting, commits what is queued (retrying for up to
  // give_up_after_ms while the ledger fails), joins the thread.
  void stop(int give_up_after_ms = 5000);

  WriterStats stats() const;
  bool healthy() const { return !degraded_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Item {
    std::variant<ledger::Exposure, ledger::Reward, ledger::Play> event;
    RewardCallback on_done;
    Clock::time_point queued_at;
  };
  bool enqueue(Item item, bool is_reward);
  bool has_room_locked(size_t places = 1) const;
  // The one wait for a place in the queue (submit and reserve): with mu_
  // held, waits up to block_ms for room (kBlock) and reports whether there
  // is room; no room (or stopping) is counted as shed.
  bool wait_for_room(std::unique_lock<std::mutex>& lock, size_t places = 1);
  void push_locked(Item item, bool is_reward);
  void run();

  std::string path_;
  WriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_, room_cv_, flushed_cv_;
  // A vector, not a deque: an item is larger than a deque's block, so a
  // deque would allocate once per event; the writer swaps it out whole.
  std::vector<Item> queue_;
  uint64_t submitted_ = 0, tried_ = 0;  // sequence numbers for flush()
  uint64_t flush_target_ = 0;           // a flush() waits for this: commit without delay
  size_t rewards_queued_ = 0;
  size_t reserved_ = 0;
  // Taken from the queue by the writer and not tried yet (they still count
  // against the capacity), and when the oldest of them was queued.
  size_t held_ = 0;
  Clock::time_point held_since_{};
  bool stopping_ = false;
  Clock::time_point give_up_at_{};
  std::atomic<bool> degraded_{false};
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace keyart::serving
