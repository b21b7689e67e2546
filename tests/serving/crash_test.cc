// Durability under SIGKILL: `keyart serve` is killed in the middle of a
// load run. Afterwards the ledger passes integrity_check, every reward that
// was acknowledged is in it, the decisions it lacks were all answered in the
// last moments before the kill (the flush interval, plus scheduling slack),
// and the models restored at restart (snapshot + replay of the tail) equal a
// replay of the whole ledger.
#include <gtest/gtest.h>

#include "sqlite.h"
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "serving/http_client.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using testing::BackgroundKeyart;
using testing::HttpClient;
using testing::ServingFixture;

struct Answered {
  std::string event_id;
  Clock::time_point at;
};

TEST(Crash, SigkillMidLoadLosesOnlyTheLastFlushInterval) {
  ServingFixture f;
  const int flush_ms = 20;
  std::mutex mu;
  std::vector<Answered> decisions;
  std::set<std::string> acknowledged_rewards;
  Clock::time_point killed_at;
  {
    BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--flush-interval",
                            std::to_string(flush_ms) + "ms", "--snapshot-interval", "1s",
                            "--wait-window", "2s"});
    ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.err();
    std::smatch m;
    std::string out = serve.out();
    ASSERT_TRUE(std::regex_search(out, m, std::regex("127\\.0\\.0\\.1:([0-9]+)")));
    uint16_t port = static_cast<uint16_t>(std::stoi(m[1]));
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 2; ++t) {
      clients.emplace_back([&, t] {
        try {
          HttpClient client(port);
          for (int i = 0; !stop; ++i) {
            json body = {{"unit_id", "u" + std::to_string(t) + "-" + std::to_string(i % 500)},
                         {"title_id", i % 2 ? "t1" : "t2"},
                         {"context", {{"device", "tv"}, {"hour", i % 24}}}};
            auto r = client.post("/v1/decide", body.dump());
            if (r.status != 200) continue;
            std::string event = json::parse(r.body)["event_id"];
            {
              std::lock_guard lock(mu);
              decisions.push_back({event, Clock::now()});
            }
            if (i % 3 == 0) {
              auto rr = client.post("/v1/reward", json{{"event_id", event}, {"kind", "click"}}.dump());
              if (rr.status == 200) {
                std::lock_guard lock(mu);
                acknowledged_rewards.insert(event);
              }
            }
          }
        } catch (const std::exception&) {
          // The server died under us: expected.
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    serve.signal(SIGKILL);
    killed_at = Clock::now();
    EXPECT_EQ(serve.wait(10000), 128 + SIGKILL);
    stop = true;
    for (auto& c : clients) c.join();
  }
  ASSERT_GT(decisions.size(), 100u);
  ASSERT_GT(acknowledged_rewards.size(), 10u);

  ledger::Ledger ledger = ledger::Ledger::open(f.path);
  if (!testing::testing_postgres()) {  // the file is intact (the server keeps its own)
    EXPECT_EQ(ledger.db().query_int(
                  "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
              1);
  }
  for (const auto& event : acknowledged_rewards) {
    EXPECT_EQ(ledger::rewards_for_event(ledger, event).size(), 1u)
        << "acknowledged reward for " << event << " is not in the ledger";
  }
  size_t lost = 0;
  auto slack = std::chrono::milliseconds(flush_ms + 300);  // a loaded 2-core machine
  for (const auto& d : decisions) {
    if (ledger::find_exposure(ledger, d.event_id)) continue;
    ++lost;
    EXPECT_GE(d.at, killed_at - slack) << "a decision answered "
                                       << std::chrono::duration_cast<std::chrono::milliseconds>(
                                              killed_at - d.at)
                                              .count()
                                       << " ms before the kill is missing";
  }
  std::cout << "[ info ] " << decisions.size() << " decisions answered, " << lost
            << " lost at SIGKILL; " << acknowledged_rewards.size()
            << " rewards acknowledged, all stored; "
            << ledger.db().query_int("SELECT count(*) FROM model_snapshots")
            << " snapshots written before the kill\n";

  // Restart: snapshot + tail replay must equal a replay of the whole ledger.
  // Both close the wait windows that ended by the real clock when they open;
  // wait until every window of the run has ended so both close the same ones.
  std::this_thread::sleep_until(killed_at + std::chrono::milliseconds(2500));
  ServiceOptions o = f.options();
  o.learner.wait_ms = 2000;
  std::map<std::string, std::string> restored;
  {
    auto service = Service::open(o);
    for (const auto& scope : service->learner_scopes()) restored[scope] = *service->learner_state(scope);
  }
  ledger.db().exec("DELETE FROM model_snapshots");
  auto replayed = Service::open(o);
  EXPECT_NE(replayed->describe().find("rebuilt from the ledger"), std::string::npos);
  for (const auto& [scope, state] : restored) {
    EXPECT_TRUE(*replayed->learner_state(scope) == state) << scope;
  }
}

}  // namespace
}  // namespace keyart::serving
