// The in-process serving hook: Service::decide() for one impression with 8
// candidate variants and the default feature layout (catalogue lookup, arm
// assignment, feature building, policy, event id, exposure queued for the
// ledger writer), Service::decide_page() for a page of every title (per
// tile: the same steps, in page order, with and without the same-actor
// rule), and Service::reward(). Reports p50/p99 per call besides
// Google Benchmark's mean, and total_cpu_us: the whole process's CPU per
// decision (the ledger writer committing them included, up to flush(); the
// *_learning runs close each reward window within the run and count the
// expirer learning every decision too); and decide() with the viewers'
// tastes from their profiles (BM_DecideWithProfiles). ->Threads(2) gives
// throughput on both cores.
//
//   build/release/benchmarks/bench_serving_decide
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include <time.h>

#include "sqlite.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"
#include "keyart/serving/service.h"

namespace {

namespace fs = std::filesystem;
using namespace keyart;

constexpr int kTitles = 20;
constexpr int kVariants = 8;
const char* kStyles[] = {"closeup", "group", "landscape", "text_heavy", "dark", "bright"};
const char* kColors[] = {"red", "blue", "green", "purple", "orange", "teal"};

std::string make_ledger(const std::string& policy) {
  fs::path dir = fs::temp_directory_path() / ("keyart-bench-serving-" + policy.substr(0, 6));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string path = (dir / "ledger.db").string();
  auto ledger = ledger::Ledger::open(path);
  ledger::Transaction tx(ledger);
  std::mt19937 rng(1);
  for (int t = 0; t < kTitles; ++t) {
    std::string title = "t" + std::to_string(t);
    ledger::add_title(ledger, {.title_id = title, .name = title, .genres = {"drama"}});
    for (int v = 1; v <= kVariants; ++v) {
      std::string record = R"({"arm_features":{"featured_actor":"a)" +
                           std::to_string(rng() % 200) + R"(","style":")" +
                           kStyles[rng() % 6] + R"(","color":")" + kColors[rng() % 6] +
                           R"(","brightness":0.6,"n_faces":1,"face_area":0.3,)"
                           R"("text_area":0.05,"colorfulness":0.5}})";
      ledger::add_variant(ledger,
                               {.variant_id = title + "-v" + std::to_string(v), .title_id = title,
                                .kind = "external"},
                               ledger::VariantFeatures{.extractor_version = "bench",
                                                            .features_json = record});
    }
  }
  ledger::create_experiment(
      ledger, {.experiment_id = "e1", .name = "bench",
               .arms = {{.arm_id = "bandit", .policy_spec = policy, .traffic_share = 1.0}}});
  ledger::start_experiment(ledger, "e1");
  tx.commit();
  return path;
}

serving::DecideRequest request(uint64_t i) {
  serving::DecideRequest r;
  r.unit_id = "user-" + std::to_string(i % 50000);
  r.title_id = "t" + std::to_string(i % kTitles);
  r.context.set("device", i % 3 ? "tv" : "mobile").set("country", "KR").set("hour", double(i % 24));
  r.user.set("actor_a" + std::to_string(i % 200), 0.9)
      .set("actor_a" + std::to_string((i * 7) % 200), 1.3)
      .set("genre_g07", 1.05)
      .set("activity", 1.3);
  return r;
}

struct Shared {
  std::unique_ptr<serving::Service> service;
};
Shared shared;

// CPU time of the whole process (every thread: callers, ledger writer,
// expirer), for the total cost of a decision.
double process_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

// Per-thread percentiles, averaged over threads by Google Benchmark.
void report_percentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] =
      benchmark::Counter(micros[micros.size() / 2], benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] =
      benchmark::Counter(micros[micros.size() * 99 / 100], benchmark::Counter::kAvgThreads);
}

// The reward window: kPastTheRun keeps every decision pending until after
// the run (the decide path alone); kLearning closes each within the run, as
// on a node all day (and as scripts/load_http.sh runs keyart), and the run's
// CPU is counted until the expirer has learned every decision.
constexpr int64_t kPastTheRun = 60'000, kLearning = 1'000;

