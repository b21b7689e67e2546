// Forgetting a viewer (docs/PROFILES.md, "Forgetting a viewer"): the
// viewer's plays are deleted and, in every exposure, its unit id is
// replaced by a pseudonym, in one transaction. The pseudonym is a keyed
// hash (HMAC-SHA256) of the unit id under a random key made for the call
// and then discarded: the same for all of the viewer's exposures, so
// reports keep their counts and figures (viewers, clustering), and no one
// can compute it again from the unit id. Rewards name events, not viewers,
// and stay. The stored model snapshots are rewritten without the viewer's
// churn-limit entries (engine::Learner::forget_unit: keys derived from the
// unit id) in the same transaction, and the files they replace removed
// after it.
//
// On SQLite the freed space is overwritten (secure_delete) and the
// write-ahead log checkpointed and truncated, so the unit id is left
// nowhere in the ledger's files; on PostgreSQL the tables are vacuumed
// after the commit (the server's own write-ahead log and backups are the
// operator's). Finding the viewer's exposures reads the exposures table
// whole (there is no index by viewer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct ForgetResult {
  int64_t exposures = 0;  // whose unit id was replaced
  int64_t plays = 0;      // deleted
  int64_t snapshots = 0;  // stored model snapshots rewritten without the viewer
  std::string pseudonym;  // what the exposures now carry ("forgotten-" + 32 hex)
  bool files_clean = true;  // SQLite: the log was truncated (false: another connection held it)
};

// kInvalid for an empty unit id; a unit with nothing stored is not an error.
ForgetResult forget_viewer(Ledger& ledger, std::string_view unit_id);

}  // namespace keyart::ledger
