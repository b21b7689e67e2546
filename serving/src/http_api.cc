#include "keyart/serving/http_api.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <utility>
#include <vector>

#include "api_json.h"
#include "decision_json.h"
#include "json_text.h"
#include "personalizer_api.h"

namespace keyart::serving {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

bool token_matches_impl(std::string_view a, std::string_view b) {
  // Compare every byte of the longer of the two so the time does not depend
  // on where they differ (or on the presented length beyond the expected).
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0 && !b.empty();
}

// A path against a route pattern: the same segments, a {name} segment
// matching any one that is not empty.
bool path_matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    size_t p_end = pattern.find('/', 1), q_end = path.find('/', 1);
    std::string_view p = pattern.substr(0, p_end), q = path.substr(0, q_end);
    const bool param = p.size() > 2 && p[1] == '{';
    if (param ? q.size() < 2 : p != q) return false;
    pattern = p_end == std::string_view::npos ? "" : pattern.substr(p_end);
    path = q_end == std::string_view::npos ? "" : path.substr(q_end);
  }
  return pattern.empty() && path.empty();
}

engine::NamedFeatures get_features(const json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return {};
  if (!it->is_object()) field_error(field, std::string(field) + " must be an object");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_number() && !value.is_string() && !value.is_boolean()) {
      field_error(std::string(field) + "." + name,
                  std::string(field) + "." + name + " must be a number, string or boolean");
    }
  }
  try {
    return engine::NamedFeatures::from_json(*it);
  } catch (const std::exception& e) {
    field_error(field, e.what());
  }
}

