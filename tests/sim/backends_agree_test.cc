// The two ledger backends hold the same data the same way: one simulated A/B
// test written into a SQLite file and into a PostgreSQL database gives
// byte-identical reports (experiment, segments, OPE), generated_at aside.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "keyart/sim/workload.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::run_keyart;
using testing::TempDir;

std::string without_generated_at(const std::string& report) {
  return std::regex_replace(report, std::regex("\"generated_at\": *\"[^\"]*\""), "");
}

TEST(BackendsAgree, SameSimulatedTestGivesByteIdenticalReports) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  sim::GeneratorOptions g;
  g.n = 4000;
  g.users = 700;
  g.titles = 20;
  g.seed = 5;
  const std::string workload = (dir / "wl.jsonl").string();
  {
    std::ofstream f(workload);
    sim::generate_workload(g, f);
  }
  const std::string sqlite = (dir / "sim.db").string();
  testing::TestLedger postgres(dir);
  for (const std::string& db : {sqlite, postgres.target()}) {
    auto run = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "ab", "-a",
                           "control=fixed:default", "-a", "bandit=linucb:alpha=0.5",
                           "--per-day", "700"});
    ASSERT_EQ(run.exit_code, 0) << db << ": " << run.err;
  }
  const std::vector<std::vector<std::string>> reports = {
      {"report", "experiment", "ab", "--format", "json"},
      {"report", "experiment", "ab", "--format", "json", "--by", "device"},
      {"report", "experiment", "ab", "--format", "json", "--analysis", "per-unit"},
      {"report", "experiment", "ab", "--format", "csv"},
      {"report", "ope", "--policy", "linucb:alpha=0.5", "--from", "ab", "--format", "json"},
  };
  for (const auto& args : reports) {
    std::vector<std::string> on_sqlite = args, on_postgres = args;
    on_sqlite.insert(on_sqlite.end(), {"--db", sqlite});
    on_postgres.insert(on_postgres.end(), {"--db", postgres.target()});
    auto a = run_keyart(on_sqlite);
    auto b = run_keyart(on_postgres);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_GT(a.out.size(), 200u);
    EXPECT_EQ(without_generated_at(a.out).find("generated_at"), std::string::npos);
    EXPECT_EQ(without_generated_at(a.out), without_generated_at(b.out)) << args[1] << " " << args[2];
  }
}

}  // namespace
}  // namespace keyart
