// The keyart binary end to end for the foundation commands: happy paths,
// JSON output, exit codes (0/1/2), one-line errors, and bad input that must
// leave the ledger exactly as it was.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/ledger_dump.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;
using testing::TempDir;

class Cli : public ::testing::Test {
 protected:
  TempDir dir;
  testing::TestLedger where{dir};
  std::string db = where.target();

  CommandResult run(std::vector<std::string> args) {
    args.push_back("--db");
    args.push_back(db);
    return run_keyart(args);
  }
  void ok(const std::vector<std::string>& args) {
    CommandResult r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Runs a command that must fail with `code`, a single error line mentioning
  // `needle`, and no change to the ledger.
  void fails_unchanged(const std::vector<std::string>& args, int code, const std::string& needle) {
    std::string before = testing::dump_ledger(db);
    CommandResult r = run(args);
    EXPECT_EQ(r.exit_code, code) << r.out << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("keyart: ", 0), 0u) << r.err;
    EXPECT_EQ(testing::dump_ledger(db), before);
  }
  void seed() {
    ok({"init"});
    ok({"title", "add", "t1", "--name", "The Crown", "--genre", "drama"});
    ok({"cast", "add", "--title", "t1", "--actor", "a1", "--name", "Jane", "--role", "lead"});
    ok({"experiment", "create", "e1", "--name", "first", "--arm", "control=uniform@0.5", "--arm",
        "bandit=linucb:alpha=1.0@0.5", "--title", "t1"});
  }
};

// Every command that changes what a serving node holds says when a running
// keyart serve will use it; one that changes nothing there does not.
TEST_F(Cli, CatalogueChangesSayWhenServingSeesThem) {
  ok({"init"});
  const std::string note = "a running keyart serve uses this within 1s";
  for (const std::vector<std::string>& change :
       {std::vector<std::string>{"title", "add", "t1", "--name", "One"},
        {"cast", "add", "--title", "t1", "--actor", "a1"},
        {"experiment", "create", "e1", "--name", "x", "--arm", "a=uniform@1", "--title", "t1",
         "--start"},
        {"experiment", "stop", "e1"}}) {
    CommandResult r = run(change);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(note), std::string::npos) << change[0] << " " << change[1] << ": " << r.out;
  }
  CommandResult list = run({"title", "list"});
  EXPECT_EQ(list.out.find(note), std::string::npos) << list.out;
}

TEST_F(Cli, FoundationRoundTrip) {
  seed();
  CommandResult list = run({"title", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto titles = nlohmann::json::parse(list.out);
  ASSERT_EQ(titles.size(), 1u);
  EXPECT_EQ(titles[0]["title_id"], "t1");
  EXPECT_EQ(titles[0]["genres"][0], "drama");

  CommandResult show = run({"title", "show", "t1", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto t = nlohmann::json::parse(show.out);
  EXPECT_EQ(t["cast"][0]["actor_id"], "a1");
  EXPECT_TRUE(t["running_experiment"].is_null());

  ok({"experiment", "start", "e1"});
  auto e = nlohmann::json::parse(run({"experiment", "show", "e1", "--json"}).out);
  EXPECT_EQ(e["status"], "running");
  EXPECT_EQ(e["arms"][1]["policy"], "linucb:alpha=1.0");
  EXPECT_EQ(e["arms"][0]["control"], true);
  EXPECT_EQ(nlohmann::json::parse(run({"title", "show", "t1", "--json"}).out)["running_experiment"],
            "e1");
  ok({"experiment", "stop", "e1"});
  EXPECT_NE(run({"experiment", "list"}).out.find("stopped"), std::string::npos);
}

TEST_F(Cli, LedgerFromEnvironment) {
  CommandResult r = run_keyart({"init"}, {"KEYART_DB=" + db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(db), std::string::npos);
  if (!testing::testing_postgres()) {
    EXPECT_TRUE(std::filesystem::exists(db));
  }
}

TEST_F(Cli, HelpAndUsageErrors) {
  EXPECT_EQ(run_keyart({"--help"}).exit_code, 0);
  for (auto group : {"init", "title", "cast", "experiment"}) {
    EXPECT_EQ(run_keyart({group, "--help"}).exit_code, 0) << group;
  }
  CommandResult add_help = run_keyart({"title", "add", "--help"});
  EXPECT_EQ(add_help.exit_code, 0);
  EXPECT_NE(add_help.out.find("--name"), std::string::npos);
  EXPECT_EQ(run_keyart({}).exit_code, 2);
  EXPECT_EQ(run_keyart({"frobnicate"}).exit_code, 2);
  seed();
  fails_unchanged({"title", "add", "t2"}, 2, "--name");
  fails_unchanged({"title", "add", "t2", "--name", "x", "--bogus"}, 2, "bogus");
  fails_unchanged({"title", "fly"}, 2, "unknown action");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "nonsense"}, 2,
                  "NAME=POLICY@SHARE");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=uniform@lots"}, 2,
                  "not a number");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=uniform@1",
                   "--control", "b"},
                  2, "--control");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=bogus-policy@1"}, 2,
                  "bogus-policy");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=linucb:alpha=-1@1"}, 2,
                  "alpha");
  fails_unchanged({"title", "add", "t9", "--name", "x", "--default-policy", "linucb:floor=1.5"}, 2,
                  "floor");
}

