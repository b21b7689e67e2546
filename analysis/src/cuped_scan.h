// The CUPED covariate and outcome per viewer, read from the ledger
// (internal to keyart_analysis): for each arm, the per-viewer sums of
// stats/cuped.h, where Y is the viewer's value of the metric in the
// experiment (rewards per viewer, or 1 when it had any reward with the
// unit-share analysis) and X the same value over the viewer's exposures in
// [start - window, start) anywhere in the ledger (0 without any).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keyart/analysis/experiment_report.h"
#include "keyart/analysis/stats/cuped.h"
#include "keyart/ledger/ledger.h"

namespace keyart::analysis {

struct CupedScan {
  std::vector<stats::CupedSums> arms;
  int64_t viewers_with_history = 0;  // viewers with exposures in the window
};

CupedScan scan_cuped(ledger::Ledger& ledger, const std::string& experiment_id,
                     const std::vector<std::string>& arm_ids, const std::string& metric,
                     Analysis analysis, int64_t since_ms, int64_t until_ms, int64_t start_ms,
                     int64_t window_ms);

}  // namespace keyart::analysis
