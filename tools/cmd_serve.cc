// keyart serve: the serving hook over HTTP (Boost.Beast), until SIGINT or
// SIGTERM; then it stops accepting, answers what is in flight, drains the
// ledger queue and saves a model snapshot. It listens before it opens the
// ledger (probes see /livez and a 503 /readyz meanwhile); SIGHUP reloads the
// catalogue.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>
#include <thread>

#include "commands.h"
#include "learner_flags.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/ledger.h"
#include "keyart/serving/api_keys.h"
#include "keyart/serving/http_api.h"
#include "keyart/serving/http_server.h"
#include "keyart/serving/metrics.h"
#include "keyart/serving/service.h"

namespace keyart::cli {

namespace {

std::string read_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CommandError("cannot read the admin token file '" + path + "'");
  std::string token;
  std::getline(in, token);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.size() < 16) {
    throw CommandError("the admin token in '" + path + "' is shorter than 16 characters");
  }
  return token;
}

// The API keys of a key file: one a line, blank lines and '#' comments
// skipped; each at least 16 characters without spaces. Errors name the file
// and line, never the key.
std::vector<std::string> read_api_keys(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CommandError("cannot read the API key file '" + path + "'");
  std::vector<std::string> keys;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::string key = line.substr(start);
    const std::string where = "'" + path + "' line " + std::to_string(number);
    if (key.size() < 16) throw CommandError("the API key on " + where + " is shorter than 16 characters");
    if (key.find_first_of(" \t") != std::string::npos) {
      throw CommandError("the API key on " + where + " holds a space");
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) throw CommandError("the API key file '" + path + "' holds no key");
  return keys;
}

