#include "personalizer_api.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "api_json.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/nested_features.h"
#include "json_text.h"

namespace keyart::serving {

namespace {

using json = nlohmann::json;

constexpr std::string_view kPrefix = "/personalizer/v1.0/";
constexpr size_t kMaxActions = 50;  // Personalizer's limit per Rank

const char* code_of(int status) {
  switch (status) {
    case 400: case 405: case 409: case 413: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "ResourceNotFound";
    case 503: return "ServiceUnavailable";
    default: return status >= 500 ? "InternalServerError" : "BadRequest";
  }
}

[[noreturn]] void bad(const std::string& target, const std::string& message) {
  throw ServiceError(400, target, message);
}

std::string checked_event_id(const std::string& id) {
  if (std::string why = ledger::client_event_id_problem(id); !why.empty()) bad("eventId", why);
  return id;
}

engine::NamedFeatures features_of(const json& list, const std::string& target) {
  engine::NamedFeatures out;
  std::string reason;
  if (!ledger::add_nested_features(list, out, reason)) bad(target, target + ": " + reason);
  return out;
}

// POST rank: 201 with the ranking.
HttpResponse rank(Service& service, const ApiOptions& options, const HttpRequest& req) {
  const json doc = parse_body(req.body, options.max_json_depth);
  auto actions_it = doc.find("actions");
  if (actions_it == doc.end() || !actions_it->is_array() || actions_it->empty()) {
    bad("actions", "actions must be a non-empty list of {id, features}");
  }
  if (actions_it->size() > kMaxActions) {
    bad("actions", "at most " + std::to_string(kMaxActions) + " actions in one Rank");
  }
  std::vector<ExternalAction> actions;
  std::unordered_set<std::string> ids;
  for (size_t i = 0; i < actions_it->size(); ++i) {
    const json& a = (*actions_it)[i];
    const std::string target = "actions[" + std::to_string(i) + "]";
    if (!a.is_object()) bad(target, target + " must be an object");
    auto id = a.find("id");
    if (id == a.end() || !id->is_string() || id->get<std::string>().empty() ||
        id->get<std::string>().size() > 256) {
      bad(target + ".id", target + ".id must be a string of 1 to 256 characters");
    }
    if (!ids.insert(id->get<std::string>()).second) {
      bad(target + ".id", "action '" + id->get<std::string>() + "' is listed twice");
    }
    actions.push_back({id->get<std::string>(),
                       features_of(a.value("features", json()), target + ".features")});
  }
  std::unordered_set<std::string> excluded;
  if (auto ex = doc.find("excludedActions"); ex != doc.end() && !ex->is_null()) {
    if (!ex->is_array()) bad("excludedActions", "excludedActions must be a list of action ids");
    for (const json& id : *ex) {
      if (!id.is_string() || !ids.count(id.get<std::string>())) {
        bad("excludedActions", "excludedActions must name actions of this request");
      }
      excluded.insert(id.get<std::string>());
    }
  }
  std::string event_id;
  if (auto e = doc.find("eventId"); e != doc.end() && !e->is_null()) {
    if (!e->is_string()) bad("eventId", "eventId must be a string");
    event_id = checked_event_id(e->get<std::string>());
  } else {
    event_id = engine::to_hex(engine::new_event_id());  // made up, and returned
  }
  bool defer = false;
  if (auto d = doc.find("deferActivation"); d != doc.end() && !d->is_null()) {
    if (!d->is_boolean()) bad("deferActivation", "deferActivation must be true or false");
    defer = d->get<bool>();
  }

  const std::vector<ExternalVariant> variants =
      service.external_variants(options.personalizer_title, actions);
  DecideRequest decide;
  decide.unit_id = req.unit.empty() ? event_id : req.unit;
  decide.title_id = options.personalizer_title;
  decide.context = features_of(doc.value("contextFeatures", json()), "contextFeatures");
  std::unordered_map<std::string, const std::string*> action_of;  // variant id -> action id
  for (size_t i = 0; i < actions.size(); ++i) {
    action_of[variants[i].variant_id] = &actions[i].id;
    if (variants[i].active && !excluded.count(actions[i].id)) {
      decide.eligible.push_back(variants[i].variant_id);
    }
  }
  if (decide.eligible.empty()) bad("excludedActions", "every action is excluded (or retired)");
  decide.client_event_id = event_id;
  decide.defer_activation = defer;
  decide.want_scores = true;
  DecideResult d = service.decide(decide);
  if (d.fallback) {
    throw ServiceError(503, "", "no decision could be made: " + d.fallback_reason);
  }
  // The chosen action first, then the other candidates by probability
  // (ties in request order), then the excluded ones with probability 0.
  const std::string& chosen = *action_of.at(d.variant_id);
  std::vector<std::pair<std::string, double>> ranking;
  for (const auto& c : d.candidates) ranking.emplace_back(*action_of.at(c.variant_id), c.probability);
  std::stable_sort(ranking.begin(), ranking.end(), [&](const auto& x, const auto& y) {
    const bool xc = x.first == chosen, yc = y.first == chosen;
    if (xc != yc) return xc;
    return x.second > y.second;
  });
  for (size_t i = 0; i < actions.size(); ++i) {
    if (!variants[i].active || excluded.count(actions[i].id)) ranking.emplace_back(actions[i].id, 0.0);
  }
  json list = json::array();
  for (const auto& [id, p] : ranking) list.push_back({{"id", id}, {"probability", p}});
  return json_response(201, {{"ranking", list},
                             {"eventId", event_id},
                             {"rewardActionId", chosen}});
}

// POST events/{eventId}/reward and .../activate: 204 after the commit.
void record(Service& service, const ApiOptions& options, const HttpRequest& req,
            const std::string& event_id, bool activation, Responder respond) {
  double value = 1;
  if (!activation) {
    const json doc = parse_body(req.body, options.max_json_depth);
    auto v = doc.find("value");
    if (v == doc.end() || !v->is_number()) bad("value", "value must be a number");
    value = v->get<double>();
  }
  const std::string id = engine::to_hex(ledger::client_event_id(event_id));
  auto on_recorded = [respond, event_id](RewardOutcome outcome, const std::string& reason) {
    switch (outcome) {
      case RewardOutcome::kStored:
      case RewardOutcome::kDuplicate: {
        HttpResponse r;
        r.status = 204;
        return respond(std::move(r));
      }
      case RewardOutcome::kRejected:
        return respond(personalizer_error(404, "no event '" + event_id + "' (" + reason + ")",
                                          "eventId"));
      case RewardOutcome::kDropped:
      case RewardOutcome::kTimedOut:
        return respond(personalizer_error(
            503, "the event is queued but the ledger has not committed it yet; retry"));
    }
  };
  const AckDeadline deadline{std::chrono::milliseconds(options.reward_ack_timeout_ms),
                             req.run_after};
  if (activation) {
    service.activate(id, 0, std::move(on_recorded), deadline);
  } else {
    service.reward(id, options.personalizer_reward_kind, value, 0, std::move(on_recorded),
                   deadline);
  }
}

}  // namespace

bool is_personalizer_path(std::string_view path) { return path.substr(0, kPrefix.size()) == kPrefix; }

HttpResponse personalizer_error(int status, const std::string& message, const std::string& target) {
  json error = {{"code", code_of(status)}, {"message", message}};
  if (!target.empty()) error["target"] = target;
  return json_response(status, {{"error", error}});
}

void handle_personalizer(Service& service, const ApiOptions& options, const HttpRequest& req,
                         const std::string& path, Responder respond) {
  try {
    if (options.personalizer_title.empty()) {
      return respond(personalizer_error(
          404, "the Personalizer API is off: start keyart serve with --personalizer-title"));
    }
    const std::string_view rest = std::string_view(path).substr(kPrefix.size());
    if (rest == "rank") return respond(rank(service, options, req));
    constexpr std::string_view kEvents = "events/";
    const size_t slash = rest.rfind('/');
    if (rest.substr(0, kEvents.size()) == kEvents && slash > kEvents.size()) {
      const std::string event_id =
          checked_event_id(percent_decoded(rest.substr(kEvents.size(), slash - kEvents.size())));
      const std::string_view action = rest.substr(slash + 1);
      if (action == "reward" || action == "activate") {
        return record(service, options, req, event_id, action == "activate", respond);
      }
    }
    respond(personalizer_error(404, "no endpoint " + path));
  } catch (const ServiceError& e) {
    respond(personalizer_error(e.status(), e.what(), e.field()));
  } catch (const std::exception& e) {
    respond(personalizer_error(500, std::string("internal error: ") + e.what()));
  }
}

}  // namespace keyart::serving
