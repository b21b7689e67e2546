// The HTTP server's contract with its handler, on a real server on
// 127.0.0.1: an answer may come later from another thread, and a Responder
// kept after the server is gone is harmless (it neither keeps the
// connection alive nor touches the stopped io_context). The second test is
// the regression for a use of a destroyed mutex ThreadSanitizer found when
// the reward endpoint's pending answers outlived the server.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http_client.h"
#include "keyart/serving/http_server.h"

namespace keyart::serving {
namespace {

using namespace std::chrono_literals;

HttpResponse text(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  r.content_type = "text/plain";
  return r;
}

TEST(HttpServer, AnswersLaterFromAnotherThread) {
  std::vector<std::thread> answerers;
  std::mutex mu;
  HttpServer server({.address = "127.0.0.1", .port = 0, .threads = 1},
                    [&](HttpRequest&& req, Responder respond) {
                      std::lock_guard lock(mu);
                      answerers.emplace_back([respond, target = req.target] {
                        std::this_thread::sleep_for(20ms);
                        respond(text("late answer to " + target));
                        respond(text("a second answer is ignored"));
                      });
                    });
  server.start();
  testing::HttpClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.get("/x" + std::to_string(i));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "late answer to /x" + std::to_string(i));
  }
  server.stop();
  for (auto& t : answerers) t.join();
}

TEST(HttpServer, ResponderKeptAfterTheServerIsGoneDoesNothing) {
  std::vector<Responder> kept;
  std::mutex mu;
  std::promise<void> parked;
  auto server = std::make_unique<HttpServer>(
      HttpServerOptions{.address = "127.0.0.1", .port = 0, .threads = 2},
      [&](HttpRequest&&, Responder respond) {
        std::lock_guard lock(mu);
        kept.push_back(std::move(respond));  // never answered while the server runs
        parked.set_value();
      });
  server->start();
  auto client_done = std::async(std::launch::async, [port = server->port()] {
    testing::HttpClient client(port);
    try {
      client.get("/never-answered");
      return false;
    } catch (const std::exception&) {
      return true;  // the server closed the connection on stop
    }
  });
  ASSERT_EQ(parked.get_future().wait_for(10s), std::future_status::ready);
  server->stop();
  server.reset();
  EXPECT_TRUE(client_done.get());
  std::lock_guard lock(mu);
  ASSERT_EQ(kept.size(), 1u);
  kept[0](text("too late"));  // must neither crash nor touch freed memory
  kept.clear();               // the last owner of the Responder
}

}  // namespace
}  // namespace keyart::serving
