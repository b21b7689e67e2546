#include "cuped_scan.h"

#include <algorithm>
#include <cmath>

#include "keyart/engine/batch_pipe.h"
#include "keyart/ledger/event_scan.h"

namespace keyart::analysis {

// Like the report's pass, on two threads: this one reads and hashes, a
// second one looks up rewards and updates the viewers (prefetching ahead).
void add_cuped_history(ledger::Ledger& ledger, const RewardIndex& rewards, int64_t from_ms,
                       int64_t to_ms, CupedViewers& viewers) {
  struct Row {
    Id128 event;
    uint64_t viewer = 0;
  };
  constexpr size_t kBatch = 4096, kQueued = 4, kLookahead = 16;
  auto prefetch = [&](const Row& row) {
    rewards.prefetch(row.event);
    viewers.prefetch(row.viewer);
  };
  engine::run_pipelined<Row>(
      kBatch, kQueued,
      [&](engine::BatchPipe<Row>& pipe) {
        ledger::scan_exposures(ledger,
                               {.fields = ledger::kFieldEventId | ledger::kFieldUnit,
                                .since_ms = std::max<int64_t>(0, from_ms),
                                .until_ms = to_ms},
                               [&](const ledger::ExposureView& x) {
                                 Row& row = pipe.next();
                                 row.event = event_key(x.event_id);
                                 row.viewer = engine::fmix64(viewer_hash(x.unit_id));
                               });
      },
      [&](const Row* rows, size_t n) {
        for (size_t i = 0; i < std::min(n, kLookahead); ++i) prefetch(rows[i]);
        for (size_t i = 0; i < n; ++i) {
          if (i + kLookahead < n) prefetch(rows[i + kLookahead]);
          CupedViewer& v = viewers[rows[i].viewer];
          v.history = 1;
          const double* r = rewards.find(rows[i].event);
          if (r && !std::isnan(r[0])) v.x += r[0];
        }
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
