// A whole page in one call (Service::decide_page, POST /v1/decide/page):
// one decision per tile, each logged with its position; bad pages refused
// before anything is decided; and with max_same_actor, the logged
// propensities are the exact probabilities of what was shown given the
// tiles before it, checked against hand-computed values and against the
// frequencies over many seeded pages.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "keyart/ledger/decision_log.h"
#include "keyart/serving/http_api.h"
#include "keyart/serving/metrics.h"
#include "serving/serving_fixture.h"

namespace keyart::testing {
namespace {

using json = nlohmann::json;

// Titles A, B and C under the default policy (uniform): A's two variants
// feature actors x and y; B's three x, z and nobody; C's only variant x.
struct PageFixture : ::testing::Test, ServingFixture {
  PageFixture() {
    add_page_title("A", {"x", "y"});
    add_page_title("B", {"x", "z", "none"});
    add_page_title("C", {"x"});
    service->reload();  // the service (a member) opened before the titles were added
  }
  void add_page_title(const std::string& id, const std::vector<std::string>& actors) {
    ledger::add_title(ledger, {.title_id = id, .name = "Title " + id});
    for (size_t i = 0; i < actors.size(); ++i) {
      ledger::Variant v;
      v.variant_id = id + "-v" + std::to_string(i + 1);
      v.title_id = id;
      v.kind = "external";
      ledger::add_variant(
          ledger, v,
          ledger::VariantFeatures{.extractor_version = "test",
                                  .features_json = R"({"arm_features":{"style":"s","featured_actor":")" +
                                                   actors[i] + R"("}})"});
    }
  }
  std::unique_ptr<serving::Service> service = [&] {
    auto o = options();
    o.writer.flush_interval_ms = 1;
    return serving::Service::open(o);
  }();
  serving::MetricsRegistry registry;
  serving::HttpHandler api = serving::make_api_handler(*service, registry, serving::ApiOptions{});

