// The HTTP front on a real server bound to 127.0.0.1 with a real ledger:
// decide/reward round trips over keep-alive, every error status with its
// JSON error, admin authorisation, health, probes and metrics, and that
// refused requests leave nothing in the ledger.
#include <gtest/gtest.h>

#include <set>

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "sqlite.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/event_scan.h"
#include "keyart/serving/http_api.h"
#include "keyart/serving/http_server.h"
#include "serving/http_client.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;
using testing::HttpClient;
using testing::ServingFixture;

const std::string kToken = "s3cret-token-for-tests-0123456789";

struct ServerFixture {
  ServingFixture f;
  std::unique_ptr<Service> service;
  MetricsRegistry registry;
  std::unique_ptr<HttpServer> server;

  explicit ServerFixture(std::string token = kToken, size_t max_body = 4096,
                         const std::function<void(ServingFixture&, ServiceOptions&)>& tweak = {},
                         std::shared_ptr<const ApiKeys> keys = nullptr) {
    ServiceOptions options = f.options();
    if (tweak) tweak(f, options);
    service = Service::open(options);
    ApiOptions api;
    api.admin_token = std::move(token);
    api.api_keys = std::move(keys);
    server = std::make_unique<HttpServer>(
        HttpServerOptions{.address = "127.0.0.1", .port = 0, .threads = 2,
                          .max_body_bytes = max_body},
        make_api_handler(*service, registry, api));
    server->start();
  }
  ~ServerFixture() { stop(); }
  void stop() {
    if (server) server->stop();
    if (service) service->shutdown();
  }
  uint16_t port() const { return server->port(); }
};

json decide_body(const std::string& unit, const std::string& title = "t1") {
  return {{"unit_id", unit},
          {"title_id", title},
          {"context", {{"device", "tv"}, {"country", "KR"}, {"hour", 21}}},
          {"user", {{"actor_a2", 0.9}}}};
}

json error_of(const testing::HttpResult& r) { return json::parse(r.body)["error"]; }

