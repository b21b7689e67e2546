// `keyart serve` as a process: the startup line, real traffic on loopback,
// SIGTERM drains the queue (every answered decision is in the ledger), saves
// a snapshot, exits 0; a restart continues from it.
#include <gtest/gtest.h>

#include "sqlite.h"
#include <signal.h>

#include <nlohmann/json.hpp>
#include <chrono>
#include <regex>
#include <thread>

#include "serving/http_client.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;
using testing::BackgroundKeyart;
using testing::HttpClient;
using testing::ServingFixture;

uint16_t port_from(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

TEST(ServeProcess, SigtermDrainsAndRestartContinues) {
  ServingFixture f;
  int answered = 0;
  {
    // Learning in this process (the default on SQLite; on PostgreSQL the
    // default is to follow a trainer, tests/training/).
    BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0",
                            "--model-from", "self", "--flush-interval", "5s"});
    ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.out() << serve.err();
    EXPECT_NE(serve.out().find("ledger " + f.path), std::string::npos) << serve.out();
    uint16_t port = port_from(serve.out());
    ASSERT_GT(port, 0);
    HttpClient client(port);
    for (int i = 0; i < 300; ++i) {
      json body = {{"unit_id", "u" + std::to_string(i)}, {"title_id", i % 2 ? "t1" : "t2"}};
      if (client.post("/v1/decide", body.dump()).status == 200) ++answered;
    }
    // The flush interval is long: the rows are still queued when SIGTERM comes.
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait(15000), 0) << serve.err();
    EXPECT_NE(serve.out().find("SIGTERM"), std::string::npos);
  }
  EXPECT_EQ(answered, 300);
  EXPECT_EQ(ledger::count_exposures(f.ledger), 300);
  EXPECT_EQ(f.ledger.db().query_int("SELECT count(*) FROM model_snapshots"), 1);

  BackgroundKeyart again(
      {"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--model-from", "self"});
  ASSERT_TRUE(again.wait_for_output("listening on", 10000)) << again.err();
  EXPECT_NE(again.out().find("model from snapshot 1"), std::string::npos) << again.out();
  again.signal(SIGINT);
  EXPECT_EQ(again.wait(15000), 0);
}

// A title added by another process while the server runs is decided for
// within seconds, with no admin call and no signal.
TEST(ServeProcess, SeesCatalogueChangesByItself) {
  ServingFixture f;
  BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--model-from",
                          "self", "--catalog-poll", "200ms"});
  ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.out() << serve.err();
  HttpClient client(port_from(serve.out()));
  f.add_title_with_features("t3", {"dark"});
  json body = {{"unit_id", "u1"}, {"title_id", "t3"}};
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = client.post("/v1/decide", body.dump()).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200) << "the new title was not seen within 10 s";
  EXPECT_GE(json::parse(client.get("/healthz").body)["catalog"]["reloads"].get<int>(), 1);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(15000), 0) << serve.err();
}

// Probes before and after the start, and SIGHUP: with the catalogue poll
// off, a title added while the server runs is unknown to it (404) until
// SIGHUP reloads the catalogue.
TEST(ServeProcess, StartingLineThenReadyAndSighupReloads) {
  ServingFixture f;
  BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--model-from", "self",
                          "--catalog-poll", "0"});
  ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.out() << serve.err();
  const std::string out = serve.out();
  EXPECT_LT(out.find("starting on http://127.0.0.1:"), out.find("listening on")) << out;
  HttpClient client(port_from(out));
  EXPECT_EQ(client.get("/readyz").status, 200);
  const std::string metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("process_resident_memory_bytes "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("keyart_build_info{version="), std::string::npos) << metrics;
  f.add_title_with_features("t3", {"dark"});
  json body = {{"unit_id", "u1"}, {"title_id", "t3"}};
  EXPECT_EQ(client.post("/v1/decide", body.dump()).status, 404);
  serve.signal(SIGHUP);
  ASSERT_TRUE(serve.wait_for_output("catalogue reloaded", 10000)) << serve.out();
  EXPECT_EQ(client.post("/v1/decide", body.dump()).status, 200);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(15000), 0) << serve.err();
}

// --snapshot-interval below a second is honoured (it once became 0: never),
// and one below a millisecond is refused rather than made 0.
TEST(ServeProcess, SubSecondSnapshotIntervalIsHonoured) {
  ServingFixture f;
  BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--model-from",
                          "self", "--snapshot-interval", "300ms"});
  ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.out() << serve.err();
  int64_t snapshots = 0;
  for (int i = 0; i < 100 && snapshots < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    snapshots = f.ledger.db().query_int("SELECT count(*) FROM model_snapshots");
  }
  EXPECT_GE(snapshots, 2) << "no periodic snapshot within 10 s at a 300 ms interval";
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(15000), 0) << serve.err();
  auto r = testing::run_keyart({"serve", "--db", f.path, "--snapshot-interval", "0.5ms"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("shorter than a millisecond"), std::string::npos) << r.err;
}

TEST(ServeProcess, RefusesBadOptionsAndMissingLedger) {
  ServingFixture f;
  auto r = testing::run_keyart({"serve", "--db", f.path, "--listen", "nonsense"});
  EXPECT_EQ(r.exit_code, 2);
  r = testing::run_keyart({"serve", "--db", f.path, "--wait-window", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--wait-window"), std::string::npos);
  r = testing::run_keyart({"serve", "--db", (f.dir / "absent.db").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyart::serving
