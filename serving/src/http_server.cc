#include "keyart/serving/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "json_text.h"
#include "thread_name.h"

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
class AwaitingAnswers;

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

// One request's answer on its way back. The Responder holds only this: a
// weak reference to the session plus the registry, so a responder kept past
// the server's life (a reward waiting on the ledger, a timer) neither keeps
// a session, its socket and io_context alive nor posts to them. An answer
// given while the handler is still running (the usual case: decisions) is
// left here and written by the session when the handler returns, without a
// post or a lock; one given later finds the session parked in the registry.
struct Answer {
  enum State { kInHandler, kAnsweredInline, kParked };
  std::atomic<int> state{kInHandler};
  std::atomic<bool> answered{false};
  HttpResponse response;
  std::weak_ptr<Session> session;
  std::shared_ptr<AwaitingAnswers> awaiting;
};

// Owns the sessions whose handler returned without answering.
class AwaitingAnswers {
 public:
  // Parks s unless its answer came while the handler ran (then false: the
  // caller writes it). The state changes under the lock, so an answer that
  // finds kParked also finds s parked.
  bool park_unless_answered(const std::shared_ptr<Session>& s, Answer& answer) {
    std::lock_guard lock(mu_);
    int expected = Answer::kInHandler;
    if (!answer.state.compare_exchange_strong(expected, Answer::kParked)) return false;
    if (!closed_) parked_.insert(s);
    return true;
  }
  // Unparks the session and hands it to post (which queues its answer on
  // the session's thread) unless the server has stopped; under the lock,
  // so close() never comes between and no strong reference to the session
  // outlives it but the one queued on its io_context.
  template <typename Post>
  void deliver(const std::weak_ptr<Session>& weak, Post post) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    auto s = weak.lock();
    if (!s) return;
    parked_.erase(s);
    post(std::move(s));
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

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The response as bytes on the wire: status line, Server, Content-Type, the
// handler's headers, Content-Length, Connection when it differs from the
// version's default, then the body.
void serialize(const HttpResponse& r, unsigned version, bool keep_alive, std::string& out) {
  out.clear();
  out.reserve(160 + r.body.size());
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
  out.append(reason.data(), reason.size());
  out += "\r\nServer: keyart\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(r.body.size());
  out += "\r\n";
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  out += r.body;
}

// A connection; it lives on one worker's io_context (one thread), so its
// members need no lock: everything that touches them runs there.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const HttpServerOptions& options, const HttpHandler& handler,
          const RunAfter& run_after, std::atomic<int>& in_flight,
          std::shared_ptr<AwaitingAnswers> awaiting)
      : socket_(std::move(socket)),
        options_(options),
        handler_(handler),
        run_after_(run_after),
        in_flight_(in_flight),
        awaiting_(std::move(awaiting)) {
    beast::error_code ignored;
    auto endpoint = socket_.remote_endpoint(ignored);
    remote_ = ignored ? "" : endpoint.address().to_string();
  }

  void start() { read(); }

  // On the session's thread: closes it if a read or write has waited longer
  // than the idle timeout (the worker's sweep calls this).
  void close_if_idle(int64_t now_ms) {
    if (waiting_since_ms_ != 0 && now_ms - waiting_since_ms_ > options_.idle_timeout_s * 1000LL) {
      close_now();
    }
  }

  void close() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    waiting_since_ms_ = steady_ms();
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    waiting_since_ms_ = 0;  // the handler may take a while (reward commits)
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof ||
        ec == net::error::bad_descriptor) {
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
    request.subscription_key = std::string(req["Ocp-Apim-Subscription-Key"]);
    request.unit = std::string(req["X-Keyart-Unit"]);
    request.content_type = std::string(req[http::field::content_type]);
    request.remote = remote_;
    request.run_after = run_after_;  // holds a pointer: copied without allocating
    auto answer = std::make_shared<Answer>();
    answer->session = weak_from_this();
    answer->awaiting = awaiting_;
    Responder respond = [answer](HttpResponse response) {
      if (answer->answered.exchange(true)) return;  // exactly once
      answer->response = std::move(response);
      int expected = Answer::kInHandler;
      if (answer->state.compare_exchange_strong(expected, Answer::kAnsweredInline)) return;
      answer->awaiting->deliver(answer->session, [&answer](std::shared_ptr<Session> self) {
        auto executor = self->socket_.get_executor();
        net::post(executor, [self = std::move(self), answer] { self->write(std::move(answer->response)); });
      });
    };
    try {
      handler_(std::move(request), respond);
    } catch (const std::exception& e) {
      respond(json_error(500, std::string("internal error: ") + e.what()));
    }
    if (awaiting_->park_unless_answered(shared_from_this(), *answer)) return;
    write(std::move(answer->response));
  }

  void write(HttpResponse response) {
    serialize(response, version_, keep_alive_, out_);
    waiting_since_ms_ = steady_ms();
    net::async_write(socket_, net::buffer(out_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->waiting_since_ms_ = 0;
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
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;  // the response being written
  std::string remote_;
  int64_t waiting_since_ms_ = 0;  // steady ms a read or write began; 0: neither pending
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  const RunAfter& run_after_;
  std::atomic<int>& in_flight_;  // requests read and not yet answered, server-wide
  std::shared_ptr<AwaitingAnswers> awaiting_;
  bool counted_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

// One thread and its io_context; the connections it was given stay on it.
// sessions and sweep are touched only on this thread.
struct Worker {
  explicit Worker(const std::atomic<bool>& stopping) : stopping(stopping) {}
  const std::atomic<bool>& stopping;  // the server's: no new sweep or session once set
  net::io_context io{1};
  std::vector<std::weak_ptr<Session>> sessions;
  net::steady_timer sweep{io};
  std::thread thread;

  // Four times a second: closes idle sessions and forgets the gone ones.
  void schedule_sweep(int idle_timeout_s) {
    if (stopping) return;
    sweep.expires_after(std::chrono::milliseconds(250));
    sweep.async_wait([this, idle_timeout_s](const beast::error_code& ec) {
      if (ec || stopping) return;
      const int64_t now = steady_ms();
      std::erase_if(sessions, [](const std::weak_ptr<Session>& w) { return w.expired(); });
      for (auto& weak : sessions) {
        if (auto s = weak.lock()) s->close_if_idle(now);
      }
      schedule_sweep(idle_timeout_s);
    });
  }
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  // Declared before the workers, so destroyed after them: the handler may
  // own responders, which never own sessions (see Answer).
  HttpHandler handler;
  std::shared_ptr<AwaitingAnswers> awaiting = std::make_shared<AwaitingAnswers>();
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<Worker>> workers;
  // Accepting and the handlers' timers run on a thread of their own, so a
  // handler that blocks a worker (an admin snapshot) delays neither new
  // connections nor any reward's deadline.
  net::io_context control{1};
  std::thread control_thread;
  // After control, so destroyed before it: the timers and the acceptor belong to it.
  std::unique_ptr<Deadlines> deadlines;
  RunAfter run_after = [this](std::chrono::milliseconds delay, std::function<void()> task) {
    deadlines->run_after(delay, std::move(task));
  };
  std::unique_ptr<tcp::acceptor> acceptor;
  size_t next_worker = 0;  // round robin; only touched by the accept handler
  std::atomic<int> in_flight{0};
  bool stopped = false;

  void accept() {
    Worker& target = *workers[next_worker++ % workers.size()];
    acceptor->async_accept(target.io, [this, &target](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
        return accept();  // e.g. too many open files: keep serving the others
      }
      auto session = std::make_shared<Session>(std::move(socket), options, handler, run_after,
                                               in_flight, awaiting);
      net::post(target.io, [&target, session] {
        if (target.stopping) return session->close();  // accepted as the server stopped
        target.sessions.push_back(session);
        session->start();
      });
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
  Impl& m = *impl_;
  for (int i = 0; i < m.options.threads; ++i) m.workers.push_back(std::make_unique<Worker>(m.stopping));
  m.deadlines = std::make_unique<Deadlines>(m.control);
  m.acceptor = std::make_unique<tcp::acceptor>(m.control);
  auto& a = *m.acceptor;
  beast::error_code ec;
  auto address = net::ip::make_address(m.options.address, ec);
  if (ec) throw std::runtime_error("'" + m.options.address + "' is not an IP address");
  tcp::endpoint endpoint(address, m.options.port);
  auto fail = [&](const char* what) {
    throw std::runtime_error(std::string("cannot ") + what + " " + m.options.address + ":" +
                             std::to_string(m.options.port) + ": " + ec.message());
  };
  a.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  a.set_option(net::socket_base::reuse_address(true), ec);
  a.bind(endpoint, ec);
  if (ec) fail("bind");
  a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  m.accept();
  m.control_thread = std::thread([&m] { m.control.run(); });
  name_thread(m.control_thread, "keyart-accept");
  for (size_t i = 0; i < m.workers.size(); ++i) {
    Worker& w = *m.workers[i];
    w.schedule_sweep(m.options.idle_timeout_s);
    w.thread = std::thread([worker = &w] { worker->io.run(); });
    name_thread(w.thread, "keyart-http-" + std::to_string(i + 1));
  }
}

uint16_t HttpServer::port() const {
  if (!impl_->acceptor) return 0;
  beast::error_code ec;
  auto endpoint = impl_->acceptor->local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

int HttpServer::threads() const { return impl_->options.threads; }

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  Impl& m = *impl_;
  if (!m.control_thread.joinable()) return;  // never started
  using namespace std::chrono_literals;
  auto wait_until = [&](auto done, std::chrono::milliseconds limit) {
    for (auto start = std::chrono::steady_clock::now();
         !done() && std::chrono::steady_clock::now() - start < limit;) {
      std::this_thread::sleep_for(2ms);
    }
  };
  // 1. No new connections. 2. Let requests already read get their answers.
  // 3. Close the remaining (idle keep-alive) connections and the sweeps
  // (a session accepted meanwhile is closed, not started). 4. Stop.
  net::post(m.control, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  wait_until([&] { return m.in_flight.load() == 0; }, 3000ms);
  m.stopping = true;
  for (auto& w : m.workers) {
    net::post(w->io, [worker = w.get()] {
      worker->sweep.cancel();
      for (auto& weak : worker->sessions) {
        if (auto s = weak.lock()) s->close();
      }
    });
  }
  // Deadlines of requests answered by now (or never to be) must not keep
  // the control io_context running.
  m.deadlines->close();
  wait_until(
      [&] {
        return m.control.stopped() &&
               std::all_of(m.workers.begin(), m.workers.end(),
                           [](const auto& w) { return w->io.stopped(); });
      },
      1000ms);
  // Requests still unanswered now never will be: release their sessions
  // while the io_contexts they belong to still exist.
  m.awaiting->close();
  m.control.stop();
  for (auto& w : m.workers) w->io.stop();
  if (m.control_thread.joinable()) m.control_thread.join();
  for (auto& w : m.workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

}  // namespace keyart::serving
