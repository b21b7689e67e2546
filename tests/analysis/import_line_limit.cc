// `keyart import logs --max-line-bytes`: a line longer than the limit (in the
// log or in the action features file) refuses the whole file with its line
// number and leaves the ledger exactly as it was; a line of exactly the
// limit is accepted; a bad limit is a usage error.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/ledger_dump.h"
#include "support/cli_ledger_fixture.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;
using testing::TempDir;

class ImportLineLimit : public testing::CliLedgerTest {
 protected:
  CommandResult import(const std::string& file, std::vector<std::string> extra) {
    std::vector<std::string> args = {"import",  "logs",           file,    "--experiment",
                                     "x",       "--map",          "time=timestamp",
                                     "--map",   "item=action",    "--map", "click=reward",
                                     "--map",   "pscore=propensity", "--db", db};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_keyart(args);
  }
};

// "1574553602,<action>,1,0.5" padded by the action to exactly `bytes` bytes.
std::string row_of_length(size_t bytes) {
  const std::string fixed = "1574553602,,1,0.5";
  return "1574553602," + std::string(bytes - fixed.size(), 'a') + ",1,0.5";
}

TEST_F(ImportLineLimit, LongLineRefusesTheFileWithItsLineNumber) {
  const std::string header = "time,item,click,pscore";  // 22 bytes
  ASSERT_EQ(row_of_length(64).size(), 64u);
  const std::string log = write("long.csv", header + "\n" + "1574553602,b,0,0.5\n" +
                                                row_of_length(65) + "\n" + "1574553603,c,1,0.5\n");
  const std::string before = testing::dump_ledger(db);
  CommandResult r = import(log, {"--max-line-bytes", "64"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("line 3 is longer than 64 bytes"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  EXPECT_EQ(testing::dump_ledger(db), before);
  // --skip-bad does not make an over-long line a skippable row.
  EXPECT_EQ(import(log, {"--max-line-bytes", "64", "--skip-bad"}).exit_code, 1);
  EXPECT_EQ(testing::dump_ledger(db), before);
}

TEST_F(ImportLineLimit, LineOfExactlyTheLimitIsAccepted) {
  // With and without a final line break.
  for (const char* end : {"\n", ""}) {
    TempDir other;
    const std::string path = (other / "ledger.db").string();
    ASSERT_EQ(run_keyart({"init", "--db", path}).exit_code, 0);
    const std::string log = write("exact.csv", "time,item,click,pscore\n" + row_of_length(64) + end);
    CommandResult r = run_keyart({"import", "logs", log, "--experiment", "x", "--map",
                                  "time=timestamp", "--map", "item=action", "--map",
                                  "click=reward", "--map", "pscore=propensity",
                                  "--max-line-bytes", "64", "--db", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

TEST_F(ImportLineLimit, ActionFeaturesFileIsLimitedToo) {
  const std::string log = write("log.csv", "time,item,click,pscore\n1574553602,a,1,0.5\n");
  const std::string items = write("items.csv", "id,price\na,1\nb," + std::string(200, '9') + "\n");
  CommandResult r =
      import(log, {"--action-features", items, "--action-key", "id", "--max-line-bytes", "100"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("items.csv: line 3 is longer than 100 bytes"), std::string::npos) << r.err;
}

TEST_F(ImportLineLimit, DefaultLimitStopsABinaryBlob) {
  // 3 MiB without a line break: refused at the default 1 MiB, at line 2.
  const std::string log = write("blob.csv", "time,item,click,pscore\n" + std::string(3 << 20, 'x'));
  CommandResult r = import(log, {});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2 is longer than 1048576 bytes"), std::string::npos) << r.err;
}

TEST_F(ImportLineLimit, BadLimitIsAUsageError) {
  const std::string log = write("log.csv", "time,item,click,pscore\n1574553602,a,1,0.5\n");
  for (const char* bad : {"0", "-5", "lots"}) {
    CommandResult r = import(log, {"--max-line-bytes", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
  }
}

}  // namespace
}  // namespace keyart
