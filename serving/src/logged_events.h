// How a decision is written to the ledger and read back for replay: the
// exposure row (context JSON with the request's user and context features,
// candidates JSON with the eligible variant ids) and its inverse, the
// engine's LoggedDecision, rebuilt with the variants' features.
#pragma once

#include <optional>
#include <string>

#include "catalog_cache.h"
#include "keyart/engine/learner.h"
#include "keyart/experiments/events.h"

namespace keyart::serving {

struct DecisionRecord {
  const engine::NamedFeatures* context = nullptr;
  const engine::NamedFeatures* user = nullptr;
  std::span<const engine::PreparedVariant* const> candidates;
  const engine::Decision* decision = nullptr;
};

// Fills the exposure's context, candidates, device, country and hour.
void describe_request(const DecisionRecord& record, experiments::Exposure& exposure);

// Rebuilds what the learner saw; nullopt (with reason) when the row cannot
// be replayed (a candidate no longer known, the shown variant missing).
std::optional<engine::LoggedDecision> logged_decision(const experiments::StoredExposure& row,
                                                      const CatalogCache& catalog,
                                                      std::string& reason);

}  // namespace keyart::serving
