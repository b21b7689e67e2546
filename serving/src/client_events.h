// The event ids clients chose for their decisions (internal to serving/):
// a retry of a decision with the same id and the same request is answered
// with the first answer, nothing decided or logged again; the same id with a
// different request is a conflict. Remembered for keep_ms (the wait window,
// within which a retry is still useful) and at most `capacity` ids, the
// oldest forgotten first. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "keyart/engine/event_id.h"
#include "keyart/serving/service.h"

namespace keyart::serving {

// A request's fingerprint: every field that decides (unit, title or page
// position, eligible, experiment, seed, features, defer_activation), so two
// requests with equal fingerprints ask for the same decision.
uint64_t request_fingerprint(const DecideRequest& request);

class ClientEvents {
 public:
  ClientEvents(size_t capacity, int64_t keep_ms) : capacity_(capacity), keep_ms_(keep_ms) {}

  enum class Claim {
    kNew,         // reserved for this request: settle() or abandon() it
    kSame,        // answered before: `answer` holds it
    kConflict,    // used for a different request
    kInProgress,  // the same id is being decided right now
  };
  Claim claim(const engine::EventId& id, uint64_t fingerprint, int64_t now_ms,
              DecideResult& answer);
  void settle(const engine::EventId& id, const DecideResult& answer);
  void abandon(const engine::EventId& id);
  size_t size() const;

 private:
  struct Entry {
    uint64_t fingerprint = 0;
    int64_t at_ms = 0;
    bool settled = false;
    DecideResult answer;
  };
  void forget_old_locked(int64_t now_ms);

  const size_t capacity_;
  const int64_t keep_ms_;
  mutable std::mutex mu_;
  std::unordered_map<engine::EventId, Entry, engine::EventIdHash> entries_;
  std::deque<std::pair<int64_t, engine::EventId>> order_;  // claim times, oldest first
};

}  // namespace keyart::serving
