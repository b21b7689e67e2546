// A small HTTP/1.1 server on Boost.Beast for the serving hook: keep-alive,
// N threads each running its own io_context; a connection stays on the
// thread that was given it (round robin), so nothing of it is locked;
// accepting and the handlers' timers (RunAfter) have a thread of their own,
// so a handler that blocks its thread delays neither. Every
// request is handed to the Handler with a Responder that must be called
// exactly once, from any thread, possibly later (the reward endpoint answers
// after its ledger commit). Limits are enforced before the handler runs:
// a body over max_body_bytes gets 413, oversized headers 431, a malformed
// request 400 — each a JSON error — and the connection never takes the
// server down. A connection whose read or write waits longer than
// idle_timeout_s is closed (checked four times a second). Binds 127.0.0.1
// unless told otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "keyart/serving/run_after.h"

namespace keyart::serving {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string subscription_key;  // the Ocp-Apim-Subscription-Key header, if any
  std::string unit;  // the X-Keyart-Unit header (the viewer, where the body has none), if any
  std::string content_type;
  std::string remote;  // peer address
  // The server's timers (a steady_timer on its io_context), for a handler
  // that answers later and must bound the wait (the reward endpoint). A
  // task scheduled after the server has begun to stop never runs. Empty
  // when the handler is called without a server.
  RunAfter run_after;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&&, Responder)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (see HttpServer::port())
  int threads = 0;       // 0 = one per core
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_bytes = 8 * 1024;
  int idle_timeout_s = 60;  // a keep-alive connection idle this long is closed
};

// A JSON error body {"error": {"status": N, "message": "..."}}.
HttpResponse json_error(int status, const std::string& message);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads; throws std::runtime_error naming the
  // address when it cannot bind.
  void start();
  uint16_t port() const;
  int threads() const;
  // Stops accepting and closes connections, then joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyart::serving