bool is_loopback(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace

int cmd_serve(Args args) {
  Subcommand cmd("serve", "[--db PATH] [--listen HOST:PORT] [options]",
                 "Serves POST /v1/decide, /v1/decide/page, /v1/reward, /v1/activate, GET\n"
                 "/healthz, /livez, /readyz and /metrics over HTTP (keep-alive), admin\n"
                 "endpoints behind a bearer token, and with --personalizer-title Personalizer\n"
                 "v1.0's Rank, Reward and Activate (docs/SERVING.md). Binds 127.0.0.1 unless\n"
                 "--listen says otherwise. SIGHUP reloads the catalogue; SIGINT/SIGTERM stop it\n"
                 "cleanly.");
  cmd.with_db();
  const serving::ServiceOptions defaults;  // the in-process hook's: one source for both
  cmd.add_options()("listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
                    "address and port (port 0 picks a free one)")(
      "threads", po::value<int>()->default_value(0), "HTTP threads (0 = one per core)")(
      "admin-token-file", po::value<std::string>(),
      "file holding the admin bearer token (else $KEYART_ADMIN_TOKEN; none disables admin)")(
      "api-key-file", po::value<std::string>(),
      "file of API keys, one a line: decide, page and reward then need one (header "
      "Ocp-Apim-Subscription-Key or 'Authorization: Bearer'); SIGHUP re-reads it")(
      "insecure", "listen on an address other than loopback without API keys")(
      "routes", "print the routes the API serves (METHOD PATH, one a line) and exit")(
      "flush-interval",
      po::value<std::string>()->default_value(format_duration_ms(defaults.writer.flush_interval_ms)),
      "decisions reach the ledger within this")(
      "queue", po::value<size_t>()->default_value(defaults.writer.queue_capacity),
      "ledger queue bound (events)")(
      "when-full", po::value<std::string>()->default_value("block"),
      "block (briefly) or shed when the ledger queue is full")(
      "catalog-poll",
      po::value<std::string>()->default_value(format_duration_ms(defaults.catalog_poll_ms)),
      "look this often for catalogue changes made by other commands and reload on one "
      "(0 = only on SIGHUP or /v1/admin/reload)")(
      "snapshot-interval",
      po::value<std::string>()->default_value(format_duration_ms(defaults.snapshot_interval_ms)),
      "save the models this often (0 = only on shutdown and on request)")(
      "max-body", po::value<size_t>()->default_value(64 * 1024), "largest request body (bytes)")(
      "access-log", po::value<std::string>(), "write one JSON line per request here ('-' = stderr)")(
      "log-sample", po::value<double>()->default_value(1.0), "share of requests logged (0..1)")(
      "no-restore", "start with fresh models instead of the snapshot and ledger")(
      "model-from", po::value<std::string>(),
      "self: learn in this process (the default on SQLite); ledger: only decide and log, "
      "and follow the models keyart train publishes (the default on PostgreSQL)")(
      "model-poll", po::value<std::string>()->default_value(format_duration_ms(defaults.model_poll_ms)),
      "with --model-from ledger: how often to look for a newer model")(
      "trainer-stale",
      po::value<std::string>()->default_value(format_duration_ms(defaults.trainer_stale_ms)),
      "with --model-from ledger: /healthz says degraded when no newer model came for this long")(
      "personalizer-title", po::value<std::string>(),
      "serve the Personalizer v1.0 API (/personalizer/v1.0/rank, .../events/{id}/reward and "
      "/activate) with this title as its application (created if new); its actions become "
      "the title's external variants")(
      "personalizer-reward", po::value<std::string>(),
      "the reward kind Personalizer rewards are recorded as (default: the reward "
      "definition's first kind)")(
      "profiles", "learn each viewer's tastes from the plays recorded (POST /v1/plays) and "
      "supply them to decisions whose request does not carry them (docs/PROFILES.md)")(
      "profile-half-life",
      po::value<std::string>()->default_value(
          format_duration_ms(defaults.profiles.arithmetic.half_life_ms)),
      "with --profiles: a viewing counts half as much this much later")(
      "profile-capacity", po::value<size_t>()->default_value(defaults.profiles.capacity),
      "with --profiles: viewers held in memory (the rest are rebuilt from the ledger on use)")(
      "profile-tastes", po::value<std::string>()->default_value("shares"),
      "with --profiles: 'shares' (each actor's and genre's share of the viewer's viewing) or "
      "'fitted' (tastes fitted to the viewer's viewing against everyone's, on a thread of "
      "their own; everyone's viewing is measured from the ledger when it never was: "
      "keyart viewer population measures it again) (docs/PROFILES.md)");
  add_learner_flags(cmd, true);
  if (!cmd.parse(args)) return kExitOk;
  if (cmd.has("routes")) {
    for (const auto& r : serving::api_routes()) std::cout << r.method << " " << r.path << "\n";
    return kExitOk;
  }

  auto [host, port] = parse_listen(cmd.get<std::string>("listen"));
  serving::ServiceOptions options;
  options.ledger_path = cmd.db_path();
  options.files_dir = cmd.files_dir();
  options.learner = learner_flags(cmd);
  options.writer.flush_interval_ms =
      static_cast<int>(parse_duration_ms(cmd.get<std::string>("flush-interval"), "flush-interval"));
  options.writer.queue_capacity = cmd.get<size_t>("queue");
  std::string when_full = cmd.get<std::string>("when-full");
  if (when_full != "block" && when_full != "shed") {
    throw UsageError("--when-full must be block or shed");
  }
  options.writer.when_full = when_full == "shed" ? serving::WriterOptions::WhenFull::kShed
                                                 : serving::WriterOptions::WhenFull::kBlock;
  options.snapshot_interval_ms =
      parse_duration_ms(cmd.get<std::string>("snapshot-interval"), "snapshot-interval");
  options.restore = !cmd.has("no-restore");
  options.catalog_poll_ms = parse_duration_ms(cmd.get<std::string>("catalog-poll"), "catalog-poll");
  std::string model_from = cmd.has("model-from") ? cmd.get<std::string>("model-from")
                           : ledger::is_server_ledger(options.ledger_path) ? "ledger"
                                                                           : "self";
  if (model_from != "self" && model_from != "ledger") {
    throw UsageError("--model-from must be self or ledger");
  }
  options.model_source = model_from == "ledger" ? serving::ServiceOptions::ModelSource::kLedger
                                                : serving::ServiceOptions::ModelSource::kSelf;
  options.model_poll_ms =
      static_cast<int>(parse_duration_ms(cmd.get<std::string>("model-poll"), "model-poll"));
  if (options.model_poll_ms < 1) throw UsageError("--model-poll must be at least 1ms");
  options.trainer_stale_ms = parse_duration_ms(cmd.get<std::string>("trainer-stale"), "trainer-stale");
  options.profiles.enabled = cmd.has("profiles");
  options.profiles.arithmetic.half_life_ms =
      parse_duration_ms(cmd.get<std::string>("profile-half-life"), "profile-half-life");
  if (options.profiles.arithmetic.half_life_ms < 1) {
    throw UsageError("--profile-half-life must be positive");
  }
  options.profiles.arithmetic.fitted =
      parse_profile_tastes(cmd.get<std::string>("profile-tastes"), options.profiles.enabled);
  options.profiles.capacity = cmd.get<size_t>("profile-capacity");
  if (options.profiles.capacity < 1) throw UsageError("--profile-capacity must be at least 1");
  double sample = cmd.get<double>("log-sample");
  if (!(sample >= 0 && sample <= 1)) throw UsageError("--log-sample must be between 0 and 1");

  serving::ApiOptions api;
  if (cmd.has("personalizer-title")) {
    api.personalizer_title = cmd.get<std::string>("personalizer-title");
    ledger::require_valid_id("title", api.personalizer_title);
    api.personalizer_reward_kind = cmd.has("personalizer-reward")
                                       ? cmd.get<std::string>("personalizer-reward")
                                       : options.learner.rewards.kind(0);
    if (options.learner.rewards.index(api.personalizer_reward_kind) < 0) {
      throw UsageError("--personalizer-reward '" + api.personalizer_reward_kind +
                       "' is not a kind of the reward definition (" +
                       options.learner.rewards.to_string() + ")");
    }
  } else if (cmd.has("personalizer-reward")) {
    throw UsageError("--personalizer-reward needs --personalizer-title");
  }
  if (cmd.has("admin-token-file")) {
    api.admin_token = read_token(cmd.get<std::string>("admin-token-file"));
  } else if (const char* env = std::getenv("KEYART_ADMIN_TOKEN"); env && *env) {
    api.admin_token = env;
  }
  std::shared_ptr<serving::ApiKeys> api_keys;
  if (cmd.has("api-key-file")) {
    api_keys = std::make_shared<serving::ApiKeys>(read_api_keys(cmd.get<std::string>("api-key-file")));
    api.api_keys = api_keys;
  } else if (!is_loopback(host) && !cmd.has("insecure")) {
    throw UsageError("--listen " + host + " is not a loopback address: give --api-key-file so "
                     "that only clients with a key decide, or --insecure to serve anyone");
  }
  std::ofstream log_file;
  if (cmd.has("access-log")) {
    std::string target = cmd.get<std::string>("access-log");
    if (target == "-") {
      api.access_log = &std::cerr;
    } else {
      log_file.open(target, std::ios::app);
      if (!log_file) throw CommandError("cannot open the access log '" + target + "'");
      api.access_log = &log_file;
    }
    api.access_log_sample = sample;
  }

  // Every thread started from here on inherits the blocked signals; this
  // thread then waits for them (SIGHUP: reload the catalogue).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Listening comes first, so probes get answers while the ledger is opened
  // and replayed: /livez 200, /readyz 503 until the service takes over.
  serving::MetricsRegistry registry;
  serving::register_process_metrics(registry);
  serving::HttpHandler starting = serving::make_starting_handler(
      registry, options.model_source == serving::ServiceOptions::ModelSource::kSelf
                    ? "loading the models and replaying the ledger"
                    : "loading the trainer's model");
  serving::HttpHandler api_handler;
  std::atomic<const serving::HttpHandler*> handler{&starting};
  std::unique_ptr<serving::Service> service;  // destroyed after the server has stopped
  serving::HttpServerOptions http;
  http.address = host;
  http.port = port;
  http.threads = cmd.get<int>("threads");
  http.max_body_bytes = cmd.get<size_t>("max-body");
  serving::HttpServer server(http, [&handler](serving::HttpRequest&& req,
                                              serving::Responder respond) {
    (*handler.load(std::memory_order_acquire))(std::move(req), std::move(respond));
  });
  server.start();
  std::cout << "keyart serve: starting on http://" << host << ":" << server.port()
            << " (/livez answers; /readyz says ready once the models are loaded)" << std::endl;
  try {
    if (!api.personalizer_title.empty()) {
      auto ledger = ledger::Ledger::open(options.ledger_path, {.files_dir = options.files_dir});
      if (!ledger::find_title(ledger, api.personalizer_title)) {
        ledger::add_title(ledger, {.title_id = api.personalizer_title,
                                   .name = "Personalizer application " + api.personalizer_title});
        std::cout << "keyart serve: created title '" << api.personalizer_title
                  << "' for the Personalizer API" << std::endl;
      }
    }
    service = serving::Service::open(options);
  } catch (...) {
    server.stop();
    throw;
  }
  api_handler = serving::make_api_handler(*service, registry, api);
  handler.store(&api_handler, std::memory_order_release);
  std::cout << "keyart serve: listening on http://" << host << ":" << server.port() << " ("
            << server.threads() << " threads, admin " << (api.admin_token.empty() ? "off" : "on")
            << ", API keys " << (api_keys ? std::to_string(api_keys->size()) : std::string("off"))
            << "); " << service->describe() << std::endl;

  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received != SIGHUP) break;
    try {
      service->reload();
      std::cout << "keyart serve: SIGHUP, catalogue reloaded: " << service->describe() << std::endl;
    } catch (const std::exception& e) {
      std::cout << "keyart serve: SIGHUP, reload failed (serving the previous catalogue): "
                << e.what() << std::endl;
    }
    if (api_keys) {
      try {
        api_keys->replace(read_api_keys(cmd.get<std::string>("api-key-file")));
        std::cout << "keyart serve: SIGHUP, " << api_keys->size() << " API keys read" << std::endl;
      } catch (const std::exception& e) {
        std::cout << "keyart serve: SIGHUP, API keys kept as they were: " << e.what() << std::endl;
      }
    }
  }
  std::cout << "keyart serve: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << ", stopping: finishing requests, draining the ledger queue"
            << (options.model_source == serving::ServiceOptions::ModelSource::kSelf
                    ? ", saving the models"
                    : "")
            << std::endl;
  server.stop();
  service->shutdown();
  serving::ServiceStats stats = service->stats();
  std::cout << "keyart serve: stopped after " << stats.decisions << " decisions and "
            << stats.rewards + stats.rewards_deferred << " rewards; ledger has " << stats.writer.exposures_committed
            << " exposures and " << stats.writer.rewards_committed
            << " rewards from this run; " << stats.writer.shed + stats.writer.dropped
            << " events not recorded" << std::endl;
  return kExitOk;
}

}  // namespace keyart::cli