// doc[field] as variant ids (absent or null: none); `name` is how errors
// call the field.
std::vector<std::string> get_eligible(const json& doc, const std::string& name) {
  std::vector<std::string> ids;
  auto it = doc.find("eligible");
  if (it == doc.end() || it->is_null()) return ids;
  if (!it->is_array()) field_error(name, name + " must be an array of variant ids");
  for (const auto& id : *it) {
    if (!id.is_string()) field_error(name, name + " must be an array of variant ids");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

// doc[field] as true or false (absent or null: false).
bool get_flag(const json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return false;
  if (!it->is_boolean()) field_error(field, std::string(field) + " must be true or false");
  return it->get<bool>();
}

// The fields a decision and a page share: context, user, experiment, seed,
// explain, defer_activation.
template <typename Request>
void get_shared(const json& doc, Request& r) {
  r.context = get_features(doc, "context");
  r.user = get_features(doc, "user");
  if (std::string e = get_string(doc, "experiment_id", false); !e.empty()) r.experiment_id = e;
  if (auto it = doc.find("seed"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) field_error("seed", "seed must be a non-negative integer");
    r.seed = it->get<uint64_t>();
  }
  r.want_scores = get_flag(doc, "explain");
  r.defer_activation = get_flag(doc, "defer_activation");
}

DecideRequest decide_request(const json& doc) {
  DecideRequest r;
  r.unit_id = get_string(doc, "unit_id", true);
  r.title_id = get_string(doc, "title_id", true);
  r.eligible = get_eligible(doc, "eligible");
  get_shared(doc, r);
  r.preview = get_flag(doc, "preview");
  if (auto it = doc.find("event_id"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) field_error("event_id", "event_id must be a string");
    r.client_event_id = it->get<std::string>();
  }
  return r;
}

DecidePageRequest page_request(const json& doc, size_t max_impressions) {
  DecidePageRequest r;
  r.unit_id = get_string(doc, "unit_id", true);
  get_shared(doc, r);
  if (auto it = doc.find("max_same_actor"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_integer()) field_error("max_same_actor", "max_same_actor must be an integer");
    const int64_t cap = it->get<int64_t>();
    if (cap < 1) field_error("max_same_actor", "max_same_actor must be at least 1");
    r.max_same_actor = static_cast<int>(std::min<int64_t>(cap, max_impressions));
  }
  auto list = doc.find("impressions");
  if (list == doc.end() || !list->is_array()) {
    field_error("impressions", "impressions must be an array of {title_id, position, eligible}");
  }
  if (list->size() > max_impressions) {
    field_error("impressions", "more than " + std::to_string(max_impressions) +
                                   " impressions on one page");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string name = "impressions[" + std::to_string(i) + "]";
    if (!item.is_object()) field_error(name, name + " must be an object");
    PageImpression imp;
    auto title = item.find("title_id");
    if (title == item.end() || !title->is_string()) {
      field_error(name + ".title_id", name + ".title_id must be a string");
    }
    imp.title_id = title->get<std::string>();
    if (auto pos = item.find("position"); pos != item.end() && !pos->is_null()) {
      if (!pos->is_number_unsigned()) {
        field_error(name + ".position", name + ".position must be a non-negative integer");
      }
      imp.position = static_cast<int64_t>(pos->get<uint64_t>());
    }
    imp.eligible = get_eligible(item, name + ".eligible");
    r.impressions.push_back(std::move(imp));
  }
  return r;
}

json decide_json(const DecideResult& d) {
  json out = {{"event_id", d.preview ? json(nullptr) : json(d.event_id)},
              {"variant_id", d.variant_id},
              {"uri", d.uri},
              {"propensity", d.propensity},
              {"experiment_id", d.experiment_id ? json(*d.experiment_id) : json(nullptr)},
              {"arm_id", d.arm_id ? json(*d.arm_id) : json(nullptr)},
              {"policy", d.policy},
              {"model_version", d.model_version},
              {"fallback", d.fallback},
              {"repeat", d.repeat}};
  if (d.fallback) out["fallback_reason"] = d.fallback_reason;
  if (d.position) out["position"] = *d.position;
  if (d.page_rule_relaxed) out["page_rule_relaxed"] = true;
  if (d.preview) out["preview"] = true;
  if (d.deferred) out["deferred"] = true;
  if (d.client_event_id) out["client_event_id"] = *d.client_event_id;
  if (!d.candidates.empty()) {
    json list = json::array();
    for (const auto& c : d.candidates) {
      json item = {{"variant_id", c.variant_id}, {"probability", c.probability}};
      if (c.score) item["score"] = *c.score;
      list.push_back(item);
    }
    out["candidates"] = list;
  }
  if (!d.tastes.empty()) {
    json list = json::array();
    for (const auto& t : d.tastes) {
      list.push_back({{"feature", t.feature},
                      {"source", t.from_profile ? "profile" : "request"},
                      {"value", t.value}});
    }
    out["tastes"] = list;
  }
  return out;
}

struct Api {
  Service& service;
  ApiOptions options;
  // The HTTP layer's own counts: answers by status class and refusals by
  // kind (most never reach the service), and the decide latency. What the
  // service counts (decisions, fallbacks, rewards) /metrics reads from
  // Service::stats(), taken once per scrape into `scraped`.
  Counter *requests_ok, *req_4xx, *req_5xx;
  std::map<std::string, Counter*> errors;
  Histogram* decide_latency;
  // The routes, each with its method and its request-duration histogram
  // (keyart_http_request_duration_seconds{route}); "other" times what
  // matches none (404s), so the label's values stay few.
  struct Route {
    std::string path;  // api_routes()' pattern
    std::string method;
    Histogram* duration = nullptr;
    bool needs_key = false;  // with API keys configured
  };
  std::vector<Route> routes;
  Histogram* other_duration = nullptr;
  ServiceStats scraped;  // only touched while the registry renders
  std::mutex log_mu;

  Api(Service& s, MetricsRegistry& m, ApiOptions o) : service(s), options(std::move(o)) {
    m.collect([this] { scraped = service.stats(); });
    m.counter_from("keyart_decisions_total", "Decisions answered, fallbacks included",
                   [this] { return scraped.decisions + scraped.fallbacks; });
    m.counter_from("keyart_fallbacks_total",
                   "Decisions answered with the default artwork because deciding failed",
                   [this] { return scraped.fallbacks; });
    m.counter_from("keyart_rewards_acknowledged_total",
                   "Rewards acknowledged after their ledger commit (stored or duplicate)",
                   [this] { return scraped.rewards_acknowledged; });
    for (const char* kind : {"bad_request", "unauthorized", "forbidden", "not_found", "conflict",
                             "method_not_allowed", "unavailable", "internal"}) {
      errors[kind] = &m.counter("keyart_errors_total", "Requests refused, by kind", {{"kind", kind}});
    }
    const std::pair<const char*, uint64_t ServiceStats::*> by_status[] = {
        {"applied", &ServiceStats::rewards},
        {"duplicate", &ServiceStats::reward_duplicates},
        {"late", &ServiceStats::reward_late},
        {"unknown_event", &ServiceStats::reward_unknown},
        {"deferred", &ServiceStats::rewards_deferred}};
    for (const auto& [status, field] : by_status) {
      m.counter_from("keyart_rewards_total", "Rewards received, by outcome",
                     [this, field = field] { return scraped.*field; }, {{"status", status}});
    }
    m.counter_from("keyart_deferred_decisions_total",
                   "Decisions made with defer_activation (learned only once activated)",
                   [this] { return scraped.deferred_decisions; });
    m.counter_from("keyart_activations_total", "Deferred decisions activated",
                   [this] { return scraped.activations; });
    m.counter_from("keyart_plays_total", "Viewings reported (POST /v1/plays), by outcome",
                   [this] { return scraped.plays_accepted; }, {{"status", "accepted"}});
    m.counter_from("keyart_plays_total", "Viewings reported (POST /v1/plays), by outcome",
                   [this] { return scraped.plays_refused; }, {{"status", "refused"}});
    m.counter_from("keyart_profile_loads_total",
                   "Viewer profiles rebuilt from the ledger (first use or after eviction)",
                   [this] { return scraped.profiles.loads; });
    m.counter_from("keyart_profile_evictions_total",
                   "Viewer profiles dropped from memory (rebuilt on next use)",
                   [this] { return scraped.profiles.evictions; });
    m.counter_from("keyart_profile_fits_total",
                   "Fitted profiles: tastes fitted and installed (--profile-tastes fitted)",
                   [this] { return scraped.profiles.fits; });
    m.counter_from("keyart_profile_fit_seconds_total", "Fitted profiles: time spent fitting",
                   [this] { return scraped.profiles.fit_seconds; });
    m.gauge("keyart_profile_fit_queue", "Fitted profiles: viewers waiting for their tastes to be fitted",
            [this] { return static_cast<double>(scraped.profiles.fit_queue); });
    requests_ok = &m.counter("keyart_http_requests_total", "HTTP requests by status class",
                             {{"class", "2xx"}});
    req_4xx = &m.counter("keyart_http_requests_total", "HTTP requests by status class",
                         {{"class", "4xx"}});
    req_5xx = &m.counter("keyart_http_requests_total", "HTTP requests by status class",
                         {{"class", "5xx"}});
    const std::vector<double> seconds = {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3,
                                         5e-3,  10e-3,  25e-3,  50e-3,  0.1,  0.25, 1};
    for (const ApiRoute& r : api_routes()) {
      routes.push_back({r.path, r.method,
                        &m.histogram("keyart_http_request_duration_seconds",
                                     "Time from a request read to its answer, by route", seconds,
                                     {{"route", r.path}}),
                        r.client_call});
    }
    other_duration = &m.histogram("keyart_http_request_duration_seconds",
                                  "Time from a request read to its answer, by route", seconds,
                                  {{"route", "other"}});
    decide_latency = &m.histogram(
        "keyart_decide_latency_seconds", "Time to decide, in the service (not the network)",
        {5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3});
    m.gauge("keyart_ledger_queue_depth", "Events waiting for the ledger writer",
            [this] { return static_cast<double>(scraped.writer.queue_depth); });
    m.gauge("keyart_ledger_writer_lag_seconds", "Age of the oldest event waiting for the ledger",
            [this] { return scraped.writer.lag_ms / 1000.0; });
    m.gauge("keyart_ledger_degraded", "1 while the ledger cannot be written",
            [this] { return scraped.degraded ? 1.0 : 0.0; });
    m.counter_from("keyart_ledger_shed_events_total",
                   "Events refused because the ledger queue was full",
                   [this] { return scraped.writer.shed; });
    m.counter_from("keyart_ledger_exposures_committed_total", "Exposures committed to the ledger",
                   [this] { return scraped.writer.exposures_committed; });
    m.counter_from("keyart_ledger_rewards_committed_total", "Rewards committed to the ledger",
                   [this] { return scraped.writer.rewards_committed; });
    m.gauge("keyart_pending_decisions", "Decisions waiting for the end of their reward window",
            [this] { return static_cast<double>(scraped.pending); });
    m.gauge("keyart_model_version", "The trainer's model version in use (0: none yet, or self-learning)",
            [this] { return static_cast<double>(scraped.model.version); });
    m.gauge("keyart_model_age_seconds", "Time since the trainer published the model in use",
            [this] {
              return scraped.model.published_at_ms > 0
                         ? (ledger::now_ms() - scraped.model.published_at_ms) / 1000.0
                         : 0.0;
            });
    m.counter_from("keyart_model_adoptions_total", "Newer trainer models swapped in",
                   [this] { return scraped.model.adoptions; });
    m.counter_from("keyart_model_poll_failures_total", "Looks for a newer model that failed",
                   [this] { return scraped.model.poll_failures; });
    for (const auto& [quantile, field] :
         {std::pair{"0.5", &ServiceStats::Model::pickup_p50_ms},
          std::pair{"0.99", &ServiceStats::Model::pickup_p99_ms}}) {
      m.gauge("keyart_model_pickup_seconds",
              "Delay from the trainer's publish to the swap here (last 1,024 models)",
              [this, field = field] { return scraped.model.*field / 1000.0; },
              {{"quantile", quantile}});
    }
    m.gauge("keyart_trainer_stale", "1 while no newer trainer model has appeared for too long",
            [this] { return scraped.model.trainer_stale ? 1.0 : 0.0; });
  }

  HttpResponse count(HttpResponse r) {
    if (r.status >= 500) req_5xx->add();
    else if (r.status >= 400) req_4xx->add();
    else requests_ok->add();
    return r;
  }

  // The errors counter's kind for a refusal the service (or Personalizer's
  // face) gave.
  static const char* error_kind(int status) {
    return status == 404 ? "not_found"
           : status == 409 ? "conflict"
           : status == 401 ? "unauthorized"
           : status >= 500 ? "unavailable"
                           : "bad_request";
  }

  HttpResponse from_error(const ServiceError& e) {
    errors[error_kind(e.status())]->add();
    return error_response(e.status(), e.what(), e.field());
  }

  void log(const HttpRequest& req, int status, double micros) {
    if (!options.access_log || options.access_log_sample <= 0) return;
    thread_local std::mt19937_64 rng{std::random_device{}()};
    if (options.access_log_sample < 1 &&
        std::uniform_real_distribution<double>(0, 1)(rng) >= options.access_log_sample) {
      return;
    }
    // The path only: a query string is not part of the API and may carry a
    // secret a client put there (an admin token), which must not be logged.
    std::string path = req.target.substr(0, std::min<size_t>(req.target.find('?'), 256));
    json line = {{"ts", ledger::now_ms()}, {"method", req.method},
                 {"path", path}, {"status", status},
                 {"micros", static_cast<int64_t>(micros)}, {"remote", req.remote},
                 {"bytes_in", req.body.size()}};
    std::lock_guard lock(log_mu);
    *options.access_log << json_text(line) << "\n" << std::flush;
  }

  // The decide endpoints read and write their JSON directly
  // (decision_json.h); what the fast reading declines, and answers with
  // text the direct writer leaves alone, go through nlohmann.
  HttpResponse decide(const HttpRequest& req) {
    DecideRequest request;
    if (!read_decide_fast(req.body, options.max_json_depth, request)) {
      request = decide_request(parse_body(req.body, options.max_json_depth));
    }
    auto start = Clock::now();
    DecideResult result = service.decide(request);
    decide_latency->observe(std::chrono::duration<double>(Clock::now() - start).count());
    HttpResponse r;
    if (!append_decision_json(result, r.body)) r.body = json_text(decide_json(result));
    return r;
  }

  HttpResponse decide_page(const HttpRequest& req) {
    const size_t max_impressions = service.options().limits.max_page_impressions;
    DecidePageRequest request;
    if (!read_page_fast(req.body, options.max_json_depth, max_impressions, request)) {
      request = page_request(parse_body(req.body, options.max_json_depth), max_impressions);
    }
    std::vector<DecideResult> results = service.decide_page(request);
    HttpResponse r;
    if (page_answer_json(results, request.max_same_actor, r.body)) return r;
    json decisions = json::array();
    for (const DecideResult& d : results) decisions.push_back(decide_json(d));
    return json_response(200, {{"decisions", decisions},
                               {"max_same_actor", request.max_same_actor
                                                      ? json(*request.max_same_actor)
                                                      : json(nullptr)}});
  }

  // /v1/plays: {"plays": [{unit_id, title_id, ts?, seconds?, completed?}...]}
  // (at most kMaxPlays); each play is checked on its own: 200 with the
  // counts and, for each refused play, its index and why.
  HttpResponse plays(const HttpRequest& req) {
    constexpr size_t kMaxPlays = 1000;
    const json doc = parse_body(req.body, options.max_json_depth);
    auto list = doc.find("plays");
    if (list == doc.end() || !list->is_array() || list->empty()) {
      field_error("plays", "plays must be a non-empty array of {unit_id, title_id, ts, seconds, "
                           "completed}");
    }
    if (list->size() > kMaxPlays) {
      field_error("plays", "at most " + std::to_string(kMaxPlays) + " plays in one request");
    }
    std::vector<PlayReport> reports;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      const std::string name = "plays[" + std::to_string(i) + "]";
      if (!item.is_object()) field_error(name, name + " must be an object");
      PlayReport p;
      p.unit_id = get_string(item, "unit_id", true);
      p.title_id = get_string(item, "title_id", true);
      if (auto ts = item.find("ts"); ts != item.end() && !ts->is_null()) {
        if (!ts->is_number_integer()) field_error(name + ".ts", name + ".ts must be Unix milliseconds");
        p.ts_ms = ts->get<int64_t>();
      }
      if (auto seconds = item.find("seconds"); seconds != item.end() && !seconds->is_null()) {
        if (!seconds->is_number()) field_error(name + ".seconds", name + ".seconds must be a number");
        p.seconds = seconds->get<double>();
      }
      if (auto done = item.find("completed"); done != item.end() && !done->is_null()) {
        if (!done->is_boolean()) field_error(name + ".completed", name + ".completed must be true or false");
        p.completed = done->get<bool>();
      }
      reports.push_back(std::move(p));
    }
    const std::vector<PlayOutcome> outcomes = service.record_plays(reports);
    json refused = json::array();
    size_t accepted = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i].accepted) {
        ++accepted;
      } else {
        refused.push_back({{"index", i}, {"error", outcomes[i].reason}});
      }
    }
    return json_response(200, {{"accepted", accepted}, {"refused", refused}});
  }

  // Validates and submits the rewards of a request (/v1/reward: one
  // {event_id, kind, value} or {"rewards": [...]}) or its activations
  // (/v1/activate: {event_id} or {"event_ids": [...]}); answers when all
  // are committed (or refused), or with 503 after the timeout.
  void reward(const HttpRequest& req, Responder respond, bool activation) {
    json doc = parse_body(req.body, options.max_json_depth);
    const char* list = activation ? "event_ids" : "rewards";
    bool batch = doc.contains(list);
    std::vector<json> items;
    if (batch) {
      if (!doc[list].is_array()) field_error(list, std::string(list) + " must be an array");
      if (doc[list].size() > options.max_batch_rewards) {
        field_error(list, "more than " + std::to_string(options.max_batch_rewards) + " " + list +
                              " in one request");
      }
      for (const auto& item : doc[list]) {
        if (activation) {
          if (!item.is_string()) field_error(list, "each event id must be a string");
          items.push_back({{"event_id", item}});
        } else {
          if (!item.is_object()) field_error("rewards", "each reward must be an object");
          items.push_back(item);
        }
      }
    } else {
      items.push_back(doc);
    }
    struct Item {
      std::string event_id, kind;
      double value = 1;
    };
    std::vector<Item> parsed;
    for (const auto& item : items) {
      Item it{get_string(item, "event_id", true),
              activation ? std::string() : get_string(item, "kind", true), 1.0};
      if (auto v = item.find("value"); !activation && v != item.end() && !v->is_null()) {
        if (!v->is_number()) field_error("value", "value must be a number");
        it.value = v->get<double>();
      }
      parsed.push_back(std::move(it));
    }
    // One answer for all the items: when the last is committed (or
    // refused), or 503 as soon as one is not committed by its deadline
    // (Service::reward calls each item's callback exactly once, with the
    // ledger's verdict or kTimedOut, whichever comes first).
    struct State {
      std::mutex mu;
      json results = json::array();
      size_t left = 0;
      bool done = false;
      Responder respond;
      bool batch = false;
    };
    auto state = std::make_shared<State>();
    state->respond = std::move(respond);
    state->batch = batch;
    state->left = parsed.size() + 1;  // + this thread, until every item is submitted
    for (size_t i = 0; i < parsed.size(); ++i) state->results.push_back(nullptr);
    // With state->mu held: one item (or the submitting thread) is settled.
    auto settle = [this, state] {
      if (state->done || --state->left > 0) return;
      state->done = true;
      if (!state->batch) {
        const json& only = state->results[0];
        if (only.value("recorded", "") == "rejected") {
          errors["not_found"]->add();
          state->respond(count(error_response(404, only.value("reason", "unknown event id"),
                                              "event_id")));
          return;
        }
        state->respond(count(json_response(200, only)));
        return;
      }
      state->respond(count(json_response(200, {{"results", state->results}})));
    };
    const AckDeadline deadline{std::chrono::milliseconds(options.reward_ack_timeout_ms),
                               req.run_after};
    for (size_t i = 0; i < parsed.size(); ++i) {
      const Item& it = parsed[i];
      RewardResult r;
      try {
        auto on_recorded = [this, state, i, settle](RewardOutcome outcome,
                                                    const std::string& reason) {
              std::lock_guard lock(state->mu);
              if (state->done) return;
              if (outcome == RewardOutcome::kTimedOut) {
                state->done = true;
                errors["unavailable"]->add();
                state->respond(count(error_response(
                    503, "the event is queued but the ledger has not committed it yet; retry "
                         "(rewards and activations are idempotent)")));
                return;
              }
              json& slot = state->results[i];
              slot["recorded"] = to_string(outcome);
              if (!reason.empty()) slot["reason"] = reason;
              settle();
        };
        r = activation ? service.activate(it.event_id, 0, std::move(on_recorded), deadline)
                       : service.reward(it.event_id, it.kind, it.value, 0,
                                        std::move(on_recorded), deadline);
      } catch (const ServiceError& e) {
        if (!batch) throw;
        std::lock_guard lock(state->mu);
        state->results[i] = {{"event_id", it.event_id}, {"error", e.what()}};
        settle();
        continue;
      }
      std::lock_guard lock(state->mu);
      json& slot = state->results[i];
      slot["event_id"] = it.event_id;
      if (!activation) slot["kind"] = it.kind;
      slot["status"] = r.deferred ? std::string("deferred") : std::string(engine::to_string(r.status));
      slot["learned"] = r.learned;
    }
    std::lock_guard lock(state->mu);
    settle();
  }

  HttpResponse health() {
    ServiceStats s = service.stats();
    json body = {{"status", s.degraded ? "degraded" : "ok"},
                 {"decisions", s.decisions},
                 {"fallbacks", s.fallbacks},
                 {"pending", s.pending},
                 {"ledger",
                  {{"queue_depth", s.writer.queue_depth},
                   {"lag_ms", s.writer.lag_ms},
                   {"exposures_committed", s.writer.exposures_committed},
                   {"rewards_committed", s.writer.rewards_committed},
                   {"shed", s.writer.shed},
                   {"failures", s.writer.failures},
                   {"last_error", s.writer.last_error}}},
                 {"catalog", {{"version", s.catalog_version}, {"reloads", s.catalog_reloads}}}};
    if (s.model.from_ledger) {
      body["model"] = {{"source", "ledger"},
                       {"version", s.model.version},
                       {"published_at_ms", s.model.published_at_ms},
                       {"age_ms", s.model.published_at_ms > 0
                                      ? ledger::now_ms() - s.model.published_at_ms
                                      : -1},
                       {"adoptions", s.model.adoptions},
                       {"pickup_ms", {{"p50", s.model.pickup_p50_ms},
                                      {"p99", s.model.pickup_p99_ms},
                                      {"max", s.model.pickup_max_ms}}},
                       {"trainer", s.model.trainer_stale ? "stale" : "ok"}};
    } else {
      body["model"] = {{"source", "self"}};
    }
    return json_response(200, body);
  }

  bool authorized(const HttpRequest& req, HttpResponse& refusal) {
    if (options.admin_token.empty()) {
      errors["forbidden"]->add();
      refusal = error_response(403, "admin endpoints are disabled: start keyart serve with "
                                    "--admin-token-file or KEYART_ADMIN_TOKEN");
      return false;
    }
    constexpr std::string_view kBearer = "Bearer ";
    std::string_view header = req.authorization;
    if (header.substr(0, kBearer.size()) != kBearer ||
        !token_matches_impl(header.substr(kBearer.size()), options.admin_token)) {
      errors["unauthorized"]->add();
      refusal = error_response(401, "admin endpoints need 'Authorization: Bearer <token>'");
      refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
      return false;
    }
    return true;
  }

  std::optional<HttpResponse> admin(const HttpRequest& req, const std::string& path) {
    HttpResponse refusal;
    if (!authorized(req, refusal)) return refusal;
    if (path == "/v1/admin/reload") {
      service.reload();
      return json_response(200, {{"reloaded", true}, {"state", service.describe()}});
    }
    if (path == "/v1/admin/snapshot") {
      SnapshotInfo info = service.snapshot();
      return json_response(200, {{"snapshot_id", info.snapshot_id},
                                 {"path", info.path},
                                 {"bytes", info.bytes},
                                 {"last_exposure_id", info.last_exposure_id},
                                 {"last_reward_id", info.last_reward_id}});
    }
    constexpr std::string_view kViewers = "/v1/viewers/";
    if (path.rfind(kViewers, 0) == 0) {
      const std::string unit = percent_decoded(path.substr(kViewers.size()));
      Service::ForgetOutcome r = service.forget_viewer(unit);
      return json_response(200, {{"forgotten", true},
                                 {"exposures", r.exposures},
                                 {"plays", r.plays},
                                 {"snapshots", r.snapshots},
                                 {"files_clean", r.files_clean}});
    }
    constexpr std::string_view kPrefix = "/v1/admin/experiments/";
    if (path.rfind(kPrefix, 0) == 0) {
      std::string rest = path.substr(kPrefix.size());
      size_t slash = rest.find('/');
      if (slash != std::string::npos) {
        std::string id = rest.substr(0, slash), action = rest.substr(slash + 1);
        try {
          if (action == "start") service.start_experiment(id);
          else if (action == "stop") service.stop_experiment(id);
          else return std::nullopt;
        } catch (const ledger::LedgerError& e) {
          int status = e.kind() == ledger::ErrorKind::kNotFound ? 404 : 409;
          errors[status == 404 ? "not_found" : "bad_request"]->add();
          return error_response(status, e.what(), "experiment_id");
        }
        return json_response(200, {{"experiment_id", id}, {"status", action == "start" ? "running" : "stopped"}});
      }
    }
    return std::nullopt;
  }

  // The route a path names ({name} in a pattern matches one non-empty
  // segment); null for none.
  const Route* route_of(const std::string& path) const {
    for (const Route& r : routes) {
      if (path_matches(r.path, path)) return &r;
    }
    return nullptr;
  }

  // /readyz: 200 when decisions can be made and recorded; 503 naming why
  // not (the ledger cannot be written; no trainer model yet). A stale
  // trainer leaves a node ready (it serves its last model; /healthz says so).
  HttpResponse readiness() {
    ServiceStats st = service.stats();
    json reasons = json::array();
    if (st.writer.degraded) {
      reasons.push_back("the ledger cannot be written: " + st.writer.last_error);
    }
    if (st.model.from_ledger && st.model.version == 0) {
      reasons.push_back("no model from the trainer yet");
    }
    if (reasons.empty()) return json_response(200, {{"status", "ready"}});
    return json_response(503, {{"status", "not ready"}, {"reasons", reasons}});
  }

  // The request carries one of the API keys (either header).
  bool key_presented(const HttpRequest& req) const {
    constexpr std::string_view kBearer = "Bearer ";
    std::string_view bearer = req.authorization;
    bearer = bearer.substr(0, kBearer.size()) == kBearer ? bearer.substr(kBearer.size()) : "";
    const bool by_header = !req.subscription_key.empty() && options.api_keys->matches(req.subscription_key);
    const bool by_bearer = !bearer.empty() && options.api_keys->matches(bearer);
    return by_header || by_bearer;
  }

  // Every answer, just before it goes: its route's duration and the access log.
  void answered(const HttpRequest& req, Histogram* duration, Clock::time_point start, int status) {
    const auto elapsed = Clock::now() - start;
    duration->observe(std::chrono::duration<double>(elapsed).count());
    log(req, status, std::chrono::duration<double, std::micro>(elapsed).count());
  }

  void handle(HttpRequest&& req, Responder respond) {
    auto start = Clock::now();
    std::string path = req.target.substr(0, req.target.find('?'));
    const Route* route = route_of(path);
    Histogram* duration = route ? route->duration : other_duration;
    auto send = [&, respond, duration](HttpResponse r) {
      answered(req, duration, start, r.status);
      respond(std::move(r));
    };
    if (!route) {
      errors["not_found"]->add();
      return send(count(error_response(404, "no endpoint " + path)));
    }
    // Personalizer's routes answer errors in its shape.
    const bool personalizer = is_personalizer_path(path);
    auto refuse = [&](int status, const std::string& message) {
      return personalizer ? personalizer_error(status, message) : error_response(status, message);
    };
    if (route->needs_key && options.api_keys && !key_presented(req)) {
      errors["unauthorized"]->add();
      HttpResponse r = refuse(
          401, path + " needs an API key: send it in Ocp-Apim-Subscription-Key or as "
                      "'Authorization: Bearer <key>'");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return send(count(std::move(r)));
    }
    if (req.method != route->method) {
      errors["method_not_allowed"]->add();
      HttpResponse r = refuse(405, path + " takes " + route->method + ", not " + req.method);
      r.headers.emplace_back("Allow", route->method);
      return send(count(std::move(r)));
    }
    try {
      if (path == "/v1/decide") return send(count(decide(req)));
      if (path == "/v1/decide/page") return send(count(decide_page(req)));
      if (path == "/v1/plays") return send(count(plays(req)));
      if (personalizer) {
        HttpRequest copy = req;  // the log line needs it after the answer
        return handle_personalizer(service, options, copy, path,
                                   [this, copy, start, respond, duration](HttpResponse r) {
          if (r.status >= 400) errors[error_kind(r.status)]->add();
          answered(copy, duration, start, r.status);
          respond(count(std::move(r)));
        });
      }
      if (path == "/v1/reward" || path == "/v1/activate") {
        HttpRequest copy = req;  // the log line needs it after the answer
        return reward(copy, [this, copy, start, respond, duration](HttpResponse r) {
          answered(copy, duration, start, r.status);
          respond(std::move(r));
        }, path == "/v1/activate");
      }
      if (path == "/healthz") return send(count(health()));
      if (path == "/livez") return send(count(json_response(200, {{"status", "alive"}})));
      if (path == "/readyz") return send(count(readiness()));
      if (path == "/metrics") {
        HttpResponse r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = metrics_text ? metrics_text() : "";
        return send(count(std::move(r)));
      }
      if (auto r = admin(req, path)) return send(count(std::move(*r)));
      errors["not_found"]->add();
      return send(count(error_response(404, "no endpoint " + path)));
    } catch (const ServiceError& e) {
      return send(count(from_error(e)));
    } catch (const std::exception& e) {
      errors["internal"]->add();
      return send(count(error_response(500, std::string("internal error: ") + e.what())));
    }
  }

  std::function<std::string()> metrics_text;
};

}  // namespace

