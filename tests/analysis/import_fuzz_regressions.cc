// Log files the import fuzzer (fuzz/fuzz_log_import.cc) found mishandled;
// their inputs are also in fuzz/corpus/log_import/regress_* and replayed by
// FuzzReplay.log_import.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/ledger_dump.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;

// A timestamp before 1970 (an ISO date in year 109, a negative offset at
// the epoch) or past year 9999 passed validation, then the ledger's CHECK
// (ts >= 0) refused the row: with --skip-bad the whole import failed with
// an internal error. Such rows are now malformed rows like any other.
TEST(ImportFuzzRegressions, TimestampsOutsideTheLedgersRange) {
  testing::TempDir dir;
  const std::string db = (dir / "ledger.db").string();
  ASSERT_EQ(run_keyart({"init", "--db", db}).exit_code, 0);
  const std::string log = (dir / "log.csv").string();
  std::ofstream(log) << "time,item,click,pscore\n"
                        "2019-11-24T00:00:03Z,b,0,0.5\n"
                        "109-11-24,c,0,0.5\n"                   // line 3: year 109
                        "1970-01-01T00:00:00+01:00,a,1,0.5\n"   // line 4: 1969 in UTC
                        "1e300,a,1,0.5\n"                       // line 5: past 9999
                        "253402300800000,a,1,0.5\n"             // line 6: 10000-01-01 in ms
                        "253402300799999,a,1,0.5\n"             // the last ms of 9999: fine
                        "0,a,0,0.5\n";                          // the epoch: fine
  std::vector<std::string> args = {"import", "logs", log, "--experiment", "x",
                                   "--map", "time=timestamp", "--map", "item=action",
                                   "--map", "click=reward", "--map", "pscore=propensity",
                                   "--db", db};
  const std::string before = testing::dump_ledger(db);
  CommandResult r = run_keyart(args);
  EXPECT_EQ(r.exit_code, 1);
  for (const char* needle : {"line 3: timestamp '109-11-24'", "line 4: timestamp",
                             "line 5: timestamp '1e300'", "line 6: timestamp"}) {
    EXPECT_NE(r.err.find(needle), std::string::npos) << needle << "\n" << r.err;
  }
  EXPECT_EQ(r.err.find("internal"), std::string::npos) << r.err;
  EXPECT_EQ(testing::dump_ledger(db), before);

  args.push_back("--skip-bad");
  args.push_back("--json");
  r = run_keyart(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rows_imported"], 3);
  EXPECT_EQ(j["rows_bad"], 4);
}

// A byte sequence that is not UTF-8 (here Latin-1 "caf\xe9" in the action
// features, and an overlong '/' in the log) reached the JSON written to the
// ledger, whose serialiser threw type_error 316: the import died with that
// library message. Such a file is now refused with the line to fix.
TEST(ImportFuzzRegressions, TextThatIsNotUtf8) {
  testing::TempDir dir;
  const std::string db = (dir / "ledger.db").string();
  ASSERT_EQ(run_keyart({"init", "--db", db}).exit_code, 0);
  const std::string log = (dir / "log.csv").string();
  const std::string items = (dir / "items.csv").string();
  std::ofstream(log) << "time,item,click,pscore\n1574553601,a,1,0.5\n1574553603,b,0,0.5\n";
  std::ofstream(items) << "item_id,price,genre\na,2.5,drama\nb,3,caf\xe9\n";
  std::vector<std::string> args = {"import", "logs", log, "--experiment", "x",
                                   "--map", "time=timestamp", "--map", "item=action",
                                   "--map", "click=reward", "--map", "pscore=propensity",
                                   "--action-features", items, "--action-key", "item_id",
                                   "--db", db};
  const std::string before = testing::dump_ledger(db);
  CommandResult r = run_keyart(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("items.csv: line 3 is not UTF-8 text"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
  EXPECT_EQ(testing::dump_ledger(db), before);

  std::ofstream(log) << "time,item,click,pscore\n1574553601,a\xc0\xaf,1,0.5\n";
  args.resize(args.size() - 6);
  args.insert(args.end(), {"--skip-bad", "--db", db});
  r = run_keyart(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("log.csv: line 2 is not UTF-8 text"), std::string::npos) << r.err;
  EXPECT_EQ(testing::dump_ledger(db), before);

  // Well-formed multi-byte text is fine.
  std::ofstream(log) << "time,item,click,pscore\n1574553601,caf\xc3\xa9 \xf0\x9f\x8e\xac,1,0.5\n";
  r = run_keyart(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace keyart
