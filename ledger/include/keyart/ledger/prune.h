// Removing old events: every exposure from before a UTC midnight, with the
// rewards that followed them, in one transaction. On PostgreSQL the days go
// whole, by dropping their partitions (cheap at any size); on SQLite the rows
// are deleted. Refused (kConflict) while a running experiment covers those
// days (it started before the cut); a cut that is not a UTC midnight is
// kInvalid. The catalogue, experiments and model snapshots stay: a serving
// node restarting from a snapshot replays only rows after its marks, but a
// model rebuilt from the ledger alone no longer sees the pruned days.
#pragma once

#include <cstdint>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct PruneResult {
  int64_t exposures = 0;        // removed
  int64_t rewards = 0;          // removed
  int64_t days_dropped = 0;     // PostgreSQL partitions (days) dropped
};

PruneResult prune_events_before(Ledger& ledger, int64_t before_ms);

}  // namespace keyart::ledger
