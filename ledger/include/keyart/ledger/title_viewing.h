// Everyone's viewing per title, stored (docs/PROFILES.md, "Fitted tastes"):
// the population fitted viewer profiles are measured against. It is stored,
// not recomputed by each reader, so that every serving node, and a node
// after a restart, fits against the same population. How the weights are
// measured from the plays is the profiles' rule (serving/population_refresh.h);
// the ledger only keeps them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct TitleViewing {
  std::unordered_map<std::string, double> weight;  // by title id
  int64_t computed_at = 0;                         // Unix ms
};

// Replaces the stored viewing whole, in one transaction; titles not in
// `viewing.weight` get none stored. Refuses (kInvalid) a weight that is
// negative, not finite or above 1e15, and (kNotFound) a title not in the
// catalogue; nothing is changed then. Raises the catalogue's version.
void store_title_viewing(Ledger& ledger, const TitleViewing& viewing);

// The stored viewing; nullopt when none was ever stored (or the catalogue
// had no titles when it was).
std::optional<TitleViewing> load_title_viewing(Ledger& ledger);

}  // namespace keyart::ledger