  serving::HttpResponse post(const std::string& path, const json& body) {
    serving::HttpRequest req{.method = "POST", .target = path, .body = body.dump()};
    auto answer = std::make_shared<std::promise<serving::HttpResponse>>();
    api(std::move(req), [answer](serving::HttpResponse r) { answer->set_value(std::move(r)); });
    return answer->get_future().get();
  }
  static serving::DecidePageRequest page(std::vector<std::string> titles, uint64_t seed,
                                         std::optional<int> cap) {
    serving::DecidePageRequest p;
    p.unit_id = "viewer";
    p.context.set("device", "tv");
    for (auto& t : titles) p.impressions.push_back({.title_id = t});
    p.seed = seed;
    p.max_same_actor = cap;
    return p;
  }
  void wait_for_ledger(uint64_t n) {
    for (int i = 0; i < 4000 && service->stats().writer.exposures_committed < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(service->stats().writer.exposures_committed, n);
  }
};

TEST_F(PageFixture, EveryTileIsDecidedAndLoggedWithItsPosition) {
  json body = {{"unit_id", "u1"},
               {"context", {{"device", "tv"}}},
               {"impressions",
                {{{"title_id", "A"}, {"position", 0}},
                 {{"title_id", "B"}, {"position", 5}},
                 {{"title_id", "t2"}}}}};
  auto r = post("/v1/decide/page", body);
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = json::parse(r.body);
  ASSERT_EQ(answer["decisions"].size(), 3u);
  EXPECT_TRUE(answer["max_same_actor"].is_null());
  const std::vector<int64_t> positions = {0, 5, 2};  // unset: the index on the page
  const std::vector<std::string> titles = {"A-", "B-", "t2-"};
  wait_for_ledger(3);
  for (size_t i = 0; i < 3; ++i) {
    const json& d = answer["decisions"][i];
    EXPECT_EQ(d["position"], positions[i]);
    EXPECT_EQ(d["variant_id"].get<std::string>().rfind(titles[i], 0), 0u) << d;
    auto logged = ledger::find_exposure(ledger, d["event_id"].get<std::string>());
    ASSERT_TRUE(logged);
    EXPECT_EQ(logged->unit_id, "u1");
    EXPECT_EQ(logged->position, positions[i]);
    EXPECT_EQ(logged->propensity, d["propensity"].get<double>());
  }
}

// A page's tiles share one logged request, encoded once: every tile's row
// must still hold exactly what a decision of its own would log, and a churn
// repeat (which names the decision it repeats) neither takes the shared
// request nor becomes it, wherever it sits on the page.
TEST_F(PageFixture, EveryTileLogsItsOwnRequestAndARepeatNamesItsOrigin) {
  auto o = options();
  o.writer.flush_interval_ms = 1;
  o.learner.sticky_ms = 3'600'000;
  auto sticky = serving::Service::open(o);
  const int64_t t0 = 1'700'000'000'000;
  serving::DecideRequest single;
  single.title_id = "B";
  single.context.set("device", "tv");
  single.context.set("hour", 21.0);
  single.user.set("genre_drama", 0.25);
  single.now_ms = t0;
  ledger::Exposure alone;  // what a tile that is not a repeat logs
  ledger::encode_request(single.context, single.user, alone);
  ASSERT_EQ(alone.context_json.find("repeat_of"), std::string::npos);
  int viewer = 0;
  for (const std::vector<std::string>& titles : std::vector<std::vector<std::string>>{
           {"A", "B", "C"}, {"B", "A", "C"}, {"A", "C", "B"}}) {
    // A viewer of its own, who saw B before the page: B's tile repeats it.
    single.unit_id = "viewer-" + std::to_string(++viewer);
    const serving::DecideResult first = sticky->decide(single);
    serving::DecidePageRequest p = page(titles, 7, std::nullopt);
    p.unit_id = single.unit_id;
    p.context = single.context;
    p.user = single.user;
    p.now_ms = t0 + 1;
    const auto d = sticky->decide_page(p);
    sticky->flush();
    ASSERT_EQ(d.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      auto logged = ledger::find_exposure(ledger, d[i].event_id);
      ASSERT_TRUE(logged);
      if (titles[i] == "B") {
        EXPECT_TRUE(d[i].repeat);
        EXPECT_NE(logged->context_json.find("\"repeat_of\":\"" + first.event_id + "\""),
                  std::string::npos)
            << logged->context_json;
      } else {
        EXPECT_FALSE(d[i].repeat);
        EXPECT_EQ(logged->context_json, alone.context_json) << "tile " << i;
      }
      EXPECT_EQ(logged->device, alone.device);
      EXPECT_EQ(logged->hour, alone.hour);
    }
  }
  sticky->shutdown();
}

TEST_F(PageFixture, BadPagesAreRefusedAndLogNothing) {
  auto refused = [&](const json& body, int status, const std::string& field,
                     const std::string& says) {
    auto r = post("/v1/decide/page", body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body;
    json e = json::parse(r.body)["error"];
    EXPECT_EQ(e.value("field", ""), field) << r.body;
    EXPECT_NE(e["message"].get<std::string>().find(says), std::string::npos) << r.body;
  };
  json many = json::array();
  for (int i = 0; i < 101; ++i) many.push_back({{"title_id", "t" + std::to_string(i)}});
  refused({{"unit_id", "u"}, {"impressions", json::array()}}, 400, "impressions", "no impressions");
  refused({{"unit_id", "u"}, {"impressions", many}}, 400, "impressions", "more than 100");
  refused({{"unit_id", "u"}, {"impressions", {{{"title_id", "A"}}, {{"title_id", "A"}}}}}, 400,
          "impressions", "title 'A' is on the page twice");
  refused({{"unit_id", "u"}, {"impressions", {{{"title_id", "A"}}, {{"title_id", "nope"}}}}}, 404,
          "title_id", "no title 'nope'");
  refused({{"unit_id", "u"}, {"max_same_actor", 0}, {"impressions", {{{"title_id", "A"}}}}}, 400,
          "max_same_actor", "at least 1");
  refused({{"unit_id", "u"}, {"impressions", {{{"position", 1}}}}}, 400, "impressions[0].title_id",
          "must be a string");
  refused({{"unit_id", "u"}, {"impressions", {{{"title_id", "A"}, {"position", -1}}}}}, 400,
          "impressions[0].position", "non-negative");
  refused({{"impressions", {{{"title_id", "A"}}}}}, 400, "unit_id", "required");
  // In process too, with the same limits; and nothing of any of them logged.
  serving::DecidePageRequest zero = page({"A"}, 1, 0);
  EXPECT_THROW(service->decide_page(zero), serving::ServiceError);
  EXPECT_THROW(service->decide_page(page({}, 1, std::nullopt)), serving::ServiceError);
  EXPECT_EQ(service->stats().decisions, 0u);
  EXPECT_EQ(ledger::count_exposures(ledger), 0);
}

TEST_F(PageFixture, TheSameActorRuleKeepsLoggedPropensitiesExact) {
  // Pages [A, B, C] with max_same_actor = 1, uniform policies. Tile A: x or
  // y, 1/2 each. Tile B: without x when A showed x (z or nobody, 1/2 each),
  // else among all three (1/3 each). Tile C has only x: when x is already
  // on the page the rule cannot hold, is set aside and C shows x.
  const int pages = 3000;
  std::map<std::string, int> b_after_x, b_after_y;
  int a_x = 0, relaxed = 0;
  for (int p = 1; p <= pages; ++p) {
    auto d = service->decide_page(page({"A", "B", "C"}, static_cast<uint64_t>(p) * 1000, 1));
    ASSERT_EQ(d.size(), 3u);
    const bool x_first = d[0].variant_id == "A-v1";
    a_x += x_first;
    EXPECT_DOUBLE_EQ(d[0].propensity, 0.5);
    if (x_first) {
      EXPECT_NE(d[1].variant_id, "B-v1") << "x twice on one page";
      EXPECT_DOUBLE_EQ(d[1].propensity, 0.5);
      ++b_after_x[d[1].variant_id];
    } else {
      EXPECT_DOUBLE_EQ(d[1].propensity, 1.0 / 3);
      ++b_after_y[d[1].variant_id];
    }
    const bool x_shown = x_first || d[1].variant_id == "B-v1";
    EXPECT_EQ(d[2].page_rule_relaxed, x_shown);
    relaxed += d[2].page_rule_relaxed;
    EXPECT_EQ(d[2].variant_id, "C-v1");
    EXPECT_DOUBLE_EQ(d[2].propensity, 1.0);
  }
  // Frequencies against those probabilities: within 4.5 standard errors.
  auto near = [](int count, int n, double p) {
    const double se = std::sqrt(p * (1 - p) / n);
    return std::abs(static_cast<double>(count) / n - p) < 4.5 * se;
  };
  EXPECT_TRUE(near(a_x, pages, 0.5)) << a_x;
  EXPECT_TRUE(near(b_after_x["B-v2"], a_x, 0.5)) << b_after_x["B-v2"] << " of " << a_x;
  EXPECT_TRUE(near(b_after_x["B-v3"], a_x, 0.5));
  for (const char* v : {"B-v1", "B-v2", "B-v3"}) {
    EXPECT_TRUE(near(b_after_y[v], pages - a_x, 1.0 / 3)) << v << ": " << b_after_y[v];
  }
  // x reaches the page through A half the time and through B a third of the
  // other half: 1/2 + 1/2 * 1/3 = 2/3 of the pages set the rule aside for C.
  EXPECT_TRUE(near(relaxed, pages, 2.0 / 3)) << relaxed;

  // The ledger holds what the propensities were computed over: the candidates
  // each tile chose among (an OPE replay sees the rule's restriction).
  wait_for_ledger(3 * pages);
  auto d = service->decide_page(page({"A", "B"}, 77, 1));
  wait_for_ledger(3 * pages + 2);
  auto logged = ledger::find_exposure(ledger, d[1].event_id);
  ASSERT_TRUE(logged);
  ledger::LedgerDecisionCatalog catalog(ledger);
  std::string reason;
  auto decision = ledger::logged_decision(*logged, catalog, reason);
  ASSERT_TRUE(decision) << reason;
  EXPECT_EQ(decision->candidates.size(), d[0].variant_id == "A-v1" ? 2u : 3u);
  EXPECT_DOUBLE_EQ(decision->propensity, d[1].propensity);
}

}  // namespace
}  // namespace keyart::testing
