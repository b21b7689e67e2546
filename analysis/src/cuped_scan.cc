#include "cuped_scan.h"

#include "keyart/ledger/event_scan.h"

namespace keyart::analysis {

void add_cuped_history(ledger::Ledger& ledger, const RewardIndex& rewards, int64_t from_ms,
                       int64_t to_ms, CupedViewers& viewers) {
  ledger::scan_exposures(
      ledger,
      {.fields = ledger::kFieldEventId | ledger::kFieldUnit,
       .since_ms = std::max<int64_t>(0, from_ms), .until_ms = to_ms},
      [&](const ledger::ExposureView& row) {
        CupedViewer& v = viewers[engine::fmix64(viewer_hash(row.unit_id))];
        v.history = 1;
        v.x += rewards.reward_of(row.event_id);
      });
}

CupedScan cuped_sums(const CupedViewers& viewers, size_t arms, bool unit_share) {
  CupedScan out;
  out.arms.resize(arms);
  viewers.for_each([&](uint64_t, const CupedViewer& v) {
    if (v.arm == 0) return;  // seen only before the experiment
    const double x = unit_share ? (v.x > 0 ? 1.0 : 0.0) : v.x;
    const double y = unit_share ? (v.y > 0 ? 1.0 : 0.0) : v.y;
    out.arms[v.arm - 1].add(x, y);
    if (v.history) ++out.viewers_with_history;
  });
  return out;
}

}  // namespace keyart::analysis
