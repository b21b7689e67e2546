// Per-variant exposure and click counts of a title from the event log, for
// the designers' views (keyart variant sheet). An exposure counts as clicked
// when it has a reward of the given kind with a value > 0 (once, whatever
// else followed). Variants never shown are absent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct VariantClicks {
  std::string variant_id;
  int64_t exposures = 0;
  int64_t clicks = 0;
};

// In variant id order.
std::vector<VariantClicks> variant_click_counts(Ledger& ledger, std::string_view title_id,
                                                std::string_view reward_kind = "click");

}  // namespace keyart::ledger
