// `keyart report ope` through the real binary: text and JSON output, the
// estimator filter, clipping, and the messages for bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/report_ledger.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::ReportLedger;
using testing::run_keyart;

class OpeCli : public ::testing::Test {
 protected:
  ReportLedger f;
  void SetUp() override {
    f.add_title("t1", 2);
    f.experiment("e1", {{"logged", 1.0}});
    for (int i = 0; i < 400; ++i) {
      const bool second = i % 4 == 0;  // logged with propensity 0.25
      f.add({.arm = "logged", .unit = "u" + std::to_string(i % 50),
             .variant = second ? "t1-v2" : "t1-v1", .ts = testing::kDay0 + i * 1000LL,
             .reward = i % 5 == 0 ? std::optional<double>(1.0) : std::nullopt,
             .device = std::string("tv"), .propensity = second ? 0.25 : 0.75});
    }
    f.flush();
  }
  CommandResult ope(std::vector<std::string> args) {
    args.insert(args.begin(), {"report", "ope"});
    args.push_back("--db");
    args.push_back(f.path);
    return run_keyart(args);
  }
};

TEST_F(OpeCli, TextAndJson) {
  CommandResult text = ope({"--policy", "fixed:t1-v2", "--from", "e1"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* needle : {"Off-policy evaluation of 'fixed:t1-v2' on experiment e1",
                             "400 read, 400 used", "IPS", "SNIPS", "DR", "Effective sample size",
                             "smallest logged propensity 0.2500", "DR reward model"}) {
    EXPECT_NE(text.out.find(needle), std::string::npos) << needle << "\n" << text.out;
  }
  CommandResult json = ope({"--policy", "fixed:t1-v2", "--all", "--format", "json", "--estimator",
                            "snips", "--clip", "3"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["source"], "all exposures");
  EXPECT_TRUE(j["estimates"].contains("snips"));
  EXPECT_FALSE(j["estimates"].contains("ips"));
  // 100 rows showed t1-v2 with propensity 0.25: weight 4, clipped to 3.
  EXPECT_EQ(j["diagnostics"]["clipped"], 100);
  EXPECT_DOUBLE_EQ(j["diagnostics"]["min_propensity"].get<double>(), 0.25);
  // SNIPS with equal weights on the rows it keeps is their plain mean: rows
  // i % 4 == 0 with i % 5 == 0 are i % 20 == 0, 20 of 100.
  EXPECT_NEAR(j["estimates"]["snips"]["value"].get<double>(), 0.2, 1e-12);
}

TEST_F(OpeCli, BadInput) {
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* needle;
  };
  const Case cases[] = {
      {{"--policy", "uniform"}, 2, "give --from EXPERIMENT or --all"},
      {{"--policy", "uniform", "--from", "e1", "--all"}, 2, "give --from EXPERIMENT or --all"},
      {{"--policy", "magic", "--all"}, 2, "policy 'magic'"},
      {{"--policy", "uniform", "--all", "--estimator", "best"}, 2, "--estimator 'best'"},
      {{"--policy", "uniform", "--all", "--clip", "-1"}, 2, "--clip must be a positive"},
      {{"--policy", "uniform", "--arm", "logged", "--all"}, 2, "--arm needs --from"},
      {{"--policy", "uniform", "--from", "nope"}, 1, "experiment 'nope' not found"},
      {{"--policy", "uniform", "--from", "e1", "--arm", "zzz"}, 1, "has no arm 'zzz'"},
  };
  for (const Case& c : cases) {
    CommandResult r = ope(c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.needle << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(OpeCli, NothingInRangeSaysSo) {
  CommandResult r = ope({"--policy", "uniform", "--from", "e1", "--since", "2030-01-01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no exposures in experiment e1 in the requested time range"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace keyart
