// The Azure AI Personalizer v1.0 face of keyart serve (internal to
// serving/): Rank, Reward and Activate with Personalizer's request and
// response shapes, status codes and error body, so code written for
// Personalizer (its own client libraries included) runs unchanged against
// keyart. docs/SERVING.md "Coming from Personalizer" has the mapping:
//   - the application is one keyart title (ApiOptions::personalizer_title);
//     each action is its variant ledger::external_variant_id(title, id),
//     kind external, created on first sight with the action's features
//     (ledger/nested_features.h flattens them, and the context's);
//   - the event id is the client's (or one made up and returned), mapped
//     by ledger/client_event_id.h, so Reward and Activate find it, and a
//     retried Rank with the same event id gets the same answer;
//   - the viewer is the X-Keyart-Unit header, else the event id itself;
//   - excluded actions (and retired variants) are ranked last with
//     probability 0; the first of the ranking is the one chosen and logged;
//   - deferActivation is defer_activation; a reward is recorded as
//     ApiOptions::personalizer_reward_kind (one per event: the first counts).
#pragma once

#include <string>

#include "keyart/serving/http_api.h"
#include "keyart/serving/service.h"

namespace keyart::serving {

// True for a path of this API.
bool is_personalizer_path(std::string_view path);

// {"error": {"code", "message", "target"?}}, Personalizer's error body, with
// its code for the status (BadRequest, ResourceNotFound, ...).
HttpResponse personalizer_error(int status, const std::string& message,
                                const std::string& target = "");

// Answers one request of this API (respond is called once, possibly later:
// Reward and Activate answer after their ledger commit). Errors are
// answered in Personalizer's shape, never thrown.
void handle_personalizer(Service& service, const ApiOptions& options, const HttpRequest& req,
                         const std::string& path, Responder respond);

}  // namespace keyart::serving