TEST_F(Cli, UnknownIdsAreErrors) {
  seed();
  fails_unchanged({"title", "show", "nope"}, 1, "no title 'nope'");
  fails_unchanged({"cast", "add", "--title", "nope", "--actor", "a2"}, 1, "no title 'nope'");
  fails_unchanged({"cast", "list", "--title", "nope"}, 1, "no title 'nope'");
  fails_unchanged({"experiment", "start", "nope"}, 1, "no experiment 'nope'");
  fails_unchanged({"experiment", "show", "nope"}, 1, "no experiment 'nope'");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=uniform@1",
                   "--title", "nope"},
                  1, "no title 'nope'");
  fails_unchanged({"title", "set-default", "t1", "--variant", "t1-v9"}, 1, "no variant");
}

TEST_F(Cli, DuplicatesAreErrors) {
  seed();
  fails_unchanged({"title", "add", "t1", "--name", "Again"}, 1, "already exists");
  fails_unchanged({"cast", "add", "--title", "t1", "--actor", "a1"}, 1, "already in the cast");
  fails_unchanged({"experiment", "create", "e1", "--name", "x", "--arm", "a=uniform@1"}, 1,
                  "already exists");
  fails_unchanged({"experiment", "stop", "e1"}, 1, "only a running one");
}

TEST_F(Cli, SharesMustSumToOne) {
  seed();
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=uniform@0.5", "--arm",
                   "b=uniform@0.4"},
                  1, "sum to 0.9");
  fails_unchanged({"experiment", "create", "e2", "--name", "x", "--arm", "a=uniform@0.5", "--arm",
                   "a=uniform@0.5"},
                  1, "listed twice");
}

TEST_F(Cli, HeadshotThatDoesNotExistChangesNothing) {
  seed();
  fails_unchanged({"cast", "add", "--title", "t1", "--actor", "a2", (dir / "missing.jpg").string()},
                  1, "does not exist");
}

TEST_F(Cli, NotALedgerFile) {
  KEYART_SQLITE_ONLY();  // the ledger file (postgres_ledger_test.cc: the server)
  std::ofstream(db) << "hello, I am a text file\n";
  CommandResult r = run({"title", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a SQLite database"), std::string::npos) << r.err;
  r = run({"title", "add", "t1", "--name", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(testing::read_text(db), "hello, I am a text file\n");
}

TEST_F(Cli, ReadOnlyLedger) {
  KEYART_SQLITE_ONLY();  // the ledger file (postgres_ledger_test.cc: the server)
  seed();
  {
    // Fold the WAL into the main file so the file holds everything.
    sqlite3* handle = nullptr;
    sqlite3_open(db.c_str(), &handle);
    sqlite3_exec(handle, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(handle);
  }
  ASSERT_EQ(chmod(db.c_str(), 0444), 0);
  fails_unchanged({"title", "add", "t2", "--name", "x"}, 1, "read-only");
  // Reading still works.
  CommandResult r = run({"title", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("The Crown"), std::string::npos);
}

TEST_F(Cli, NewerSchemaVersion) {
  KEYART_SQLITE_ONLY();  // the ledger file (postgres_ledger_test.cc: the server)
  seed();
  {
    sqlite3* handle = nullptr;
    sqlite3_open(db.c_str(), &handle);
    sqlite3_exec(handle, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(handle);
  }
  fails_unchanged({"title", "list"}, 1, "newer than this keyart");
  fails_unchanged({"title", "add", "t2", "--name", "x"}, 1, "newer than this keyart");
}

TEST_F(Cli, PathsThatDoNotExist) {
  KEYART_SQLITE_ONLY();  // the ledger file (postgres_ledger_test.cc: the server)
  std::string missing = (dir / "absent.db").string();
  CommandResult r = run_keyart({"title", "list", "--db", missing});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(missing));
  r = run_keyart({"init", "--db", (dir / "no" / "folder" / "x.db").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyart
