// `keyart viewer population` end to end: everyone's viewing per title,
// measured from the ledger's plays by the profiles' weights and decay and
// stored whole; worked by hand on a small history. Bad options change
// nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "keyart/ledger/ledger.h"
#include "keyart/ledger/title_viewing.h"
#include "support/cli_ledger_fixture.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;

class ViewerPopulation : public testing::CliLedgerTest {
 protected:
  void SetUp() override {
    CliLedgerTest::SetUp();
    for (const char* t : {"f1", "f2", "f3"}) {
      ASSERT_EQ(run_keyart({"title", "add", t, "--name", t, "--db", db}).exit_code, 0);
    }
  }
  std::optional<ledger::TitleViewing> stored() {
    auto ledger = ledger::Ledger::open(db, {.read_only = true});
    return ledger::load_title_viewing(ledger);
  }
};

constexpr int64_t kDay = 86'400'000;

TEST_F(ViewerPopulation, MeasuresEveryTitlesViewingAsAProfileWeighsIt) {
  // Times in ms. The newest play is at T = 1,700,000,000,000 + 90 days;
  // weights decay to it with a half-life of 90 days.
  const std::string csv = write("h.csv",
                                "unit_id,title_id,ts,seconds,completed\n"
                                "u1,f1,1700000000000,5400,true\n"    // a completion 90 days old: 1/2
                                "u1,f1,1700000000000,5400,true\n"    // the same viewing again: once
                                "u2,f1,1707776000000,100,false\n"    // a short play at T: 0.1
                                "u2,f2,1707776000000,,false\n"       // a play at T: 0.5
                                "u3,f2,1703888000000,7000,false\n");  // a play 45 days old: 0.5 / sqrt(2)
  ASSERT_EQ(run_keyart({"import", "plays", csv, "--db", db}).exit_code, 0);
  ASSERT_FALSE(stored());
  CommandResult r = run_keyart({"viewer", "population", "--db", db, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["plays"], 5);
  EXPECT_EQ(j["titles"], 3);
  EXPECT_EQ(j["titles_watched"], 2);
  const auto s = stored();
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->weight.at("f1"), 0.5 + 0.1, 1e-12);
  EXPECT_NEAR(s->weight.at("f2"), 0.5 + 0.5 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(s->weight.at("f3"), 0);
  EXPECT_GT(s->computed_at, 1'700'000'000'000 + 90 * kDay);

  // Bad options: refused, what is stored stays.
  r = run_keyart({"viewer", "population", "--db", db, "--profile-half-life", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--profile-half-life must be positive"), std::string::npos) << r.err;
  r = run_keyart({"viewer", "population", "--db", db, "--profile-half-life", "soon"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(stored()->weight, s->weight);
}

}  // namespace
}  // namespace keyart
