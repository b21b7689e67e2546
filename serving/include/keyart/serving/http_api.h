// The HTTP/JSON face of the serving hook (keyart serve), routed onto a
// Service:
//   POST /v1/decide                 one decision
//   POST /v1/reward                 one reward, or {"rewards": [...]} for a batch;
//                                   answered once the ledger has committed it
//   POST /v1/decide/page            one decision per tile of a page
//   GET  /healthz                   {"status": "ok" | "degraded", ...} (for people)
//   GET  /livez                     200 while the process serves HTTP
//   GET  /readyz                    200 when decisions can be made and recorded,
//                                   else 503 with the reasons (probes)
//   GET  /metrics                   Prometheus text (request durations by route)
//   POST /v1/admin/reload           re-read titles, variants and experiments
//   POST /v1/admin/snapshot         save the models now
//   POST /v1/admin/experiments/<id>/start | /stop
// Admin endpoints need "Authorization: Bearer <token>" (compared in
// constant time; without a configured token they are disabled, 403); with
// API keys configured, the decision endpoints need one (api_keys.h). Errors
// are JSON {"error": {"status", "message", "field"}}: 400 malformed JSON,
// wrong types or limits (naming the field), 401 missing/wrong token, 404
// unknown title/variant/experiment/event, 405 wrong method (with Allow), 413
// body too large, 503 ledger queue full; 401 also for a missing or wrong
// API key. Every request may be logged as one
// JSON line (sampled); the token never is.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "keyart/serving/api_keys.h"
#include "keyart/serving/http_server.h"
#include "keyart/serving/metrics.h"
#include "keyart/serving/service.h"

namespace keyart::serving {

struct ApiOptions {
  std::string admin_token;          // empty: admin endpoints disabled
  // Set: decide, decide/page and reward need one of these keys (401 without).
  std::shared_ptr<const ApiKeys> api_keys;
  double access_log_sample = 0.0;   // share of requests logged, 0..1
  std::ostream* access_log = nullptr;
  int max_json_depth = 8;
  size_t max_batch_rewards = 1000;
  int reward_ack_timeout_ms = 2000;  // then 503: not yet durable
  // The Personalizer v1.0 API (/personalizer/v1.0/...; docs/SERVING.md):
  // the title its actions are variants of (empty: the API is off), and the
  // reward kind its rewards are recorded as.
  std::string personalizer_title;
  std::string personalizer_reward_kind = "click";
};

// One route of the API: its method and path ({name}: one path segment), and
// whether it is a client call (it needs an API key when keys are configured;
// admin routes need the admin token instead, health and metrics nothing).
struct ApiRoute {
  std::string method, path;
  bool client_call = false;
};
// Every route the API serves, in one place: the handler routes by it,
// `keyart serve --routes` prints it, and the OpenAPI test holds
// docs/openapi.yaml to it.
const std::vector<ApiRoute>& api_routes();

// Builds the handler; the registry receives the API's and the service's
// metrics. service and registry must outlive the handler.
HttpHandler make_api_handler(Service& service, MetricsRegistry& registry, ApiOptions options);

// The handler while the service is starting (keyart serve listens before it
// opens the ledger and replays it): /livez 200, /readyz 503 saying `what`,
// /metrics the registry as it is, anything else 503 (JSON, Retry-After: 1).
HttpHandler make_starting_handler(MetricsRegistry& registry, std::string what);

// Constant-time comparison of a presented token with the expected one.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace keyart::serving
