// Viewings in the ledger, read back (docs/PROFILES.md). They are written
// with the exposures and rewards, through EventWriter (events.h: Play),
// one transaction per batch; here they are read by viewer (to rebuild one
// profile) or in commit order (to rebuild them all), and their keys made.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "keyart/ledger/events.h"
#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct StoredPlay : Play {
  int64_t play_id = 0;
};

// The key of a viewing a client reports (POST /v1/plays, keyart import
// plays): from its viewer, title and time, so the same report twice is
// the same viewing. 32 hex digits.
std::string play_key_of(std::string_view unit_id, std::string_view title_id, int64_t ts_ms);
// A viewing known from a play or completion reward: the exposure's event id
// is its key (both rewards of one exposure are one viewing).

// The viewer's plays in time order; returns how many.
size_t for_each_play_of(Ledger& ledger, std::string_view unit_id,
                        const std::function<void(const StoredPlay&)>& fn);
// Every play with play_id > after_play_id, in commit order.
size_t for_each_play(Ledger& ledger, int64_t after_play_id,
                     const std::function<void(const StoredPlay&)>& fn);
int64_t count_plays(Ledger& ledger);

}  // namespace keyart::ledger