// After a run: its exposures committed and, with kLearning, its decisions
// learned (sleeping meanwhile, so only the work is counted).
void settle(serving::Service& service, int64_t wait_ms) {
  service.flush();
  if (wait_ms != kLearning) return;
  while (service.stats().pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void BM_Decide(benchmark::State& state, const std::string& policy, int64_t wait_ms) {
  if (state.thread_index() == 0) {
    std::string path = make_ledger(policy);
    serving::ServiceOptions o;
    o.ledger_path = path;
    o.learner.seed = 1;
    o.learner.wait_ms = wait_ms;
    shared.service = serving::Service::open(o);
  }
  // Prepared outside the timed loop: the caller's request object.
  std::vector<serving::DecideRequest> requests;
  for (uint64_t i = 0; i < 4096; ++i) requests.push_back(request(i * 31 + state.thread_index()));
  std::vector<double> micros;
  micros.reserve(1 << 20);
  size_t i = 0;
  const double cpu_start = process_cpu_us();
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto d = shared.service->decide(requests[i++ & 4095]);
    benchmark::DoNotOptimize(d);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  report_percentiles(state, micros);
  if (state.thread_index() == 0) {
    // Every thread's CPU, the ledger writer's commits of these decisions
    // included (with ->Threads(2) the other caller's share is counted too,
    // and so are its decisions).
    settle(*shared.service, wait_ms);
    state.counters["total_cpu_us"] = benchmark::Counter(
        (process_cpu_us() - cpu_start) / double(state.iterations() * state.threads()));
    shared.service->shutdown();
    shared.service.reset();
  }
}
BENCHMARK_CAPTURE(BM_Decide, linucb, std::string("linucb:alpha=1"), kPastTheRun)->Threads(1)->Threads(2)->UseRealTime();

// Decisions whose tastes come from the viewers' profiles (keyart serve
// --profiles) against the same decisions with the same tastes given in the
// request: hybrid LinUCB, every viewer with 20 plays recorded beforehand
// (titles of 4 cast members), its profile in memory. Arg 0: the requests
// carry no actor_*/genre_* features, the profiles supply them; arg 1: the
// profiles are off and each request carries what its viewer's profile
// supplied (read once, beforehand). The difference is what a profile costs
// a decision (goal: under 1 us). Args 2 and 3: the same with fitted tastes
// (--profile-tastes fitted; every viewer fitted before the timed loop).
void BM_DecideWithProfiles(benchmark::State& state) {
  const bool tastes_in_request = state.range(0) % 2 == 1;
  const bool fitted = state.range(0) >= 2;
  std::string path = make_ledger("hybrid-linucb");
  {
    auto ledger = ledger::Ledger::open(path);
    ledger::Transaction tx(ledger);
    for (int t = 0; t < kTitles; ++t) {
      for (int c = 0; c < 4; ++c) {
        const int actor = (t * 13 + c * 51) % 200;
        ledger::add_cast_member(ledger, {.title_id = "t" + std::to_string(t),
                                         .actor_id = "a" + std::to_string(actor),
                                         .actor_name = "Actor " + std::to_string(actor),
                                         .billing_order = c + 1,
                                         .role = c == 0 ? "lead" : c < 3 ? "supporting" : "minor"});
      }
    }
    tx.commit();
  }
  serving::ServiceOptions o;
  o.ledger_path = path;
  o.learner.seed = 1;
  o.learner.wait_ms = 60'000;
  o.profiles.enabled = true;
  o.profiles.arithmetic.fitted = fitted;
  std::vector<serving::DecideRequest> requests;
  const int64_t now = 1'800'000'000'000;
  {
    auto service = serving::Service::open(o);
    std::vector<serving::PlayReport> plays;
    for (uint64_t i = 0; i < 4096; ++i) {
      serving::DecideRequest r = request(i * 31);
      r.user = {};
      r.user.set("activity", 1.3);
      r.now_ms = now;
      for (int p = 0; p < 20; ++p) {
        plays.push_back({r.unit_id, "t" + std::to_string((i * 7 + p * 3) % kTitles),
                         now - (p + 1) * 86'400'000LL, 1000.0 * p, p % 3 == 0});
      }
      requests.push_back(std::move(r));
    }
    service->record_plays(plays, now);
    if (fitted) {
      for (const auto& r : requests) service->decide(r);  // queues every viewer's fit
      service->wait_profiles_fitted();
    }
    if (tastes_in_request) {
      for (auto& r : requests) {
        serving::DecideRequest probe = r;
        probe.preview = true;
        for (const auto& t : service->decide(probe).tastes) r.user.set(t.feature, t.value);
      }
    }
    service->shutdown();
  }
  o.profiles.enabled = !tastes_in_request;
  o.profiles.arithmetic.fitted = fitted && !tastes_in_request;
  auto service = serving::Service::open(o);
  for (const auto& r : requests) service->decide(r);  // profiles in memory, models warm
  service->wait_profiles_fitted();
  std::vector<double> micros;
  micros.reserve(1 << 20);
  size_t i = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto d = service->decide(requests[i++ & 4095]);
    benchmark::DoNotOptimize(d);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  report_percentiles(state, micros);
  size_t features = 0;
  for (const auto& r : requests) features += r.user.size();
  state.counters["request_features"] = static_cast<double>(features) / requests.size();
  const auto stats = service->stats().profiles;
  if (stats.viewers > 0) {
    state.counters["bytes_per_viewer"] =
        static_cast<double>(stats.bytes) / static_cast<double>(stats.viewers);
  }
  service->shutdown();
}
BENCHMARK(BM_DecideWithProfiles)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_Decide, hybrid_linucb, std::string("hybrid-linucb"), kPastTheRun)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_Decide, hybrid_linucb_learning, std::string("hybrid-linucb"), kLearning)->Threads(1)->UseRealTime();
BENCHMARK_CAPTURE(BM_Decide, linear_thompson, std::string("lints"), kPastTheRun)->Threads(1)->UseRealTime();
BENCHMARK_CAPTURE(BM_Decide, uniform, std::string("uniform"), kPastTheRun)->Threads(1)->UseRealTime();

