#include "keyart/serving/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <nlohmann/json.hpp>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "json_text.h"

namespace keyart::serving {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpResponse json_error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = json_text(nlohmann::json{{"error", {{"status", status}, {"message", message}}}});
  return r;
}

namespace {

class Session;

// The timers behind HttpRequest::run_after: steady_timers on the server's
// io_context, each removed by its own completion. close() cancels those
// still waiting (their tasks never run) so a deadline does not hold the
// io_context open through stop(); later requests for a timer are ignored.
class Deadlines {
 public:
  explicit Deadlines(net::io_context& io) : io_(io) {}
  void run_after(std::chrono::milliseconds delay, std::function<void()> task) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    auto it = timers_.emplace(timers_.end(), io_, delay);
    it->async_wait([this, it, task = std::move(task)](const beast::error_code& ec) {
      {
        std::lock_guard lock(mu_);
        timers_.erase(it);
      }
      if (!ec) task();
    });
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& timer : timers_) timer.cancel();
  }

 private:
  net::io_context& io_;
  std::mutex mu_;
  std::list<net::steady_timer> timers_;  // stable addresses; erased by their handlers
  bool closed_ = false;
};

// Owns the sessions whose request is with the handler. A Responder holds
// only a weak reference to its session plus this registry, so a responder
// kept past the server's life (a reward waiting on the ledger, a timer)
// neither keeps a session, its strand and socket alive after the
// io_context is gone nor posts to it: once closed, late answers are dropped.
class AwaitingAnswers {
 public:
  void park(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(mu_);
    if (!closed_) parked_.insert(s);
  }
  // The session if the server is still running (and unparks it), else null.
  std::shared_ptr<Session> unpark(const std::weak_ptr<Session>& weak) {
    std::lock_guard lock(mu_);
    if (closed_) return nullptr;
    auto s = weak.lock();
    if (s) parked_.erase(s);
    return s;
  }
  // Drops every parked session; later answers are ignored.
  void close() {
    std::set<std::shared_ptr<Session>> doomed;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      doomed.swap(parked_);
    }
  }

 private:
  std::mutex mu_;
  bool closed_ = false;
  std::set<std::shared_ptr<Session>> parked_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const HttpServerOptions& options, const HttpHandler& handler,
          const RunAfter& run_after, std::atomic<int>& in_flight,
          std::shared_ptr<AwaitingAnswers> awaiting)
      : stream_(std::move(socket)),
        options_(options),
        handler_(handler),
        run_after_(run_after),
        in_flight_(in_flight),
        awaiting_(std::move(awaiting)) {}

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::read, shared_from_this()));
  }

  void close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return close_now();
    }
    if (ec) {
      // Answer what can be answered, then close: the stream is out of sync.
      int status = 400;
      std::string message = "malformed HTTP request: " + ec.message();
      if (ec == http::error::body_limit) {
        status = 413;
        message = "request body is larger than " + std::to_string(options_.max_body_bytes) +
                  " bytes";
      } else if (ec == http::error::header_limit) {
        status = 431;
        message = "request headers are larger than " +
                  std::to_string(options_.max_header_bytes) + " bytes";
      }
      keep_alive_ = false;
      version_ = 11;
      return write(json_error(status, message));
    }
    auto& req = parser_->get();
    in_flight_.fetch_add(1);
    counted_ = true;
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.body = std::move(req.body());
    request.authorization = std::string(req[http::field::authorization]);
    request.content_type = std::string(req[http::field::content_type]);
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    request.remote = ignored ? "" : endpoint.address().to_string();
    request.run_after = run_after_;  // holds a pointer: copied without allocating
    stream_.expires_never();  // the handler may take a while (reward commits)
    awaiting_->park(shared_from_this());
    auto responded = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [weak = weak_from_this(), awaiting = awaiting_,
                         responded](HttpResponse response) {
      if (responded->exchange(true)) return;  // exactly once
      auto self = awaiting->unpark(weak);
      if (!self) return;  // the server has stopped
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    };
    try {
      handler_(std::move(request), respond);
    } catch (const std::exception& e) {
      respond(json_error(500, std::string("internal error: ") + e.what()));
    }
  }

  void write(HttpResponse response) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    res->set(http::field::server, "keyart");
    res->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->keep_alive(keep_alive_);
    res->body() = std::move(response.body);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_s));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (self->counted_) {
                          self->counted_ = false;
                          self->in_flight_.fetch_sub(1);
                        }
                        if (ec || !self->keep_alive_) return self->close_now();
                        self->read();
                      });
  }

  void close_now() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  const RunAfter& run_after_;
  std::atomic<int>& in_flight_;  // requests read and not yet answered, server-wide
  std::shared_ptr<AwaitingAnswers> awaiting_;
  bool counted_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  // Declared before io, so destroyed after it: the handler may own
  // responders, which never own sessions (see AwaitingAnswers).
  HttpHandler handler;
  std::shared_ptr<AwaitingAnswers> awaiting = std::make_shared<AwaitingAnswers>();
  net::io_context io;
  // After io, so destroyed before it: the timers belong to it.
  Deadlines deadlines{io};
  RunAfter run_after = [this](std::chrono::milliseconds delay, std::function<void()> task) {
    deadlines.run_after(delay, std::move(task));
  };
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<Session>> sessions;
  std::atomic<int> in_flight{0};
  bool stopped = false;

  void accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        return accept();  // e.g. too many open files: keep serving the others
      }
      auto session = std::make_shared<Session>(std::move(socket), options, handler, run_after,
                                               in_flight, awaiting);
      {
        std::lock_guard lock(sessions_mu);
        std::erase_if(sessions, [](const std::weak_ptr<Session>& w) { return w.expired(); });
        sessions.push_back(session);
      }
      session->start();
      accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  if (impl_->options.threads <= 0) {
    impl_->options.threads = std::max(1u, std::thread::hardware_concurrency());
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  auto& a = impl_->acceptor;
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.address, ec);
  if (ec) throw std::runtime_error("'" + impl_->options.address + "' is not an IP address");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto fail = [&](const char* what) {
    throw std::runtime_error(std::string("cannot ") + what + " " + impl_->options.address + ":" +
                             std::to_string(impl_->options.port) + ": " + ec.message());
  };
  a.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  a.set_option(net::socket_base::reuse_address(true), ec);
  a.bind(endpoint, ec);
  if (ec) fail("bind");
  a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  impl_->accept();
  for (int i = 0; i < impl_->options.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

int HttpServer::threads() const { return impl_->options.threads; }

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->threads.empty()) return;  // never started
  using namespace std::chrono_literals;
  auto wait_until = [&](auto done, std::chrono::milliseconds limit) {
    for (auto start = std::chrono::steady_clock::now();
         !done() && std::chrono::steady_clock::now() - start < limit;) {
      std::this_thread::sleep_for(2ms);
    }
  };
  // 1. No new connections. 2. Let requests already read get their answers.
  // 3. Close the remaining (idle keep-alive) connections. 4. Stop.
  net::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  wait_until([&] { return impl_->in_flight.load() == 0; }, 3000ms);
  {
    std::lock_guard lock(impl_->sessions_mu);
    for (auto& weak : impl_->sessions) {
      if (auto s = weak.lock()) s->close();
    }
  }
  // Deadlines of requests answered by now (or never to be) must not keep
  // the io_context running.
  impl_->deadlines.close();
  wait_until([&] { return impl_->io.stopped(); }, 1000ms);
  // Requests still unanswered now never will be: release their sessions
  // while the io_context they belong to still exists.
  impl_->awaiting->close();
  impl_->io.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace keyart::serving
