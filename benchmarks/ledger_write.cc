// Ledger write and open throughput: exposures and rewards committed in
// batches through EventWriter (the serving writer's path), with full rows,
// and the time to open a ledger holding 10 million exposures.
//
//   build/release/benchmarks/bench_ledger_write --benchmark_filter=Exposures
//   (BM_WriteExposuresWithout: the same with parts of the schema switched off)
//   KEYART_BENCH_DIR=/var/tmp build/release/benchmarks/bench_ledger_write
//       --benchmark_filter=Open10M
//   SQLite against PostgreSQL, by wall clock, alternating (the server's work
//   is in another process): scripts/bench_ledger_backends.sh BUILD_DIR
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sqlite.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/variants.h"

namespace {

namespace fs = std::filesystem;
using namespace keyart::ledger;

fs::path bench_dir() {
  const char* env = std::getenv("KEYART_BENCH_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::temp_directory_path() / "keyart-bench";
  fs::create_directories(dir);
  return dir;
}

constexpr int kTitles = 50;
constexpr int kVariantsPerTitle = 6;

// A ledger with titles, variants and a running two-arm experiment: a fresh
// SQLite file, or a PostgreSQL database (a URI) emptied first.
Ledger make_ledger(const fs::path& path) {
  Ledger ledger = [&] {
    if (is_server_ledger(path.string())) {
      Ledger old = Ledger::open(path.string());
      old.db().exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      return Ledger::open(path.string());
    }
    fs::remove(path);
    fs::remove(path.string() + "-wal");
    fs::remove(path.string() + "-shm");
    return Ledger::open(path.string());
  }();
  Transaction tx(ledger);
  for (int t = 0; t < kTitles; ++t) {
    std::string title = "t" + std::to_string(t);
    add_title(ledger, {.title_id = title, .name = "Title " + title});
    for (int v = 1; v <= kVariantsPerTitle; ++v) {
      add_variant(ledger, {.variant_id = title + "-v" + std::to_string(v), .title_id = title,
                           .kind = "external"});
    }
  }
  create_experiment(ledger, {.experiment_id = "e1",
                             .name = "bench",
                             .arms = {{.arm_id = "control", .policy_spec = "uniform",
                                       .traffic_share = 0.5},
                                      {.arm_id = "bandit", .policy_spec = "linucb:alpha=1",
                                       .traffic_share = 0.5}}});
  start_experiment(ledger, "e1");
  tx.commit();
  return ledger;
}

// A full exposure row: every column set, realistic context and candidates.
Exposure make_exposure(int64_t i) {
  Exposure e;
  e.event_id = keyart::engine::to_hex(keyart::engine::new_event_id(1'700'000'000'000 + i));
  e.ts = 1'700'000'000'000 + i;
  e.experiment_id = "e1";
  e.arm_id = i % 2 ? "bandit" : "control";
  e.unit_id = "user-" + std::to_string(i % 50000);
  int title = static_cast<int>(i % kTitles);
  e.title_id = "t" + std::to_string(title);
  e.variant_id = e.title_id + "-v" + std::to_string(1 + i % kVariantsPerTitle);
  e.position = i % 10;
  e.policy = i % 2 ? "linucb:alpha=1" : "uniform";
  e.model_version = i;
  e.propensity = 0.2 + 0.01 * static_cast<double>(i % 50);
  e.device = "tv";
  e.country = "KR";
  e.hour = i % 24;
  e.context_json =
      R"({"context":{"device":"tv","country":"KR","hour":14},"user":{"actor_a028":0.88,)"
      R"("genre_g07":1.05,"genre_g11":0.4,"activity":1.34}})";
  e.candidates_json = "[";
  for (int v = 1; v <= kVariantsPerTitle; ++v) {
    if (v > 1) e.candidates_json.append(",");
    e.candidates_json.append("\"").append(e.title_id).append("-v").append(std::to_string(v));
    e.candidates_json.append("\"");
  }
  e.candidates_json.append("]");
  return e;
}

// Times writer.write() of batches of fresh full rows (built outside the
// timed part).
void write_exposure_batches(benchmark::State& state, EventWriter& writer, int64_t batch) {
  int64_t next = 0;
  std::vector<Exposure> rows;
  for (auto _ : state) {
    state.PauseTiming();
    rows.clear();
    for (int64_t i = 0; i < batch; ++i) rows.push_back(make_exposure(next++));
    state.ResumeTiming();
    BatchResult r = writer.write(rows, {});
    if (r.exposures_written != rows.size()) state.SkipWithError("rows rejected");
  }
  state.SetItemsProcessed(next);
}

void BM_WriteExposures(benchmark::State& state) {
  fs::path path = bench_dir() / "write_exposures.db";
  Ledger ledger = make_ledger(path);
  EventWriter writer(ledger);
  write_exposure_batches(state, writer, state.range(0));
}
BENCHMARK(BM_WriteExposures)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// The same batches by wall clock, on SQLite and on the PostgreSQL database
// named by $KEYART_BENCH_POSTGRES (emptied first; skipped when unset).
void BM_WriteExposuresSqliteWall(benchmark::State& state) {
  Ledger ledger = make_ledger(bench_dir() / "write_exposures_wall.db");
  EventWriter writer(ledger);
  write_exposure_batches(state, writer, state.range(0));
}
BENCHMARK(BM_WriteExposuresSqliteWall)->Arg(1000)->Arg(10000)->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_WriteExposuresPostgres(benchmark::State& state) {
  const char* uri = std::getenv("KEYART_BENCH_POSTGRES");
  if (uri == nullptr || *uri == 0) {
    state.SkipWithError("set KEYART_BENCH_POSTGRES to a database it may empty");
    return;
  }
  Ledger ledger = make_ledger(uri);
  EventWriter writer(ledger);
  write_exposure_batches(state, writer, state.range(0));
}
BENCHMARK(BM_WriteExposuresPostgres)->Arg(1000)->Arg(10000)->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// What the ledger's integrity costs: the same writer and rows on a ledger
// with one part of the schema's work switched off (never done in keyart;
// measured so a decision to trade integrity for write rate has numbers):
//   0 foreign_keys  FK checks off (variants, arms)
//   1 report_index  the covering exposures_report index dropped
//   2 checkpoints   WAL auto-checkpoint off (left to another thread)
//   3 all_three     0 + 1 + 2
//   4 bare          0 + 2, and the rows go to a copy of the table with no
//                   constraint and no index at all (SQLite's floor here)
void BM_WriteExposuresWithout(benchmark::State& state) {
  const int what = static_cast<int>(state.range(0));
  const char* labels[] = {"foreign_keys", "report_index", "checkpoints", "all_three", "bare"};
  state.SetLabel(labels[what]);
  fs::path path = bench_dir() / "write_exposures_without.db";
  Ledger ledger = make_ledger(path);
  Database& db = ledger.db();
  if (what == 0 || what == 3 || what == 4) db.exec("PRAGMA foreign_keys = OFF");
  if (what == 1 || what == 3) db.exec("DROP INDEX exposures_report");
  if (what >= 2) db.exec("PRAGMA wal_autocheckpoint = 0");
  if (what == 4) {
    db.exec("PRAGMA legacy_alter_table = ON");
    db.exec("ALTER TABLE exposures RENAME TO exposures_full");
    db.exec("CREATE TABLE exposures AS SELECT * FROM exposures_full WHERE 0");
  }
  EventWriter writer(ledger);
  write_exposure_batches(state, writer, 10000);
}
BENCHMARK(BM_WriteExposuresWithout)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void BM_WriteRewards(benchmark::State& state) {
  const int64_t batch = state.range(0);
  fs::path path = bench_dir() / "write_rewards.db";
  Ledger ledger = make_ledger(path);
  EventWriter writer(ledger);
  // Exposures to reward, written up front.
  const int64_t pool = 2'000'000;
  std::vector<Exposure> rows;
  std::vector<std::string> ids;
  for (int64_t i = 0; i < pool; ++i) {
    rows.push_back(make_exposure(i));
    ids.push_back(rows.back().event_id);
    if (rows.size() == 10000) {
      writer.write(rows, {});
      rows.clear();
    }
  }
  int64_t next = 0;
  std::vector<Reward> rewards;
  for (auto _ : state) {
    state.PauseTiming();
    rewards.clear();
    for (int64_t i = 0; i < batch; ++i, ++next) {
      rewards.push_back({ids[next % pool], next < pool ? "click" : "play", 1.0, 1'700'000'000'000 + next});
    }
    state.ResumeTiming();
    BatchResult r = writer.write({}, rewards);
    if (r.rewards_written != rewards.size()) state.SkipWithError("rewards not written");
  }
  state.SetItemsProcessed(next);
}
BENCHMARK(BM_WriteRewards)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Builds (once, kept in KEYART_BENCH_DIR) a ledger with 10M exposures and
// 400k rewards, then times Ledger::open on it.
void BM_Open10M(benchmark::State& state) {
  fs::path path = bench_dir() / "ledger_10m.db";
  const int64_t total = 10'000'000;
  bool ready = false;
  if (fs::exists(path)) {
    Ledger existing = Ledger::open(path.string(), {.read_only = true});
    ready = count_exposures(existing) == total;
  }
  if (!ready) {
    Ledger ledger = make_ledger(path);
    EventWriter writer(ledger);
    std::vector<Exposure> rows;
    std::vector<Reward> rewards;
    for (int64_t i = 0; i < total; ++i) {
      rows.push_back(make_exposure(i));
      if (i % 25 == 0) rewards.push_back({rows.back().event_id, "click", 1, rows.back().ts + 5000});
      if (rows.size() == 10000) {
        writer.write(rows, rewards);
        rows.clear();
        rewards.clear();
      }
    }
    ledger.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  for (auto _ : state) {
    Ledger ledger = Ledger::open(path.string());
    benchmark::DoNotOptimize(ledger.schema_version());
  }
  state.counters["file_MB"] = static_cast<double>(fs::file_size(path)) / 1e6;
}
BENCHMARK(BM_Open10M)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
