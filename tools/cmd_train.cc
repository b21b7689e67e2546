// keyart train: the trainer of a deployment whose serving nodes take their
// model from the ledger (training/trainer.h). It follows the ledger, learns,
// publishes a model version every --publish-interval and a checkpoint every
// --checkpoint-interval, and answers GET /healthz and GET /metrics on
// --listen, until SIGINT or SIGTERM (then it publishes and checkpoints what
// it learned last and stops).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "learner_flags.h"
#include "keyart/serving/http_server.h"
#include "keyart/serving/metrics.h"
#include "keyart/training/trainer.h"

namespace keyart::cli {

namespace {

// What /healthz says of the trainer: lagging when it holds more unlearned
// events than it learned in the last publish interval's worth of steps (it
// is not keeping up), or when publishing fails.
nlohmann::json health(const training::TrainerStatus& st, int64_t now, const std::string& error) {
  nlohmann::json out = {
      {"status", error.empty() ? "ok" : "failing"},
      {"lag_events", st.lag_events()},
      {"learned", {{"exposure_id", st.learned.last_exposure_id},
                   {"reward_id", st.learned.last_reward_id}}},
      {"head", {{"exposure_id", st.head.last_exposure_id}, {"reward_id", st.head.last_reward_id}}},
      {"published_version", st.published_version},
      {"published_age_ms", st.published_at_ms > 0 ? now - st.published_at_ms : -1},
      {"checkpoint_id", st.checkpoint_id},
      {"checkpoint_age_ms", st.checkpoint_at_ms > 0 ? now - st.checkpoint_at_ms : -1},
      {"learners", st.learners},
      {"pending", st.pending}};
  if (!error.empty()) out["error"] = error;
  return out;
}

}  // namespace

int cmd_train(Args args) {
  Subcommand cmd("train", "[--db URI] [--publish-interval 2s] [--listen HOST:PORT] [options]",
                 "Follows the ledger the serving nodes write, learns every decision and reward\n"
                 "exactly as one node would, and publishes a model version into the ledger\n"
                 "every --publish-interval for the nodes to pull (keyart serve --model-from\n"
                 "ledger). Restartable: it resumes from its last checkpoint. GET /healthz and\n"
                 "GET /metrics report its lag. Stops cleanly on SIGINT/SIGTERM.");
  cmd.with_db();
  add_learner_flags(cmd, false);
  cmd.add_options()("publish-interval", po::value<std::string>()->default_value("2s"),
                    "publish a model version this often")(
      "checkpoint-interval", po::value<std::string>()->default_value("30s"),
      "store the whole trainer state (pending decisions too) this often; a restart "
      "resumes from the last one")(
      "lateness", po::value<std::string>()->default_value("10s"),
      "the trainer's clock runs this far behind the newest exposure, so events committed "
      "that much later are still learned in order")(
      "poll-interval", po::value<std::string>()->default_value("50ms"),
      "how often to look for new events when caught up")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:9090"),
      "address and port of /healthz and /metrics (port 0 picks a free one)")(
      "once", "learn what the ledger holds, publish it and exit (no HTTP)")(
      "no-resume", "start from fresh learners instead of the last published model");
  if (!cmd.parse(args)) return kExitOk;

  training::TrainerOptions options;
  options.learner = learner_flags(cmd);
  options.lateness_ms = parse_duration_ms(cmd.get<std::string>("lateness"), "lateness");
  options.resume = !cmd.has("no-resume");
  const int64_t publish_ms =
      parse_duration_ms(cmd.get<std::string>("publish-interval"), "publish-interval");
  const int64_t poll_ms = parse_duration_ms(cmd.get<std::string>("poll-interval"), "poll-interval");
  const int64_t checkpoint_ms =
      parse_duration_ms(cmd.get<std::string>("checkpoint-interval"), "checkpoint-interval");
  if (publish_ms < 1) throw UsageError("--publish-interval must be at least 1ms");
  if (checkpoint_ms < 1) throw UsageError("--checkpoint-interval must be at least 1ms");
  if (poll_ms < 1) throw UsageError("--poll-interval must be at least 1ms");
  auto [host, port] = parse_listen(cmd.get<std::string>("listen"));

