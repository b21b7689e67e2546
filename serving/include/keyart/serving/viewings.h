// The ledger's plays as the viewer profiles count them (docs/PROFILES.md):
// one stored or reported play as a profiles::Viewing (its key: the ledger's
// play key, so a report and its stored row are one viewing), and everyone's
// viewing per title measured from every stored play, for fitted profiles'
// population (ledger/title_viewing.h keeps it).
#pragma once

#include <cstdint>

#include "keyart/ledger/events.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/title_viewing.h"
#include "keyart/profiles/viewer_profile.h"

namespace keyart::serving {

profiles::Viewing viewing_of(const ledger::Play& play);

struct MeasuredViewing {
  ledger::TitleViewing viewing;  // every catalogue title, 0 for one nobody watched
  int64_t plays = 0;             // rows read (a viewing reported twice is two)
};

// Every title's viewing over all stored plays, each viewing counted once at
// its heaviest and weighed as a profile weighs it (options' weights and
// half-life, decayed to the newest play), computed_at = now_ms. Reads the
// plays in commit order, holding one entry (about 50 bytes) per viewing.
MeasuredViewing measure_title_viewing(ledger::Ledger& ledger, const profiles::ProfileOptions& options,
                                      int64_t now_ms);
// The same, then stored in the ledger in place of what was
// (ledger::store_title_viewing, one transaction).
MeasuredViewing store_measured_title_viewing(ledger::Ledger& ledger,
                                             const profiles::ProfileOptions& options, int64_t now_ms);

}  // namespace keyart::serving
