// The JSON of the decide endpoints at the speed of the decision itself
// (internal to serving/): request bodies read with simdjson straight into
// the service's requests, answers written directly. The readers accept only
// well-formed requests and decline everything else (false): the caller then
// reads the body with the full parser (http_api.cc), which words every
// error as the API documents it, so errors are the same on both paths and
// an accepted body means what the full reading would make of it (the last
// of repeated names wins; features by ledger/features_json.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/serving/service.h"

namespace keyart::serving {

// /v1/decide. max_depth: the API's nesting limit (a body nested deeper is
// declined, so the full reading refuses it).
bool read_decide_fast(std::string_view body, int max_depth, DecideRequest& out);
// /v1/decide/page, with the service's page size limit.
bool read_page_fast(std::string_view body, int max_depth, size_t max_impressions,
                    DecidePageRequest& out);

// A decision's JSON object (the members of DecideResult, names in
// alphabetical order, unset ones left out as the full writer does) appended
// to out; false (out unchanged) when a string is not plain ASCII, which the
// full writer escapes and checks.
bool append_decision_json(const DecideResult& d, std::string& out);
// {"decisions":[...],"max_same_actor":N|null}; false as above.
bool page_answer_json(const std::vector<DecideResult>& decisions,
                      std::optional<int> max_same_actor, std::string& out);

}  // namespace keyart::serving