  // Like serve, never a new empty ledger: a trainer needs the nodes' one.
  training::Trainer trainer(
      ledger::Ledger::open(cmd.db_path(), {.create = false, .files_dir = cmd.files_dir()}),
      options);
  if (cmd.has("once")) {
    trainer.step();
    int64_t version = trainer.publish();
    trainer.checkpoint();
    training::TrainerStatus st = trainer.status();
    std::cout << "keyart train: learned " << st.exposures << " exposures and "
              << st.rewards_joined << " rewards; published model version " << version
              << std::endl;
    return kExitOk;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::mutex error_mu;
  std::string last_error;
  std::atomic<uint64_t> publishes{0}, failures{0};
  serving::MetricsRegistry registry;
  serving::register_process_metrics(registry);
  training::TrainerStatus st;
  registry.collect([&] { st = trainer.status(); });
  registry.gauge("keyart_trainer_lag_events", "events in the ledger not learned yet",
                 [&] { return static_cast<double>(st.lag_events()); });
  registry.counter_from("keyart_trainer_exposures_learned_total", "exposures recorded for learning",
                        [&] { return st.exposures; });
  registry.counter_from("keyart_trainer_exposures_skipped_total",
                        "exposures no learner can replay (fallbacks, unknown variants)",
                        [&] { return st.skipped; });
  registry.counter_from("keyart_trainer_rewards_joined_total", "rewards joined to their decision",
                        [&] { return st.rewards_joined; });
  registry.counter_from("keyart_trainer_rewards_unjoined_total",
                        "rewards read after their window closed, duplicates, unknown kinds",
                        [&] { return st.rewards_unjoined; });
  registry.gauge("keyart_trainer_published_version", "the newest published model version",
                 [&] { return static_cast<double>(st.published_version); });
  registry.gauge("keyart_trainer_clock_ms", "windows ending at or before it are closed",
                 [&] { return static_cast<double>(std::max<int64_t>(st.clock_ms, 0)); });
  registry.gauge("keyart_trainer_pending_decisions", "decisions waiting for their window to close",
                 [&] { return static_cast<double>(st.pending); });
  registry.counter_from("keyart_trainer_publishes_total", "models published",
                        [&] { return publishes.load(); });
  registry.counter_from("keyart_trainer_failures_total", "steps or publishes that failed",
                        [&] { return failures.load(); });

  serving::HttpServerOptions http;
  http.address = host;
  http.port = port;
  http.threads = 1;
  serving::HttpServer server(http, [&](serving::HttpRequest&& req, serving::Responder respond) {
    std::string path = req.target.substr(0, req.target.find('?'));
    if (req.method != "GET") return respond(serving::json_error(405, "only GET is served here"));
    if (path == "/metrics") {
      serving::HttpResponse r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = registry.render();
      return respond(std::move(r));
    }
    if (path == "/healthz") {
      std::string error;
      {
        std::lock_guard lock(error_mu);
        error = last_error;
      }
      serving::HttpResponse r;
      r.status = error.empty() ? 200 : 503;
      r.body = health(trainer.status(), ledger::now_ms(), error).dump();
      return respond(std::move(r));
    }
    respond(serving::json_error(404, "no such endpoint: " + path));
  });
  server.start();
  training::TrainerStatus start = trainer.status();
  std::cout << "keyart train: listening on http://" << host << ":" << server.port()
            << "; publishing every " << publish_ms << " ms; "
            << (start.checkpoint_id
                    ? "resumed from checkpoint " + std::to_string(start.checkpoint_id) +
                          " (learned to exposure " +
                          std::to_string(start.learned.last_exposure_id) + ")"
                    : std::string("starting from fresh learners"))
            << std::endl;

  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    stop = true;
  });
  using Clock = std::chrono::steady_clock;
  auto last_publish = Clock::now(), last_checkpoint = Clock::now();
  bool learned_since_publish = true, learned_since_checkpoint = true;
  auto publish = [&] {
    trainer.publish();
    ++publishes;
    learned_since_publish = false;
    last_publish = Clock::now();
  };
  auto checkpoint = [&] {
    trainer.checkpoint();
    learned_since_checkpoint = false;
    last_checkpoint = Clock::now();
  };
  while (!stop) {
    size_t read = 0;
    try {
      read = trainer.step();
      if (read > 0) learned_since_publish = learned_since_checkpoint = true;
      if (Clock::now() - last_publish >= std::chrono::milliseconds(publish_ms)) {
        if (learned_since_publish) publish();
        last_publish = Clock::now();
      }
      if (Clock::now() - last_checkpoint >= std::chrono::milliseconds(checkpoint_ms)) {
        if (learned_since_checkpoint) checkpoint();
        last_checkpoint = Clock::now();
      }
      std::lock_guard lock(error_mu);
      last_error.clear();
    } catch (const std::exception& e) {
      // The ledger went away or refused a write: keep the learners, retry.
      ++failures;
      std::lock_guard lock(error_mu);
      if (last_error != e.what()) std::cerr << "keyart train: " << e.what() << std::endl;
      last_error = e.what();
    }
    if (read == 0 && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  waiter.join();
  server.stop();
  try {
    trainer.step();
    publish();
    checkpoint();
  } catch (const std::exception& e) {
    std::cerr << "keyart train: final publish failed: " << e.what() << std::endl;
  }
  training::TrainerStatus last = trainer.status();
  std::cout << "keyart train: stopped; learned " << last.exposures << " exposures and "
            << last.rewards_joined << " rewards; last model version " << last.published_version
            << std::endl;
  return kExitOk;
}

}  // namespace keyart::cli