// A page of all kTitles titles for one viewer; items are tiles (decisions).
void BM_DecidePage(benchmark::State& state, std::optional<int> max_same_actor, int64_t wait_ms) {
  std::string path = make_ledger("hybrid-linucb");
  serving::ServiceOptions o;
  o.ledger_path = path;
  o.learner.seed = 1;
  o.learner.wait_ms = wait_ms;
  auto service = serving::Service::open(o);
  std::vector<serving::DecidePageRequest> pages;
  for (uint64_t i = 0; i < 512; ++i) {
    serving::DecideRequest single = request(i * 31);
    serving::DecidePageRequest p;
    p.unit_id = single.unit_id;
    p.context = single.context;
    p.user = single.user;
    p.max_same_actor = max_same_actor;
    for (int t = 0; t < kTitles; ++t) p.impressions.push_back({.title_id = "t" + std::to_string(t)});
    pages.push_back(std::move(p));
  }
  std::vector<double> micros;
  size_t i = 0;
  const double cpu_start = process_cpu_us();
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto d = service->decide_page(pages[i++ & 511]);
    benchmark::DoNotOptimize(d);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kTitles);
  report_percentiles(state, micros);
  settle(*service, wait_ms);
  state.counters["total_cpu_us_per_tile"] = benchmark::Counter(
      (process_cpu_us() - cpu_start) / double(state.iterations() * kTitles));
  service->shutdown();
}
BENCHMARK_CAPTURE(BM_DecidePage, hybrid_linucb, std::nullopt, kPastTheRun)->UseRealTime();
BENCHMARK_CAPTURE(BM_DecidePage, hybrid_linucb_learning, std::nullopt, kLearning)->UseRealTime();
BENCHMARK_CAPTURE(BM_DecidePage, hybrid_linucb_max_same_actor_1, std::optional<int>(1), kPastTheRun)->UseRealTime();

void BM_Reward(benchmark::State& state) {
  std::string path = make_ledger("linucb:alpha=1");
  serving::ServiceOptions o;
  o.ledger_path = path;
  o.learner.wait_ms = 60'000;
  auto service = serving::Service::open(o);
  std::vector<std::string> events;
  for (uint64_t i = 0; i < 200000; ++i) events.push_back(service->decide(request(i)).event_id);
  size_t i = 0;
  for (auto _ : state) {
    auto r = service->reward(events[i++ % events.size()], "click", 1.0);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  service->shutdown();
}
BENCHMARK(BM_Reward);

}  // namespace
