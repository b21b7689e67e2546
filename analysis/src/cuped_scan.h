// The CUPED covariate and outcome per viewer (internal to keyart_analysis),
// for stats/cuped.h: Y is the viewer's value of the primary metric in the
// experiment (rewards per viewer, or 1 when it had any reward with the
// unit-share analysis), gathered by the report's pass (scan.h); X is the
// same value over the viewer's exposures in [start - window, start)
// anywhere in the ledger (0 without any), gathered here first. A viewer is
// counted in the arm of its first exposure in the experiment.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "flat_map.h"
#include "keyart/analysis/stats/cuped.h"
#include "keyart/engine/hash.h"
#include "keyart/ledger/ledger.h"
#include "rewards.h"

namespace keyart::analysis {

// A viewer id's 64-bit hash: the one every pass of a report tells viewers
// apart by.
inline uint64_t viewer_hash(std::string_view unit_id) {
  return std::hash<std::string_view>()(unit_id);
}

struct CupedViewer {
  double x = 0, y = 0;
  uint32_t arm = 0;      // 1 + the arm of its first exposure; 0: not in the experiment
  uint32_t history = 0;  // 1 when it has exposures in the window
};
// By engine::fmix64(viewer_hash(unit id)).
using CupedViewers = FlatMap64<CupedViewer>;

struct CupedScan {
  std::vector<stats::CupedSums> arms;
  int64_t viewers_with_history = 0;  // viewers with exposures in the window
};

// Sets X (and `history`) for every viewer with exposures in [from_ms,
// to_ms), from the rewards of the index's first kind.
void add_cuped_history(ledger::Ledger& ledger, const RewardIndex& rewards, int64_t from_ms,
                       int64_t to_ms, CupedViewers& viewers);

// The per-arm sums over the viewers seen in the experiment.
CupedScan cuped_sums(const CupedViewers& viewers, size_t arms, bool unit_share);

}  // namespace keyart::analysis
