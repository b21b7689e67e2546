// JSON renderings of ledger records for --json output and the HTTP API, so
// every command prints the same field names for the same things.
#pragma once

#include <nlohmann/json.hpp>

#include "keyart/experiments/catalog.h"
#include "keyart/experiments/experiment_store.h"
#include "keyart/experiments/variants.h"

namespace keyart::cli {

nlohmann::json to_json(const experiments::Title& title);
nlohmann::json to_json(const experiments::CastMember& member);
nlohmann::json to_json(const experiments::Variant& variant);
nlohmann::json to_json(const experiments::Experiment& experiment);

}  // namespace keyart::cli
