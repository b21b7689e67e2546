// `keyart serve` on a PostgreSQL ledger whose server goes away in the middle
// of traffic (its own throwaway cluster, halted and resumed): decisions keep
// answering from memory, exposures queue up to the bound, /healthz says
// degraded with the reason, decisions past the bound are fallbacks, and once
// the server is back every queued exposure is written exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "database.h"
#include "keyart/ledger/events.h"
#include "serving/http_client.h"
#include "serving/serving_fixture.h"
#include "support/private_cluster.h"
#include "support/test_ledger.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;
using testing::BackgroundKeyart;
using testing::HttpClient;
using testing::PrivateCluster;

uint16_t port_from(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

json health(HttpClient& client) { return json::parse(client.get("/healthz").body); }

TEST(PostgresGoesAway, ServeKeepsDecidingQueuesAndWritesEachEventOnce) {
  KEYART_POSTGRES_ONLY();
  PrivateCluster cluster;
  testing::ServingFixture f;
  std::vector<std::string> recorded;
  int fallbacks = 0;
  {
    // No trainer runs here: the node learns itself, so /healthz speaks of
    // the ledger alone.
    BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--queue", "150",
                            "--when-full", "shed", "--flush-interval", "10ms", "--model-from",
                            "self"});
    ASSERT_TRUE(serve.wait_for_output("listening on", 15000)) << serve.out() << serve.err();
    HttpClient client(port_from(serve.out()));
    auto decide = [&](int i) {
      json body = {{"unit_id", "u" + std::to_string(i)}, {"title_id", i % 2 ? "t1" : "t2"}};
      auto r = client.post("/v1/decide", body.dump());
      ASSERT_EQ(r.status, 200) << r.body;
      json d = json::parse(r.body);
      if (d["fallback"].get<bool>()) {
        ++fallbacks;
      } else {
        recorded.push_back(d["event_id"].get<std::string>());
      }
    };
    for (int i = 0; i < 50; ++i) decide(i);
    for (int i = 0; i < 300 && health(client)["ledger"]["exposures_committed"] != 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(health(client)["ledger"]["exposures_committed"], 50);

    cluster.run("halt");  // the database goes away
    for (int i = 50; i < 450; ++i) decide(i);
    EXPECT_GT(fallbacks, 0) << "the queue never filled";
    EXPECT_LE(fallbacks, 400 - 100);
    // Degraded from the writer's first failed commit, one flush interval
    // after the first decision it could not write (the 400 may all be
    // answered before it).
    json degraded = health(client);
    for (int i = 0; i < 500 && degraded["status"] != "degraded"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      degraded = health(client);
    }
    EXPECT_EQ(degraded["status"], "degraded") << degraded.dump();
    EXPECT_NE(degraded["ledger"]["last_error"].get<std::string>().find("PostgreSQL"),
              std::string::npos)
        << degraded.dump();

    cluster.run("resume");  // and comes back
    bool drained = false;
    for (int i = 0; i < 3000 && !drained; ++i) {
      json h = health(client);
      drained = h["status"] == "ok" && h["ledger"]["queue_depth"] == 0;
      if (!drained) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(drained) << health(client).dump();
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait(20000), 0) << serve.err();
  }
  // Every decision answered normally is in the ledger, once.
  EXPECT_EQ(ledger::count_exposures(f.ledger), static_cast<int64_t>(recorded.size()));
  EXPECT_EQ(f.ledger.db().query_int("SELECT count(DISTINCT event_id) FROM exposures"),
            static_cast<int64_t>(recorded.size()));
  for (const std::string& event : recorded) {
    EXPECT_TRUE(ledger::find_exposure(f.ledger, event).has_value()) << event;
  }
}

}  // namespace
}  // namespace keyart::serving
