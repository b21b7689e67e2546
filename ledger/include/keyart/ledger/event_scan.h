// Reading the event log in bulk, for reports, off-policy evaluation and
// replay: a pass over exposures that hands each row to a callback as views
// (no copy per row; only the fields asked for are read, so a report over
// ten million exposures reads what its index covers and nothing else), the
// rewards of one kind, and the small summaries the reports need. The views
// are valid only during the callback. Reads never write.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

// The fields a scan reads; a field not asked for is left empty.
enum ExposureField : uint32_t {
  kFieldExposureId = 1u << 0,
  kFieldEventId = 1u << 1,
  kFieldTs = 1u << 2,
  kFieldArm = 1u << 3,
  kFieldUnit = 1u << 4,
  kFieldTitle = 1u << 5,
  kFieldVariant = 1u << 6,
  kFieldDevice = 1u << 7,
  kFieldCountry = 1u << 8,
  kFieldHour = 1u << 9,
  kFieldPropensity = 1u << 10,
  kFieldContext = 1u << 11,
  kFieldCandidates = 1u << 12,
  kFieldExperiment = 1u << 13,
};

struct ExposureView {
  int64_t exposure_id = 0;             // commit order
  std::span<const uint8_t> event_id;   // 16 bytes
  int64_t ts = 0;
  std::string_view arm_id, unit_id, title_id, variant_id;
  std::optional<std::string_view> device, country;  // nullopt when not recorded
  std::optional<int64_t> hour;
  double propensity = 1;
  std::string_view context_json, candidates_json;  // decision_log.h decodes them
  std::string_view experiment_id;                   // empty when it has none
};

struct ExposureScan {
  uint32_t fields = 0;                        // ExposureField bits
  std::optional<std::string> experiment_id;   // only this experiment's exposures
  std::vector<std::string> experiment_ids;    // or: those of any of these (at most 8)
  std::optional<std::string> arm_id;          // only this arm's
  int64_t since_ms = 0;                       // ts in [since_ms, until_ms)
  int64_t until_ms = INT64_MAX;
  enum class Order {
    kAny,             // whatever is cheapest
    kLogged,          // exposure_id (commit order)
    kTime,            // ts; ties by arm, unit, variant, event id (the same on every backend)
    kTimeThenLogged,  // ts, then exposure_id
  } order = Order::kAny;
  // A decision made with deferred activation and never activated was not
  // shown: it is left out unless asked for (engine/reward.h's marks).
  bool include_unshown = false;
};

// Calls fn for every matching exposure; returns how many.
size_t scan_exposures(Ledger& ledger, const ExposureScan& scan,
                      const std::function<void(const ExposureView&)>& fn);

// Calls fn(event id bytes, value) for every reward of `kind`, in no
// particular order; returns how many.
size_t scan_rewards(Ledger& ledger, std::string_view kind,
                    const std::function<void(std::span<const uint8_t>, double)>& fn);

// The reward kinds recorded on an experiment's exposures, sorted, at most
// `limit` of them (keyart's own marks left out).
std::vector<std::string> reward_kinds_of_experiment(Ledger& ledger, std::string_view experiment_id,
                                                    int limit);

// How many exposures an experiment has, and the first and last ts (0 when
// it has none); every logged decision, shown or not.
struct ExposureRange {
  int64_t count = 0;
  int64_t first_ts = 0, last_ts = 0;
};
ExposureRange exposure_range(Ledger& ledger, std::string_view experiment_id);

// The ledger's head: the last exposure and reward ids committed (0 when
// none). Everything with an id at or below a mark was committed before it
// was read.
struct LedgerMarks {
  int64_t last_exposure_id = 0;
  int64_t last_reward_id = 0;
};
LedgerMarks ledger_marks(Ledger& ledger);

}  // namespace keyart::ledger