const std::vector<ApiRoute>& api_routes() {
  static const std::vector<ApiRoute> routes = {
      {"POST", "/v1/decide", true},
      {"POST", "/v1/decide/page", true},
      {"POST", "/v1/reward", true},
      {"POST", "/v1/activate", true},
      {"POST", "/v1/plays", true},
      {"POST", "/personalizer/v1.0/rank", true},
      {"POST", "/personalizer/v1.0/events/{eventId}/reward", true},
      {"POST", "/personalizer/v1.0/events/{eventId}/activate", true},
      {"GET", "/healthz"},
      {"GET", "/livez"},
      {"GET", "/readyz"},
      {"GET", "/metrics"},
      {"POST", "/v1/admin/reload"},
      {"POST", "/v1/admin/snapshot"},
      {"POST", "/v1/admin/experiments/{experiment_id}/start"},
      {"POST", "/v1/admin/experiments/{experiment_id}/stop"},
      {"DELETE", "/v1/viewers/{unit_id}"},
  };
  return routes;
}

HttpHandler make_starting_handler(MetricsRegistry& registry, std::string what) {
  return [&registry, what = std::move(what)](HttpRequest&& req, Responder respond) {
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/livez") return respond(json_response(200, {{"status", "alive"}}));
    if (path == "/readyz") {
      return respond(json_response(503, {{"status", "starting"}, {"reasons", {what}}}));
    }
    if (path == "/metrics") {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = registry.render();
      return respond(std::move(r));
    }
    HttpResponse r = error_response(503, "keyart is starting (" + what + "); retry shortly");
    r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  };
}

bool token_matches(std::string_view presented, std::string_view expected) {
  return token_matches_impl(presented, expected);
}

HttpHandler make_api_handler(Service& service, MetricsRegistry& registry, ApiOptions options) {
  auto api = std::make_shared<Api>(service, registry, std::move(options));
  api->metrics_text = [&registry] { return registry.render(); };
  return [api](HttpRequest&& req, Responder respond) { api->handle(std::move(req), std::move(respond)); };
}

}  // namespace keyart::serving
