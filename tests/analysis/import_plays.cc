// `keyart import plays` end to end: a valid history lands as plays the
// profiles read (times in any of the three forms, keys made from viewer,
// title and time); malformed rows are listed by line and nothing is
// imported, or with --skip-bad they are left out and counted; a header
// without a required column is refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/ledger.h"
#include "keyart/ledger/plays.h"
#include "support/cli_ledger_fixture.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;

class ImportPlays : public testing::CliLedgerTest {
 protected:
  void SetUp() override {
    CliLedgerTest::SetUp();
    for (const char* t : {"f1", "f2"}) {
      ASSERT_EQ(run_keyart({"title", "add", t, "--name", t, "--db", db}).exit_code, 0);
    }
  }
  CommandResult import(std::vector<std::string> args) {
    args.insert(args.begin(), {"import", "plays"});
    args.push_back("--db");
    args.push_back(db);
    return run_keyart(args);
  }
  std::vector<ledger::StoredPlay> plays_of(const std::string& unit) {
    auto ledger = ledger::Ledger::open(db, {.read_only = true});
    std::vector<ledger::StoredPlay> out;
    ledger::for_each_play_of(ledger, unit, [&](const ledger::StoredPlay& p) { out.push_back(p); });
    return out;
  }
};

TEST_F(ImportPlays, AValidHistoryBecomesPlays) {
  const std::string csv = write("h.csv",
                                "title_id,ts,unit_id,seconds,completed,extra\n"
                                "f1,1700000000,u1,5400,true,x\n"         // Unix seconds
                                "f2,1700000100500,u1,,,\n"               // ms, unknowns
                                "f1,2023-11-14T22:20:00Z,u2,120.5,0,\n");  // ISO
  CommandResult r = import({csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 3 plays of 2 viewers and 2 titles"), std::string::npos) << r.out;
  auto u1 = plays_of("u1");
  ASSERT_EQ(u1.size(), 2u);
  EXPECT_EQ(u1[0].title_id, "f1");
  EXPECT_EQ(u1[0].ts, 1'700'000'000'000);
  EXPECT_TRUE(u1[0].completed);
  EXPECT_EQ(*u1[0].seconds, 5400);
  EXPECT_EQ(u1[0].play_key, ledger::play_key_of("u1", "f1", 1'700'000'000'000));
  EXPECT_EQ(u1[1].ts, 1'700'000'100'500);
  EXPECT_FALSE(u1[1].seconds);
  EXPECT_FALSE(u1[1].completed);
  auto u2 = plays_of("u2");
  ASSERT_EQ(u2.size(), 1u);
  EXPECT_EQ(u2[0].ts, 1'700'000'400'000);
  EXPECT_EQ(*u2[0].seconds, 120.5);
}

TEST_F(ImportPlays, MalformedRowsAreListedAndNothingIsImported) {
  const std::string csv = write("bad.csv",
                                "unit_id,title_id,ts,seconds,completed\n"
                                "u1,f1,1700000000,60,false\n"
                                "u1,nope,1700000000,,\n"        // line 3: unknown title
                                "u1,f1,yesterday,,\n"           // line 4: bad time
                                "u1,f1,1700000000,-3,\n"        // line 5: negative seconds
                                "u1,f1,1700000000,,maybe\n"     // line 6: bad flag
                                ",f1,1700000000,,\n");          // line 7: no viewer
  CommandResult r = import({csv});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 3: unknown title 'nope'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4: ts 'yesterday'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 5: seconds '-3'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 6: completed 'maybe'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 7: unit_id"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing imported: 5 of 6 rows are malformed"), std::string::npos) << r.err;
  EXPECT_TRUE(plays_of("u1").empty());
  // --skip-bad: the good row goes in, the bad ones are counted.
  r = import({csv, "--skip-bad", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["plays"], 1);
  EXPECT_EQ(j["rows_bad"], 5);
  EXPECT_EQ(j["errors"].size(), 5u);
  EXPECT_EQ(plays_of("u1").size(), 1u);
  // A header without a required column.
  r = import({write("nohead.csv", "viewer,title_id,ts\nu1,f1,1\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no 'unit_id' column"), std::string::npos) << r.err;
  r = import({(dir / "missing.csv").string()});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace keyart
