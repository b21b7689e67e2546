// Exposures (decisions shown), rewards (what followed) and plays (what
// viewers watched, docs/PROFILES.md) in the ledger. EventWriter commits a
// batch of them in ONE transaction: it is the writer
// behind the serving queue and the simulator. A row that breaks a rule
// (unknown title/variant/arm, propensity outside (0,1], bad event id, a
// reward for an unknown event, a play of an unknown title or with a bad key,
// time or duration) is rejected on its own with the reason and
// the rest of the batch commits; a reward repeated for the same event and
// kind is counted as a duplicate and not stored twice. If the commit itself
// fails (disk full, read-only) nothing of the batch is kept and the
// LedgerError propagates, so the caller can keep the batch and retry.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

// The schema's rule for a viewer's id (exposures, plays): 1 to this many bytes.
inline constexpr size_t kMaxUnitIdBytes = 256;

struct Exposure {
  std::string event_id;  // 32 hex digits (16 bytes in the ledger)
  int64_t ts = 0;        // Unix ms
  std::optional<std::string> experiment_id, arm_id;
  std::string unit_id;
  std::string title_id;
  std::string variant_id;
  std::optional<int64_t> position;
  std::string policy;  // the policy spec ("name:params")
  int64_t model_version = 0;
  double propensity = 1;
  std::optional<std::string> device, country;
  std::optional<int64_t> hour;
  std::string context_json = "{}";     // request features (user + context)
  std::string candidates_json = "[]";  // eligible variant ids, in order
};

struct Reward {
  std::string event_id;
  std::string kind;  // click, play, completion, ... ([a-z0-9_]{1,32})
  double value = 1;
  int64_t ts = 0;
};

// A viewing: the viewer played the title at ts, for `seconds` when known.
// play_key identifies the viewing (keyart/ledger/plays.h makes it): every
// report is stored, and the profiles count each key once, at its heaviest.
// A play with neither unit_id nor title_id is one known from a play or
// completion reward: play_key is the exposure's event id, and the viewer,
// title and time are the exposure's (rejected when there is none).
struct Play {
  std::string play_key;  // 32 hex digits (16 bytes in the ledger)
  std::string unit_id;
  std::string title_id;
  int64_t ts = 0;        // Unix ms
  std::optional<double> seconds;
  bool completed = false;
};

struct BatchResult {
  struct Rejected {
    bool is_reward = false;
    bool is_play = false;
    size_t index = 0;  // position in the input span
    ErrorKind kind = ErrorKind::kInvalid;
    std::string reason;
  };
  size_t exposures_written = 0;
  size_t rewards_written = 0;
  size_t plays_written = 0;
  size_t rewards_duplicate = 0;
  std::vector<size_t> duplicate_rewards;  // their positions in the input span
  std::vector<Rejected> rejected;
};

class BatchWriter;  // the backend's writer (internal to keyart_ledger)

class EventWriter {
 public:
  explicit EventWriter(Ledger& ledger);
  ~EventWriter();
  BatchResult write(std::span<const Exposure> exposures, std::span<const Reward> rewards,
                    std::span<const Play> plays = {});

 private:
  std::unique_ptr<BatchWriter> writer_;
};

struct StoredExposure : Exposure {
  int64_t exposure_id = 0;
};
struct StoredReward : Reward {
  int64_t reward_id = 0;
};

struct ExposureFilter {
  std::optional<std::string> experiment_id;
  std::optional<int64_t> since_ms, until_ms;  // ts in [since, until)
  int64_t after_exposure_id = 0;
  bool by_time = false;  // order by (ts, exposure_id) instead of exposure_id
};

// Streams matching exposures in exposure_id (commit) order, or in time order
// when asked; returns how many.
size_t for_each_exposure(Ledger& ledger, const ExposureFilter& filter,
                         const std::function<void(const StoredExposure&)>& fn);
// Streams rewards with reward_id > after_reward_id in reward_id order.
size_t for_each_reward(Ledger& ledger, int64_t after_reward_id,
                       const std::function<void(const StoredReward&)>& fn);
std::optional<StoredExposure> find_exposure(Ledger& ledger, std::string_view event_id);
std::vector<StoredReward> rewards_for_event(Ledger& ledger, std::string_view event_id);

int64_t count_exposures(Ledger& ledger);
int64_t count_rewards(Ledger& ledger);

}  // namespace keyart::ledger
