// JSON renderings of ledger records for --json output and the HTTP API, so
// every command prints the same field names for the same things.
#pragma once

#include <nlohmann/json.hpp>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"

namespace keyart::cli {

nlohmann::json to_json(const ledger::Title& title);
nlohmann::json to_json(const ledger::CastMember& member);
nlohmann::json to_json(const ledger::Variant& variant);
nlohmann::json to_json(const ledger::Experiment& experiment);

}  // namespace keyart::cli
