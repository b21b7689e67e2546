// Fuzzes the HTTP/JSON front of the serving hook (serving/http_api.h)
// without the network: the handler keyart serve runs, over a real Service
// on a real ledger (titles t1 with an experiment and t2 on its default
// policy). Input layout (text): the first line is "METHOD TARGET" (e.g.
// "POST /v1/decide"), the rest is the body. In a body, "$EVENT" stands for
// the event id of a decision made just before (unit "fuzz", title t1), so
// rewards can reach a pending decision.
// Every request must be answered exactly once, within the reward ack
// timeout, with a JSON body and a status that is not 500 (bad input is a
// 4xx; 503 is allowed: the ledger has not committed yet). Anything else
// aborts.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/variants.h"
#include "keyart/serving/http_api.h"
#include "keyart/serving/metrics.h"
#include "keyart/serving/service.h"
#include "scratch_dir.h"

namespace {

using namespace keyart;

[[noreturn]] void finding(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "serving request: %s\ninput: %.*s\n", what.c_str(),
               static_cast<int>(std::min<size_t>(input.size(), 2000)), input.data());
  std::abort();
}

void add_title(ledger::Ledger& ledger, const std::string& id,
               const std::vector<std::string>& styles) {
  ledger::add_title(ledger, {.title_id = id, .name = "Title " + id, .genres = {"drama"}});
  int n = 0;
  for (const auto& style : styles) {
    ledger::Variant v;
    v.variant_id = id + "-v" + std::to_string(++n);
    v.title_id = id;
    v.kind = "external";
    nlohmann::json record = {{"arm_features",
                              {{"style", style},
                               {"featured_actor", "a" + std::to_string(n)},
                               {"brightness", 0.5},
                               {"n_faces", 1}}}};
    ledger::add_variant(
        ledger, v, ledger::VariantFeatures{.extractor_version = "fuzz", .features_json = record.dump()});
  }
}

constexpr int kAckTimeoutMs = 2000;

struct Harness {
  std::string path = (fuzz::scratch_dir() / "serving.db").string();
  std::unique_ptr<serving::Service> service;
  serving::MetricsRegistry registry;
  serving::HttpHandler handler;

  Harness() {
    {
      auto ledger = ledger::Ledger::open(path);
      add_title(ledger, "t1", {"closeup", "group", "landscape"});
      add_title(ledger, "t2", {"dark", "bright"});
      ledger::create_experiment(
          ledger, {.experiment_id = "e1",
                   .name = "artwork test",
                   .title_ids = {"t1"},
                   .arms = {{.arm_id = "control", .policy_spec = "fixed:t1-v1", .traffic_share = 0.5},
                            {.arm_id = "bandit", .policy_spec = "linucb:alpha=1", .traffic_share = 0.5}}});
      ledger::start_experiment(ledger, "e1");
    }
    serving::ServiceOptions o;
    o.ledger_path = path;
    o.learner.wait_ms = 500;  // pending decisions do not pile up
    o.learner.seed = 7;
    o.writer.flush_interval_ms = 2;
    o.writer.reward_commit_ms = 1;
    o.expire_interval_ms = 100;
    service = serving::Service::open(o);
    serving::ApiOptions api;
    api.admin_token = "fuzz-admin-token";
    api.reward_ack_timeout_ms = kAckTimeoutMs;
    handler = serving::make_api_handler(*service, registry, api);
  }
  ~Harness() { service->shutdown(); }

  std::string fresh_event() {
    serving::DecideRequest r;
    r.unit_id = "fuzz";
    r.title_id = "t1";
    return service->decide(r).event_id;
  }
};

struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  serving::HttpResponse response;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness harness;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  serving::HttpRequest req;
  size_t space = line.find(' ');
  req.method = std::string(line.substr(0, space));
  req.target = space == std::string_view::npos ? "/" : std::string(line.substr(space + 1));
  req.body = newline == std::string_view::npos ? "" : std::string(input.substr(newline + 1));
  req.remote = "127.0.0.1";
  req.content_type = "application/json";
  for (size_t at = req.body.find("$EVENT"); at != std::string::npos;
       at = req.body.find("$EVENT", at)) {
    std::string id = harness.fresh_event();
    req.body.replace(at, 6, id);
    at += id.size();
  }

  auto answer = std::make_shared<Answer>();
  harness.handler(std::move(req), [answer](serving::HttpResponse r) {
    std::lock_guard lock(answer->mu);
    ++answer->calls;
    answer->response = std::move(r);
    answer->cv.notify_all();
  });
  std::unique_lock lock(answer->mu);
  if (!answer->cv.wait_for(lock, std::chrono::milliseconds(kAckTimeoutMs * 3),
                           [&] { return answer->calls > 0; })) {
    finding("no answer", input);
  }
  const serving::HttpResponse& r = answer->response;
  if (r.status == 500 || r.status < 200 || r.status > 599) {
    finding("status " + std::to_string(r.status) + ": " + r.body, input);
  }
  if (r.content_type == "application/json" && !nlohmann::json::accept(r.body)) {
    finding("the answer is not JSON: " + r.body, input);
  }
  if (answer->calls != 1) finding("answered more than once", input);
  return 0;
}
