// The Personalizer v1.0 face in process (serving/src/personalizer_api.h),
// for what Microsoft's client test (tests/personalizer/) does not reach:
// the viewer from X-Keyart-Unit, retired actions, features stored on first
// sight only, the API switched off, and error bodies in Personalizer's shape.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "keyart/engine/event_id.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/variants.h"
#include "keyart/serving/http_api.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;

struct PersonalizerHarness {
  testing::ServingFixture f;
  std::unique_ptr<Service> service;
  MetricsRegistry registry;
  HttpHandler handler;

  explicit PersonalizerHarness(std::string title = "app") {
    ledger::add_title(f.ledger, {.title_id = "app", .name = "Personalizer application"});
    service = Service::open(f.options());
    ApiOptions api;
    api.personalizer_title = std::move(title);
    handler = make_api_handler(*service, registry, api);
  }
  ~PersonalizerHarness() { service->shutdown(); }

  HttpResponse post(const std::string& path, const json& body, const std::string& unit = "") {
    HttpRequest req{.method = "POST", .target = path, .body = body.dump(), .unit = unit};
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    handler(std::move(req), [answer](HttpResponse r) { answer->set_value(std::move(r)); });
    return answer->get_future().get();
  }
};

json actions() {
  return json::parse(R"([{"id": "a", "features": [{"tone": "dark", "faces": 2}]},
                         {"id": "b", "features": [{"tone": "bright", "faces": 1}]},
                         {"id": "c", "features": [{"tone": "warm", "faces": 0}]}])");
}

TEST(PersonalizerApi, ViewerFromTheHeaderRetiredActionsLastFeaturesKeptFromFirstSight) {
  PersonalizerHarness h;
  HttpResponse r = h.post("/personalizer/v1.0/rank",
                          {{"actions", actions()}, {"eventId", "e-1"},
                           {"contextFeatures", json::parse(R"([{"device": "tv"}])")}},
                          "viewer-9");
  ASSERT_EQ(r.status, 201) << r.body;
  h.service->flush();
  auto x = ledger::find_exposure(h.f.ledger, engine::to_hex(ledger::client_event_id("e-1")));
  ASSERT_TRUE(x);
  EXPECT_EQ(x->unit_id, "viewer-9");
  EXPECT_EQ(x->device, "tv");
  EXPECT_EQ(ledger::arm_features(h.f.ledger, "app-a").to_json(),
            json::parse(R"({"faces": 2.0, "tone": "dark"})"));

  // Retire b: it is ranked last with probability 0 and never chosen; a's
  // new features are not applied.
  ledger::set_variant_status(h.f.ledger, "app-b", "retired");
  h.service->reload();
  json changed = actions();
  changed[0]["features"] = json::parse(R"([{"tone": "light"}])");
  for (int i = 0; i < 20; ++i) {
    r = h.post("/personalizer/v1.0/rank", {{"actions", changed}});
    ASSERT_EQ(r.status, 201) << r.body;
    json ranked = json::parse(r.body);
    EXPECT_NE(ranked["rewardActionId"], "b");
    EXPECT_EQ(ranked["ranking"][2], json({{"id", "b"}, {"probability", 0.0}}));
    EXPECT_EQ(ranked["eventId"].get<std::string>().size(), 32u);  // made up
  }
  EXPECT_EQ(ledger::arm_features(h.f.ledger, "app-a").to_json(),
            json::parse(R"({"faces": 2.0, "tone": "dark"})"));
  EXPECT_EQ(ledger::list_variants(h.f.ledger, "app", true).size(), 3u);
}

TEST(PersonalizerApi, ErrorsComeInPersonalizersShape) {
  PersonalizerHarness h;
  auto error_of = [](const HttpResponse& r) { return json::parse(r.body)["error"]; };
  HttpResponse r = h.post("/personalizer/v1.0/rank", {{"actions", actions()},
                                                      {"eventId", std::string(300, 'x')}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["code"], "BadRequest");
  EXPECT_EQ(error_of(r)["target"], "eventId");
  r = h.post("/personalizer/v1.0/rank", {{"actions", json::parse(R"([{"id": "a"}, {"id": "a"}])")}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["target"], "actions[1].id");
  r = h.post("/personalizer/v1.0/rank", {{"actions", json::parse(R"([{"id": "a", "features": 5}])")}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["target"], "actions[0].features");
  r = h.post("/personalizer/v1.0/rank", {{"actions", actions()}, {"excludedActions", {"zzz"}}});
  EXPECT_EQ(r.status, 400);
  r = h.post("/personalizer/v1.0/events/none/reward", {{"value", "high"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["target"], "value");
  r = h.post("/personalizer/v1.0/events/none/activate", json::object());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r)["code"], "ResourceNotFound");
  r = h.post("/personalizer/v1.0/events/a%2Fb%3F/reward", {{"value", 1}});  // escaped, unknown
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("'a/b?'"), std::string::npos);
  EXPECT_EQ(ledger::count_exposures(h.f.ledger), 0);

  PersonalizerHarness off("");
  r = off.post("/personalizer/v1.0/rank", {{"actions", actions()}});
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("--personalizer-title"),
            std::string::npos);
}

}  // namespace
}  // namespace keyart::serving
