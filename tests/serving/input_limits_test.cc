// Every request limit of the serving API at its boundary, through the real
// handler keyart serve runs (make_api_handler over a Service on a real
// ledger; the body size limit, enforced by the HTTP server before the
// handler, is HttpApi.BodyTooLargeIs413): the largest accepted request
// passes, one more is a 400 naming the field and the limit, and refused
// requests leave nothing in the ledger.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "keyart/serving/http_server.h"
#include "serving/api_harness.h"
#include "serving/http_client.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;

using Api = testing::ApiHarness;

json decide_body() { return {{"unit_id", "u1"}, {"title_id", "t1"}}; }

// The error of a refusal: status 400, the field, and the limit in the message.
void expect_refused(const HttpResponse& r, const std::string& field, const std::string& needle) {
  EXPECT_EQ(r.status, 400) << r.body;
  json error = json::parse(r.body)["error"];
  EXPECT_EQ(error.value("field", ""), field) << r.body;
  EXPECT_NE(error["message"].get<std::string>().find(needle), std::string::npos) << r.body;
}

TEST(InputLimits, JsonNestingDepth) {
  Api api;  // max_json_depth 8: the body object is level 1
  auto nested = [](int levels) {
    // {"unit_id":..,"title_id":..,"x": [[...]]} with `levels` levels in all
    return R"({"unit_id":"u1","title_id":"t1","x":)" + std::string(levels - 1, '[') +
           std::string(levels - 1, ']') + "}";
  };
  EXPECT_EQ(api.post("/v1/decide", nested(8)).status, 200);
  expect_refused(api.post("/v1/decide", nested(9)), "", "nested deeper than 8 levels");
  // Deep nesting is refused while parsing, before it costs stack.
  expect_refused(api.post("/v1/decide", nested(100000)), "", "nested deeper than 8 levels");
}

TEST(InputLimits, NumberOfCandidates) {
  Api api;  // max_candidates 64
  json body = decide_body();
  for (int i = 0; i < 65; ++i) body["eligible"].push_back("t1-v" + std::to_string(i + 1));
  expect_refused(api.post("/v1/decide", body.dump()), "eligible", "more than 64 eligible variants");
  body["eligible"].erase(64);  // 64 ids: within the limit, so the unknown ids are the problem now
  HttpResponse r = api.post("/v1/decide", body.dump());
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST(InputLimits, NumberOfFeatures) {
  Api api;  // max_features 256, context and user together
  json body = decide_body();
  for (int i = 0; i < 200; ++i) body["user"]["genre_g" + std::to_string(i)] = 0.5;
  for (int i = 0; i < 56; ++i) body["context"]["c" + std::to_string(i)] = 1;
  EXPECT_EQ(api.post("/v1/decide", body.dump()).status, 200);
  body["context"]["one_more"] = 1;
  expect_refused(api.post("/v1/decide", body.dump()), "user", "more than 256 features");
}

TEST(InputLimits, StringLengths) {
  Api api;  // max_string_bytes 256
  const std::string longest(256, 'u'), too_long(257, 'u');
  json body = decide_body();
  body["unit_id"] = longest;
  EXPECT_EQ(api.post("/v1/decide", body.dump()).status, 200);
  body["unit_id"] = too_long;
  expect_refused(api.post("/v1/decide", body.dump()), "unit_id", "longer than 256 bytes");

  body = decide_body();
  body["title_id"] = too_long;
  expect_refused(api.post("/v1/decide", body.dump()), "title_id", "longer than 256 bytes");
  body = decide_body();
  body["experiment_id"] = too_long;
  expect_refused(api.post("/v1/decide", body.dump()), "experiment_id", "longer than 256 bytes");
  body = decide_body();
  body["eligible"] = {too_long};
  expect_refused(api.post("/v1/decide", body.dump()), "eligible", "longer than 256 bytes");
  body = decide_body();
  body["context"][too_long] = 1;
  expect_refused(api.post("/v1/decide", body.dump()), "context name", "longer than 256 bytes");
  body = decide_body();
  body["context"]["device"] = too_long;
  expect_refused(api.post("/v1/decide", body.dump()), "context.device", "longer than 256 bytes");
  body = decide_body();
  body["user"]["genre_" + too_long] = 1;
  expect_refused(api.post("/v1/decide", body.dump()), "user name", "longer than 256 bytes");

  // Reward fields: the event id is exactly 32 hex digits, the kind one of the
  // configured kinds (echoed cut to 64 bytes).
  HttpResponse r = api.post("/v1/reward", json{{"event_id", std::string(33, 'a')}, {"kind", "click"}}.dump());
  expect_refused(r, "event_id", "32 hex digits");
  r = api.post("/v1/reward", json{{"event_id", std::string(32, 'a')}, {"kind", std::string(100000, 'k')}}.dump());
  expect_refused(r, "kind", "is not one of");
  EXPECT_LT(r.body.size(), 500u) << "the refused kind is not echoed whole";
}

TEST(InputLimits, RewardsInOneBatch) {
  Api api;  // max_batch_rewards 1000
  json item = {{"event_id", std::string(32, 'a')}, {"kind", "click"}};
  json body = {{"rewards", json::array()}};
  for (int i = 0; i < 1001; ++i) body["rewards"].push_back(item);
  expect_refused(api.post("/v1/reward", body.dump()), "rewards", "more than 1000 rewards");
  body["rewards"].erase(1000);
  HttpResponse r = api.post("/v1/reward", body.dump());
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(json::parse(r.body)["results"].size(), 1000u);
}

TEST(InputLimits, RewardValue) {
  Api api;  // finite, |value| <= 1e9; checked before the event is looked up
  const std::string unknown(32, 'a');
  expect_refused(api.post("/v1/reward", json{{"event_id", unknown}, {"kind", "click"}, {"value", 1e10}}.dump()),
                 "value", "finite number");
  HttpResponse r =
      api.post("/v1/reward", json{{"event_id", unknown}, {"kind", "click"}, {"value", -1e9}}.dump());
  EXPECT_EQ(r.status, 404) << r.body;  // the value passed; the event is unknown
}

TEST(InputLimits, HeaderSizeOverTheNetwork) {
  // Headers are limited by the HTTP server (8 KiB by default): 431, as JSON,
  // and the server keeps serving.
  Api api;
  HttpServer server(HttpServerOptions{.address = "127.0.0.1", .port = 0, .threads = 1},
                    api.handler);
  server.start();
  testing::HttpClient client(server.port());
  auto r = client.request("POST", "/v1/decide", decide_body().dump(),
                          {{"X-Padding", std::string(9000, 'p')}});
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_TRUE(json::accept(r.body)) << r.body;
  testing::HttpClient again(server.port());
  EXPECT_EQ(again.post("/v1/decide", decide_body().dump()).status, 200);
  server.stop();
}

TEST(InputLimits, RefusedRequestsLeaveNothingInTheLedger) {
  Api api;
  json body = decide_body();
  body["unit_id"] = std::string(257, 'u');
  ASSERT_EQ(api.post("/v1/decide", body.dump()).status, 400);
  ASSERT_EQ(api.post("/v1/decide", R"({"unit_id":"u1","title_id":"t1","x":[[[[[[[[[]]]]]]]]]})").status, 400);
  api.service->shutdown();
  EXPECT_EQ(ledger::count_exposures(api.f.ledger), 0);
  EXPECT_EQ(ledger::count_rewards(api.f.ledger), 0);
}

}  // namespace
}  // namespace keyart::serving
