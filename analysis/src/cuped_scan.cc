#include "cuped_scan.h"

#include <string_view>
#include <unordered_map>

#include "keyart/ledger/event_scan.h"
#include "rewards.h"

namespace keyart::analysis {

CupedScan scan_cuped(ledger::Ledger& ledger, const std::string& experiment_id,
                     const std::vector<std::string>& arm_ids, const std::string& metric,
                     Analysis analysis, int64_t since_ms, int64_t until_ms, int64_t start_ms,
                     int64_t window_ms) {
  const RewardIndex rewards = load_rewards(ledger, metric);
  auto value = [&](std::span<const uint8_t> event_id) {
    const double* r = rewards.find(event_id);
    return r ? *r : 0.0;
  };
  struct Viewer {
    size_t arm = 0;
    double y = 0, x = 0;
    bool history = false;
  };
  std::unordered_map<std::string, Viewer> viewers;
  ledger::scan_exposures(
      ledger,
      {.fields = ledger::kFieldEventId | ledger::kFieldArm | ledger::kFieldUnit,
       .experiment_id = experiment_id, .since_ms = since_ms, .until_ms = until_ms},
      [&](const ledger::ExposureView& row) {
        size_t arm = 0;
        while (arm < arm_ids.size() && arm_ids[arm] != row.arm_id) ++arm;
        if (arm == arm_ids.size()) return;
        auto [it, fresh] = viewers.try_emplace(std::string(row.unit_id));
        if (fresh) it->second.arm = arm;
        it->second.y += value(row.event_id);
      });
  ledger::scan_exposures(
      ledger,
      {.fields = ledger::kFieldEventId | ledger::kFieldUnit,
       .since_ms = std::max<int64_t>(0, start_ms - window_ms), .until_ms = start_ms},
      [&](const ledger::ExposureView& row) {
        auto it = viewers.find(std::string(row.unit_id));
        if (it == viewers.end()) return;
        it->second.history = true;
        it->second.x += value(row.event_id);
      });
  CupedScan out;
  out.arms.resize(arm_ids.size());
  const bool share = analysis == Analysis::kUnitShare;
  for (const auto& [unit, v] : viewers) {
    out.arms[v.arm].add(share ? (v.x > 0 ? 1.0 : 0.0) : v.x, share ? (v.y > 0 ? 1.0 : 0.0) : v.y);
    if (v.history) ++out.viewers_with_history;
  }
  return out;
}

}  // namespace keyart::analysis