TEST(HttpApi, DecideAndRewardOverKeepAlive) {
  ServerFixture s;
  HttpClient client(s.port());
  std::vector<std::string> events;
  for (int i = 0; i < 50; ++i) {
    auto r = client.post("/v1/decide", decide_body("u" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    json d = json::parse(r.body);
    EXPECT_EQ(d["event_id"].get<std::string>().size(), 32u);
    EXPECT_GT(d["propensity"].get<double>(), 0);
    EXPECT_EQ(d["experiment_id"], "e1");
    events.push_back(d["event_id"]);
  }
  auto r = client.post("/v1/reward", json{{"event_id", events[3]}, {"kind", "click"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "applied");
  EXPECT_EQ(json::parse(r.body)["recorded"], "stored");
  r = client.post("/v1/reward", json{{"event_id", events[3]}, {"kind", "click"}}.dump());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "duplicate");
  json batch = {{"rewards",
                 {{{"event_id", events[4]}, {"kind", "click"}},
                  {{"event_id", events[4]}, {"kind", "play"}, {"value", 1}},
                  {{"event_id", std::string(32, 'c')}, {"kind", "click"}}}}};
  r = client.post("/v1/reward", batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json results = json::parse(r.body)["results"];
  EXPECT_EQ(results[0]["recorded"], "stored");
  EXPECT_EQ(results[1]["recorded"], "stored");
  EXPECT_EQ(results[2]["recorded"], "rejected");
  s.stop();
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 50);
  EXPECT_EQ(ledger::count_rewards(s.f.ledger), 3);
}

// defer_activation: logged at once, learned and reported only once
// /v1/activate says it was shown. What the test did is counted by hand
// and held against the ledger, the reports' scan and the learner.
TEST(HttpApi, DeferredDecisionsCountOnlyOnceActivated) {
  ServerFixture s;
  HttpClient client(s.port());
  std::vector<std::string> deferred, plain;
  for (int i = 0; i < 12; ++i) {
    json body = decide_body("u" + std::to_string(i));
    body["defer_activation"] = true;
    auto r = client.post("/v1/decide", body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["deferred"], true);
    deferred.push_back(json::parse(r.body)["event_id"]);
  }
  for (int i = 0; i < 3; ++i) {
    auto r = client.post("/v1/decide", decide_body("p" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(json::parse(r.body).contains("deferred"));
    plain.push_back(json::parse(r.body)["event_id"]);
  }
  // A reward before the activation counts once the decision is shown.
  auto r = client.post("/v1/reward", json{{"event_id", deferred[0]}, {"kind", "click"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = client.post("/v1/activate", json{{"event_id", deferred[0]}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "applied");
  EXPECT_EQ(json::parse(r.body)["recorded"], "stored");
  r = client.post("/v1/activate", json{{"event_id", deferred[0]}}.dump());
  EXPECT_EQ(json::parse(r.body)["status"], "duplicate");  // idempotent
  r = client.post("/v1/activate",
                  json{{"event_ids", {deferred[1], deferred[2], deferred[3]}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json batch = json::parse(r.body);
  ASSERT_EQ(batch["results"].size(), 3u);
  for (const json& one : batch["results"]) EXPECT_EQ(one["status"], "applied");
  // Rewards on decisions never shown are stored but count nowhere.
  r = client.post("/v1/reward", json{{"event_id", deferred[5]}, {"kind", "click"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = client.post("/v1/reward", json{{"event_id", plain[0]}, {"kind", "click"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  // Errors: unknown event 404, bad id 400, wrong shape 400.
  r = client.post("/v1/activate", json{{"event_id", std::string(32, 'c')}}.dump());
  EXPECT_EQ(r.status, 404) << r.body;
  r = client.post("/v1/activate", json{{"event_id", "xyz"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "event_id");
  r = client.post("/v1/activate", json{{"event_ids", {1, 2}}}.dump());
  EXPECT_EQ(r.status, 400);
  auto bad = decide_body("u99");
  bad["defer_activation"] = "yes";
  r = client.post("/v1/decide", bad.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "defer_activation");

  ServiceStats stats = s.service->stats();
  EXPECT_EQ(stats.deferred_decisions, 12u);
  EXPECT_EQ(stats.activations, 4u);
  s.stop();
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 15);
  EXPECT_EQ(ledger::count_rewards(s.f.ledger), 12 + 4 + 3);  // marks, activations, clicks
  std::set<std::string> seen;
  ledger::scan_exposures(s.f.ledger, {.fields = ledger::kFieldEventId, .experiment_id = "e1"},
                         [&](const ledger::ExposureView& x) {
                           seen.insert(engine::to_hex(*reinterpret_cast<const engine::EventId*>(
                               x.event_id.data())));
                         });
  std::set<std::string> shown(plain.begin(), plain.end());
  shown.insert(deferred.begin(), deferred.begin() + 4);
  EXPECT_EQ(seen, shown);
  size_t all = ledger::scan_exposures(
      s.f.ledger, {.experiment_id = "e1", .include_unshown = true}, [](const auto&) {});
  EXPECT_EQ(all, 15u);
}

// A client's own event id: a retry with the same id and the same request
// gets the first answer and logs nothing more; another request with that id
// is a conflict; rewards join on the answer's event id.
TEST(HttpApi, ClientEventIdsMakeRetriesIdempotent) {
  ServerFixture s;
  HttpClient client(s.port());
  json body = decide_body("u1");
  body["event_id"] = "order-17";
  auto first = client.post("/v1/decide", body.dump());
  ASSERT_EQ(first.status, 200) << first.body;
  json d = json::parse(first.body);
  EXPECT_EQ(d["client_event_id"], "order-17");
  EXPECT_EQ(d["event_id"], engine::to_hex(ledger::client_event_id("order-17")));
  for (int i = 0; i < 3; ++i) {
    auto again = client.post("/v1/decide", body.dump());
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json::parse(again.body), d);
  }
  json other = body;
  other["unit_id"] = "u2";
  auto r = client.post("/v1/decide", other.dump());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(error_of(r)["field"], "event_id");
  other = body;
  other["context"]["hour"] = 22;
  EXPECT_EQ(client.post("/v1/decide", other.dump()).status, 409);
  other = body;
  other["event_id"] = std::string(300, 'x');
  EXPECT_EQ(client.post("/v1/decide", other.dump()).status, 400);
  other = body;
  other["preview"] = true;
  EXPECT_EQ(client.post("/v1/decide", other.dump()).status, 400);
  r = client.post("/v1/reward", json{{"event_id", d["event_id"]}, {"kind", "click"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "applied");
  s.stop();
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 1);
  auto stored = ledger::find_exposure(s.f.ledger, d["event_id"].get<std::string>());
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->variant_id, d["variant_id"]);
  EXPECT_EQ(ledger::rewards_for_event(s.f.ledger, d["event_id"].get<std::string>()).size(), 1u);
}

TEST(HttpApi, ErrorStatusesAreJsonAndNameTheField) {
  ServerFixture s;
  HttpClient client(s.port());
  auto r = client.post("/v1/decide", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("malformed JSON"), std::string::npos);

  json wrong = decide_body("u1");
  wrong["unit_id"] = 42;
  r = client.post("/v1/decide", wrong.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "unit_id");

  wrong = decide_body("u1");
  wrong["context"]["hour"] = "evening";
  r = client.post("/v1/decide", wrong.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "context.hour");

  wrong = decide_body("u1");
  wrong["user"]["nested"] = {{"a", 1}};
  r = client.post("/v1/decide", wrong.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "user.nested");

  r = client.post("/v1/decide", R"({"unit_id":"u","title_id":"t1","user":)" +
                                    std::string(40, '[') + std::string(40, ']') + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("nested deeper"), std::string::npos) << r.body;

  r = client.post("/v1/decide", decide_body("u1", "nope").dump());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r)["field"], "title_id");

  wrong = decide_body("u1");
  wrong["eligible"] = {"t1-v9"};
  r = client.post("/v1/decide", wrong.dump());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r)["field"], "eligible");

  wrong = decide_body("u1");
  wrong["experiment_id"] = "nope";
  r = client.post("/v1/decide", wrong.dump());
  EXPECT_EQ(r.status, 404);

  r = client.post("/v1/reward", json{{"event_id", "xyz"}, {"kind", "click"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "event_id");
  r = client.post("/v1/reward", json{{"event_id", std::string(32, 'd')}, {"kind", "click"}}.dump());
  EXPECT_EQ(r.status, 404);

  r = client.get("/v1/decide");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "POST");
  r = client.post("/healthz", "{}");
  EXPECT_EQ(r.status, 405);
  r = client.get("/v1/nothing-here");
  EXPECT_EQ(r.status, 404);

  // The server is still fine after all that.
  r = client.post("/v1/decide", decide_body("u1").dump());
  EXPECT_EQ(r.status, 200);
  s.stop();
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 1);
  EXPECT_EQ(ledger::count_rewards(s.f.ledger), 0);
}

TEST(HttpApi, BodyTooLargeIs413) {
  ServerFixture s(kToken, 1024);
  HttpClient client(s.port());
  json big = decide_body("u1");
  big["user"]["padding"] = std::string(4000, 'x');
  auto r = client.post("/v1/decide", big.dump());
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("larger than 1024"), std::string::npos);
  HttpClient again(s.port());
  EXPECT_EQ(again.post("/v1/decide", decide_body("u1").dump()).status, 200);
}

TEST(HttpApi, AdminNeedsTheBearerToken) {
  ServerFixture s;
  HttpClient client(s.port());
  auto r = client.post("/v1/admin/snapshot", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer");
  r = client.request("POST", "/v1/admin/snapshot", "", {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(r.status, 401);
  r = client.request("POST", "/v1/admin/snapshot", "", {{"Authorization", "Bearer " + kToken}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GT(json::parse(r.body)["snapshot_id"].get<int>(), 0);
  r = client.request("POST", "/v1/admin/reload", "", {{"Authorization", "Bearer " + kToken}});
  EXPECT_EQ(r.status, 200);
  r = client.request("POST", "/v1/admin/experiments/e1/stop", "",
                     {{"Authorization", "Bearer " + kToken}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = client.post("/v1/decide", decide_body("u1").dump());
  EXPECT_TRUE(json::parse(r.body)["experiment_id"].is_null());  // t1 back on its default policy
  r = client.request("POST", "/v1/admin/experiments/nope/start", "",
                     {{"Authorization", "Bearer " + kToken}});
  EXPECT_EQ(r.status, 404);
}

TEST(HttpApi, AdminDisabledWithoutToken) {
  ServerFixture s("");
  HttpClient client(s.port());
  EXPECT_EQ(client.post("/v1/admin/reload", "").status, 403);
}

TEST(HttpApi, TokenComparison) {
  EXPECT_TRUE(token_matches("abc", "abc"));
  EXPECT_FALSE(token_matches("abd", "abc"));
  EXPECT_FALSE(token_matches("ab", "abc"));
  EXPECT_FALSE(token_matches("abcd", "abc"));
  EXPECT_FALSE(token_matches("", ""));
}

TEST(HttpApi, HealthAndMetrics) {
  ServerFixture s;
  HttpClient client(s.port());
  client.post("/v1/decide", decide_body("u1").dump());
  client.post("/v1/decide", decide_body("u1", "nope").dump());
  auto r = client.get("/healthz");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
  r = client.get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(r.body.find("keyart_decisions_total 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("keyart_errors_total{kind=\"not_found\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("keyart_decide_latency_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE keyart_decide_latency_seconds histogram"), std::string::npos);
  EXPECT_NE(r.body.find("keyart_ledger_queue_depth"), std::string::npos);
}

// The Prometheus conventions operators' tools expect: every series typed
// counter is named *_total; what only grows is a counter; the process_*
// series every client library exports; the build; request durations by
// route (the two decisions above and the 404, which has no route of its own).
TEST(HttpApi, MetricsFollowPrometheusConventions) {
  ServerFixture s;
  register_process_metrics(s.registry);  // as keyart serve does
  HttpClient client(s.port());
  client.post("/v1/decide", decide_body("u1").dump());
  client.post("/v1/decide", decide_body("u2").dump());
  client.get("/nowhere");
  std::string text = client.get("/metrics").body;
  std::map<std::string, std::string> types;
  std::map<std::string, double> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex("# TYPE ([a-z_]+) (counter|gauge|histogram)"))) {
      types[m[1]] = m[2];
    } else if (std::regex_match(line, m, std::regex(R"re(([a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})?) (\S+))re"))) {
      values[m[1]] = std::stod(m[5]);
    } else if (line.rfind("# HELP ", 0) != 0) {
      ADD_FAILURE() << "not a line of the text format: " << line;
    }
  }
  for (const auto& [name, type] : types) {
    if (type == "counter") {
      EXPECT_TRUE(name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0) << name;
    }
  }
  for (const char* grown : {"keyart_ledger_shed_events_total", "keyart_ledger_exposures_committed_total",
                            "keyart_ledger_rewards_committed_total", "process_cpu_seconds_total"}) {
    EXPECT_EQ(types[grown], "counter") << grown;
  }
  EXPECT_EQ(values["keyart_build_info{version=\"" KEYART_TEST_VERSION "\"}"], 1) << text;
  EXPECT_GT(values["process_resident_memory_bytes"], 1e6);
  EXPECT_GT(values["process_open_fds"], 2);
  EXPECT_GE(values["process_max_fds"], values["process_open_fds"]);
  const double now = std::chrono::duration<double>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(values["process_start_time_seconds"], now + 1);
  EXPECT_GT(values["process_start_time_seconds"], now - 3600);
  EXPECT_EQ(values["keyart_http_request_duration_seconds_count{route=\"/v1/decide\"}"], 2);
  EXPECT_EQ(values["keyart_http_request_duration_seconds_count{route=\"other\"}"], 1);
  EXPECT_EQ(types["keyart_http_request_duration_seconds"], "histogram");
}

// With API keys, the decision endpoints need one (either header), compared
// whole; probes, metrics and health stay open; a replaced set applies at
// once; refused requests record nothing.
TEST(HttpApi, ApiKeysOpenTheDecisionEndpoints) {
  const std::string k1 = "key-one-0123456789abcdef", k2 = "key-two-fedcba9876543210";
  auto keys = std::make_shared<ApiKeys>(std::vector<std::string>{k1, k2});
  ServerFixture s(kToken, 4096, {}, keys);
  HttpClient client(s.port());
  const std::string body = decide_body("u1").dump();
  auto with = [&](const std::string& header, const std::string& value) {
    return client.request("POST", "/v1/decide", body, {{header, value}});
  };
  auto r = client.post("/v1/decide", body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer");
  EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("Ocp-Apim-Subscription-Key"),
            std::string::npos);
  EXPECT_EQ(with("Ocp-Apim-Subscription-Key", k1 + "x").status, 401);
  EXPECT_EQ(with("Ocp-Apim-Subscription-Key", k1.substr(0, 10)).status, 401);
  EXPECT_EQ(with("Authorization", "Basic " + k1).status, 401);
  EXPECT_EQ(with("Authorization", "Bearer " + kToken).status, 401) << "the admin token is not a key";
  EXPECT_EQ(client.request("POST", "/v1/decide/page", R"({"unit_id":"u","impressions":[{"title_id":"t1"}]})").status, 401);
  EXPECT_EQ(client.request("POST", "/v1/reward", R"({"event_id":"00000000000000000000000000000000","kind":"click"})").status, 401);
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 0);
  EXPECT_EQ(with("Ocp-Apim-Subscription-Key", k1).status, 200);
  EXPECT_EQ(with("Authorization", "Bearer " + k2).status, 200);
  for (const char* open : {"/healthz", "/livez", "/readyz", "/metrics"}) {
    EXPECT_EQ(client.get(open).status, 200) << open;
  }
  EXPECT_NE(client.get("/metrics").body.find("keyart_errors_total{kind=\"unauthorized\"} 7\n"),
            std::string::npos);
  keys->replace({"key-three-00112233445566"});
  EXPECT_EQ(with("Ocp-Apim-Subscription-Key", k1).status, 401);
  EXPECT_EQ(with("Ocp-Apim-Subscription-Key", "key-three-00112233445566").status, 200);
  s.stop();
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 3);
}

// /livez answers while the process serves; /readyz is 200 when decisions
// can be made and recorded.
TEST(HttpApi, LivenessAndReadiness) {
  ServerFixture s;
  HttpClient client(s.port());
  auto r = client.get("/livez");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "alive");
  r = client.get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "ready");
  EXPECT_EQ(client.post("/readyz", "{}").status, 405);
}

// A node that follows the trainer is not ready before it has a model: it
// would answer with untrained learners.
TEST(HttpApi, NotReadyWithoutATrainerModel) {
  ServerFixture s(kToken, 4096, [](ServingFixture&, ServiceOptions& o) {
    o.model_source = ServiceOptions::ModelSource::kLedger;
  });
  HttpClient client(s.port());
  auto r = client.get("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(json::parse(r.body)["reasons"][0], "no model from the trainer yet");
  EXPECT_EQ(client.get("/livez").status, 200);
}

// What keyart serve answers while it opens and replays the ledger.
TEST(HttpApi, StartingHandlerAnswersProbesAndRefusesTheRest) {
  MetricsRegistry registry;
  register_process_metrics(registry);
  HttpServer server({.address = "127.0.0.1", .port = 0, .threads = 1},
                    make_starting_handler(registry, "replaying the ledger"));
  server.start();
  HttpClient client(server.port());
  EXPECT_EQ(client.get("/livez").status, 200);
  auto r = client.get("/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["status"], "starting");
  EXPECT_EQ(json::parse(r.body)["reasons"][0], "replaying the ledger");
  r = client.post("/v1/decide", decide_body("u1").dump());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("starting"),
            std::string::npos);
  r = client.get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("process_resident_memory_bytes "), std::string::npos);
  server.stop();
}

// A reward the ledger cannot commit in time (another connection holds its
// write lock) is answered 503 at the deadline, by a timer on the server's
// io_context; the reward stays queued and is committed once the lock is gone.
TEST(HttpApi, RewardNotCommittedByTheDeadlineIs503) {
  ServerFixture s(kToken, 4096, [](ServingFixture&, ServiceOptions& o) {
    o.writer.busy_timeout_ms = 5;
    o.writer.retry_initial_ms = 5;
    o.writer.retry_max_ms = 20;
  });
  HttpClient client(s.port());
  auto d = client.post("/v1/decide", decide_body("u1").dump());
  ASSERT_EQ(d.status, 200) << d.body;
  std::string event = json::parse(d.body)["event_id"];
  for (int i = 0; i < 500 && s.service->stats().writer.exposures_committed == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ledger::Ledger blocker = ledger::Ledger::open(s.f.path);
  testing::hold_write_lock(blocker);
  auto started = std::chrono::steady_clock::now();
  auto r = client.post("/v1/reward", json{{"event_id", event}, {"kind", "click"}}.dump());
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("not committed it yet"),
            std::string::npos);
  EXPECT_GE(waited, std::chrono::milliseconds(1900));
  auto metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("keyart_errors_total{kind=\"unavailable\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("keyart_rewards_acknowledged_total 0\n"), std::string::npos) << metrics;
  blocker.db().exec("ROLLBACK");
  s.stop();
  EXPECT_EQ(ledger::rewards_for_event(s.f.ledger, event).size(), 1u);
}

TEST(HttpApi, ManyClientsAtOnce) {
  ServerFixture s;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(s.port());
      for (int i = 0; i < 100; ++i) {
        auto r = client.post("/v1/decide",
                             decide_body("u" + std::to_string(t * 1000 + i)).dump());
        if (r.status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 400);
  s.stop();
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), 400);
}

// The ledger cannot be written (another connection holds its write lock) and
// the writer's small queue fills: the hook keeps answering 200 with the
// title's default artwork marked as a fallback, counts it in /metrics, turns
// /healthz to degraded, and recovers by itself once the lock is gone.
TEST(HttpApi, LedgerFailureAnswersWithTheDefaultArtworkMarkedFallback) {
  ServerFixture s(kToken, 4096, [](ServingFixture& f, ServiceOptions& o) {
    ledger::set_title_default_variant(f.ledger, "t1", "t1-v2");
    o.writer.queue_capacity = 16;
    o.writer.when_full = WriterOptions::WhenFull::kShed;
    o.writer.busy_timeout_ms = 5;
    o.writer.retry_initial_ms = 5;
    o.writer.retry_max_ms = 20;
  });
  ledger::Ledger blocker = ledger::Ledger::open(s.f.path);
  testing::hold_write_lock(blocker);
  HttpClient client(s.port());
  int recorded = 0, fallbacks = 0;
  for (int i = 0; i < 400 && fallbacks < 20; ++i) {
    auto r = client.post("/v1/decide", decide_body("u" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    json d = json::parse(r.body);
    if (d["fallback"].get<bool>()) {
      ++fallbacks;
      EXPECT_EQ(d["variant_id"], "t1-v2");
      EXPECT_EQ(d["policy"], "fallback");
      EXPECT_NE(d["fallback_reason"].get<std::string>().find("queue"), std::string::npos);
    } else {
      ++recorded;
    }
  }
  ASSERT_EQ(fallbacks, 20) << "the queue never filled";
  // The writer marks itself degraded at its first failed commit attempt.
  std::string health;
  for (int i = 0; i < 500; ++i) {
    health = client.get("/healthz").body;
    if (json::parse(health)["status"] == "degraded") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(json::parse(health)["status"], "degraded") << health;
  auto ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(json::parse(ready.body)["reasons"][0].get<std::string>().find("the ledger cannot be written"),
            std::string::npos) << ready.body;
  auto metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("keyart_fallbacks_total 20\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("keyart_ledger_degraded 1\n"), std::string::npos) << metrics;

  blocker.db().exec("ROLLBACK");
  bool healthy = false;
  for (int i = 0; i < 500 && !healthy; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    healthy = json::parse(client.get("/healthz").body)["status"] == "ok";
  }
  ASSERT_TRUE(healthy);
  EXPECT_EQ(client.get("/readyz").status, 200);
  auto r = client.post("/v1/decide", decide_body("after").dump());
  EXPECT_FALSE(json::parse(r.body)["fallback"].get<bool>()) << r.body;
  ++recorded;
  s.stop();
  // Every decision answered normally is in the ledger; fallbacks are not
  // exposures of an experiment (they were never randomised).
  EXPECT_EQ(ledger::count_exposures(s.f.ledger), recorded);
}

}  // namespace
}  // namespace keyart::serving
