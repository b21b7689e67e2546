// keyart ledger copy and prune end to end, on both backends: a copy killed
// with SIGKILL halfway leaves the destination empty (and copying again
// works); a copy into a ledger that holds data is refused; prune's refusals
// are one line with exit 1, a bad date is a usage error.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/ledger.h"
#include "support/ledger_dump.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::run_keyart;
using testing::TempDir;
using testing::TestLedger;

// A SQLite ledger with a simulated experiment of n impressions.
std::string simulated_ledger(const TempDir& dir, int n) {
  const std::string db = (dir / "source.db").string();
  const std::string workload = (dir / "wl.jsonl").string();
  auto gen = run_keyart({"sim", "generate", "--n", std::to_string(n), "--users", "5000",
                         "--seed", "2", "--out", workload});
  EXPECT_EQ(gen.exit_code, 0) << gen.err;
  auto ab = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "ab", "-a",
                        "control=fixed:default", "-a", "b=uniform", "--per-day", "40000"});
  EXPECT_EQ(ab.exit_code, 0) << ab.err;
  return db;
}

TEST(LedgerCli, CopyKilledHalfwayLeavesTheDestinationEmpty) {
  TempDir dir;
  const std::string source = simulated_ledger(dir, 120'000);
  TestLedger target(dir, "target");
  {
    testing::BackgroundKeyart copy(
        {"ledger", "copy", "--from", source, "--to", target.target()});
    bool midway = false;
    for (int i = 0; i < 6000 && !midway; ++i) {
      midway = copy.err().find("copying exposures: 100000 rows") != std::string::npos;
      if (!midway) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(midway) << copy.err();
    copy.signal(SIGKILL);
    EXPECT_EQ(copy.wait(10'000), 128 + SIGKILL);
  }
  {
    ledger::Ledger ledger = ledger::Ledger::open(target.target(), {.read_only = true});
    EXPECT_TRUE(ledger::list_titles(ledger).empty());
    EXPECT_EQ(ledger::count_exposures(ledger), 0);
  }
  auto again = run_keyart({"ledger", "copy", "--from", source, "--to", target.target(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto out = nlohmann::json::parse(again.out);
  EXPECT_EQ(out["tables"][10]["table"], "exposures");
  EXPECT_EQ(out["tables"][10]["rows"], 120'000);
  // The copy reports the same as its source.
  auto a = run_keyart({"report", "experiment", "ab", "--db", source, "--format", "csv"});
  auto b = run_keyart({"report", "experiment", "ab", "--db", target.target(), "--format", "csv"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(LedgerCli, CopyIntoALedgerWithDataIsRefused) {
  TempDir dir;
  TestLedger source(dir, "source");
  TestLedger target(dir, "target");
  ASSERT_EQ(run_keyart({"title", "add", "s1", "--name", "S", "--db", source.target()}).exit_code, 0);
  ASSERT_EQ(run_keyart({"title", "add", "t1", "--name", "T", "--db", target.target()}).exit_code, 0);
  std::string before = testing::dump_ledger(target.target());
  auto r = run_keyart({"ledger", "copy", "--from", source.target(), "--to", target.target()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("copy only into an empty ledger"), std::string::npos) << r.err;
  EXPECT_EQ(testing::dump_ledger(target.target()), before);
}

TEST(LedgerCli, PruneSaysWhatItRemovedAndRefusesWhatItMustNot) {
  TempDir dir;
  TestLedger where(dir);
  const std::string db = where.target();
  ASSERT_EQ(run_keyart({"title", "add", "t1", "--name", "T", "--db", db}).exit_code, 0);
  auto bad = run_keyart({"ledger", "prune", "--before", "yesterday", "--db", db});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  auto odd = run_keyart({"ledger", "prune", "--before", "2026-01-02T10:00:00Z", "--db", db});
  EXPECT_EQ(odd.exit_code, 1);
  EXPECT_NE(odd.err.find("midnight"), std::string::npos) << odd.err;
  auto ok = run_keyart({"ledger", "prune", "--before", "2026-01-02", "--db", db, "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["exposures"], 0);
  ASSERT_EQ(run_keyart({"experiment", "create", "e1", "--name", "E", "--arm", "a=uniform@0.5",
                        "--arm", "b=uniform@0.5", "--start", "--db", db})
                .exit_code,
            0);
  auto busy = run_keyart({"ledger", "prune", "--before", "2099-01-01", "--db", db});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("experiment 'e1' is running"), std::string::npos) << busy.err;
}

}  // namespace
}  // namespace keyart
