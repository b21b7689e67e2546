// The experiment report on a large ledger. The ledger is made (once, kept in
// KEYART_BENCH_DIR, default $TMPDIR/keyart-bench) by the generator below,
// written through the real EventWriter in batches of 10,000 as serving
// writes: KEYART_BENCH_EXPOSURES exposures (default 10 million) over 30 days
// from 1 million viewers whose activity is heavy-tailed (most come a few
// times, some hundreds), 50 titles x 6 variants, three arms (a fixed
// artwork, an epsilon-greedy policy favouring one variant, uniform; the
// logged propensities are the probabilities used), 4 devices, 10 countries, an evening
// traffic peak, rows in time order, full context and candidates JSON on every row, ~4 % clicks
// and ~1 % plays. (The simulator's `keyart sim` was not on main when this was
// written; see docs/BENCHMARKS.md.)
//
//   KEYART_BENCH_DIR=/var/tmp build/release/benchmarks/bench_report_experiment
//
// Then the whole command, with peak memory:
//   /usr/bin/time -v build/release/tools/keyart report experiment e1
//       --db /var/tmp/report_10000000.db --format json --out /dev/null
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sqlite.h"
#include "keyart/engine/event_id.h"
#include "keyart/analysis/experiment_report.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/variants.h"

namespace {

namespace fs = std::filesystem;
using namespace keyart::ledger;
namespace analysis = keyart::analysis;

constexpr int kTitles = 50, kVariants = 6, kDays = 30;
constexpr int64_t kUnits = 1'000'000;
constexpr int64_t kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
const char* const kDevices[] = {"tv", "mobile", "web", "tablet"};
const char* const kCountries[] = {"US", "GB", "DE", "FR", "BR", "IN", "JP", "KR", "MX", "ES"};
const char* const kArms[] = {"control", "greedy", "uniform"};
const char* const kPolicies[] = {"fixed:default", "epsilon-greedy:epsilon=0.5", "uniform"};

// a + b + ... by appends: GCC 12 at -O3 misreports "literal" + std::string
// chains as overlapping memcpy (-Wrestrict).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

int64_t exposures_wanted() {
  const char* env = std::getenv("KEYART_BENCH_EXPOSURES");
  return env && *env ? std::atoll(env) : 10'000'000;
}

fs::path ledger_path(int64_t n) {
  const char* env = std::getenv("KEYART_BENCH_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::temp_directory_path() / "keyart-bench";
  fs::create_directories(dir);
  return dir / cat("report_", std::to_string(n), ".db");
}

void make_catalogue(Ledger& ledger) {
  Transaction tx(ledger);
  for (int t = 0; t < kTitles; ++t) {
    const std::string title = cat("t", std::to_string(t));
    add_title(ledger, {.title_id = title, .name = cat("Title ", title)});
    for (int v = 1; v <= kVariants; ++v) {
      add_variant(ledger, {.variant_id = cat(title, "-v", std::to_string(v)), .title_id = title,
                           .kind = "external"});
    }
  }
  Experiment e{.experiment_id = "e1", .name = "Artwork policies, January"};
  for (int a = 0; a < 3; ++a) {
    e.arms.push_back({.arm_id = kArms[a], .policy_spec = kPolicies[a], .traffic_share = 1.0 / 3});
  }
  create_experiment(ledger, e);
  start_experiment(ledger, "e1", kStart - 1000);
  tx.commit();
}

// Writes n exposures in time order with their rewards.
void generate(const fs::path& path, int64_t n) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  Ledger ledger = Ledger::open(path.string());
  make_catalogue(ledger);
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> u(0, 1);
  // Heavy-tailed activity: unit = floor(kUnits * x^3) puts many draws on a few
  // low ids (heavy viewers) and one or two on most others.
  auto draw_unit = [&] { return static_cast<int64_t>(kUnits * std::pow(u(rng), 3.0)); };
  std::vector<Exposure> rows;
  std::vector<Reward> rewards;
  rows.reserve(10'000);
  const double span = static_cast<double>(kDays) * 86'400'000.0;
  for (int64_t i = 0; i < n; ++i) {
    Exposure e;
    // Times rise with i, as serving writes them (decision order); within a
    // day the traffic thickens towards the evening (hour = 24 x^0.6).
    const double position = static_cast<double>(i) / static_cast<double>(n) * kDays;
    const double day = std::floor(position);
    const double hour_fraction = std::pow(position - day, 0.6);
    e.ts = kStart + static_cast<int64_t>(std::min(span - 1, (day + hour_fraction) * 86'400'000.0));
    e.event_id = keyart::engine::to_hex(keyart::engine::new_event_id(e.ts));
    const int64_t unit = draw_unit();
    const int arm = static_cast<int>((unit * 2654435761u) % 3);
    e.experiment_id = "e1";
    e.arm_id = kArms[arm];
    e.unit_id = cat("user-", std::to_string(unit));
    const int title = static_cast<int>(u(rng) * kTitles);
    e.title_id = cat("t", std::to_string(title));
    // control shows v1; greedy shows v3 half the time, else any variant;
    // uniform any variant. Propensities are the probabilities actually used.
    int variant = 1;
    if (arm == 1 && u(rng) < 0.5) {
      variant = 3;
    } else if (arm > 0) {
      variant = 1 + static_cast<int>(u(rng) * kVariants);
    }
    e.variant_id = cat(e.title_id, "-v", std::to_string(variant));
    e.position = static_cast<int64_t>(u(rng) * 10);
    e.policy = kPolicies[arm];
    e.model_version = arm == 1 ? i / 100'000 : 0;
    e.propensity = arm == 0   ? 1.0
                   : arm == 1 ? (variant == 3 ? 0.5 + 0.5 / kVariants : 0.5 / kVariants)
                              : 1.0 / kVariants;
    const int device = static_cast<int>(unit % 4);
    const int country = static_cast<int>((unit / 4) % 10);
    e.device = kDevices[device];
    e.country = kCountries[country];
    e.hour = static_cast<int64_t>(hour_fraction * 24);
    e.context_json = cat(R"({"context":{"device":")", kDevices[device], R"(","country":")",
                         kCountries[country], R"(","hour":)", std::to_string(*e.hour),
                         R"(},"user":{"actor_a028":0.88,"genre_g07":1.05,"activity":1.34}})");
    e.candidates_json = "[";
    for (int v = 1; v <= kVariants; ++v) {
      e.candidates_json += cat(v > 1 ? ",\"" : "\"", e.title_id, "-v", std::to_string(v), "\"");
    }
    e.candidates_json += "]";
    const double ctr = 0.032 + 0.004 * arm + 0.003 * (variant % 3) + 0.006 * (device == 1);
    if (u(rng) < ctr) {
      rewards.push_back({e.event_id, "click", 1.0, e.ts + 4000});
      if (u(rng) < 0.25) rewards.push_back({e.event_id, "play", 1.0, e.ts + 9000});
    }
    rows.push_back(std::move(e));
    if (rows.size() == 10'000) {
      EventWriter(ledger).write(rows, rewards);
      rows.clear();
      rewards.clear();
    }
  }
  EventWriter(ledger).write(rows, rewards);
  stop_experiment(ledger, "e1", kStart + static_cast<int64_t>(span));
  ledger.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

fs::path ready_ledger() {
  const int64_t n = exposures_wanted();
  const fs::path path = ledger_path(n);
  if (fs::exists(path)) {
    Ledger existing = Ledger::open(path.string(), {.read_only = true});
    if (count_exposures(existing) == n) return path;
  }
  generate(path, n);
  return path;
}

void run_report(benchmark::State& state, analysis::ReportOptions options) {
  const fs::path path = ready_ledger();
  options.experiment_id = "e1";
  Ledger ledger = Ledger::open(path.string(), {.read_only = true});
  int64_t exposures = 0;
  for (auto _ : state) {
    analysis::ExperimentReport report = analysis::build_experiment_report(ledger, options);
    exposures = report.exposures;
    benchmark::DoNotOptimize(report.overall.arms.data());
  }
  state.SetItemsProcessed(state.iterations() * exposures);
  state.counters["exposures"] = static_cast<double>(exposures);
  state.counters["file_GB"] = static_cast<double>(fs::file_size(path)) / 1e9;
}

void BM_ReportWhole(benchmark::State& state) { run_report(state, {}); }
void BM_ReportByDevice(benchmark::State& state) {
  run_report(state, {.by = {analysis::SegmentBy::kDevice}});
}
void BM_ReportByHour(benchmark::State& state) {
  run_report(state, {.by = {analysis::SegmentBy::kHour}, .hour_bucket = 1});
}
void BM_ReportOneWeek(benchmark::State& state) {
  run_report(state, {.since_ms = kStart + 7 * 86'400'000LL, .until_ms = kStart + 14 * 86'400'000LL});
}
BENCHMARK(BM_ReportWhole)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_ReportByDevice)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_ReportByHour)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_ReportOneWeek)->Unit(benchmark::kSecond)->Iterations(3);

}  // namespace
