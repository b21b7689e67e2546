// Import of decision-service JSON logs (DSJSON: what Azure Personalizer and
// Vowpal Wabbit's decision service exported, one JSON event a line) into
// the ledger as a finished experiment (source 'import'), so a user moving
// from Personalizer brings their history for reports and off-policy
// evaluation. A line is one ranked event:
//   EventId              the event id (mapped by ledger/client_event_id.h,
//                        as keyart serve's Personalizer API maps it)
//   Timestamp            ISO-8601 (analysis/iso_time.h)
//   c                    the context: its features (ledger/nested_features.h)
//                        and "_multi", the actions with their features; an
//                        action's id is its i.id, else its _tag, else its
//                        position (1-based)
//   _labelIndex          the chosen action (0-based; else _label_Action,
//                        1-based)
//   _label_probability   its propensity, in (0, 1]
//   _label_cost          minus the reward (0 or absent: no reward stored)
//   DeferredAction       true: a deferred decision, activated when an entry
//                        of "o" has ActionTaken true (engine/reward.h marks)
// Everything else (a, p, VWState, Version, pdrop, _skipLearn) is not needed
// and left alone. An EventId already in the ledger (the same log imported
// twice, or an event served through the Personalizer API) is a bad line.
// Each event is its own unit unless options.unit_feature
// names a context feature holding the viewer. Lines that are not ranked
// events (blank lines aside) are bad rows, reported by line number; as
// with CSV logs (log_import.h), nothing is imported unless every line is
// valid or skip_bad is set, and the import is one transaction.
#pragma once

#include <cstddef>
#include <string>

#include "keyart/analysis/log_import.h"
#include "keyart/ledger/ledger.h"

namespace keyart::analysis {

struct DsjsonImportOptions {
  std::string path;
  std::string experiment_id;
  std::string experiment_name;  // default: the file's name
  std::string title_id;         // default: the experiment id (created when new)
  std::string metric = "click";
  std::string unit_feature;     // a flattened context feature naming the viewer
  bool skip_bad = false;
  size_t errors_listed = 20;
  size_t max_line_bytes = 1 << 20;
};

// Throws ledger::LedgerError for a problem with the whole import (missing
// file, experiment id taken, a line too long); bad lines are in the result.
ImportResult import_dsjson(ledger::Ledger& ledger, const DsjsonImportOptions& options);

}  // namespace keyart::analysis
