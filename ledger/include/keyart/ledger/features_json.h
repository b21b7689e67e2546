// Named features read from a JSON object that simdjson parsed: the fast
// readers of logged contexts (decision_log.h) and of request bodies
// (serving) use it. The rule is the engine's (NamedFeatures::from_json
// after a full parse): names in order, the last of repeated names winning,
// booleans as 1 and 0, and the same error messages; tests hold the two to
// the same answers (tests/ledger/decision_log_test.cc).
#pragma once

#include <simdjson.h>

#include <string>

#include "keyart/engine/named_features.h"

namespace keyart::ledger {

// Adds the object's features to out; false with a reason when element is
// not an object of name: number, string or boolean.
bool read_features(simdjson::dom::element element, engine::NamedFeatures& out,
                   std::string& reason);

}  // namespace keyart::ledger
