// `keyart report experiment` and `keyart report power` end to end through
// the real binary: every format, the messages for missing data and bad
// input, escaping of hostile names in every format, and never "nan".
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/report_ledger.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::ReportLedger;
using testing::run_keyart;

// No NaN or infinity printed as a number, in any spelling.
void expect_no_nan(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* bad : {"nan", "inf"}) {
    size_t at = 0;
    while ((at = lower.find(bad, at)) != std::string::npos) {
      // Allow words that merely contain the letters ("information", "infer").
      const bool word_start = at == 0 || !std::isalpha(static_cast<unsigned char>(lower[at - 1]));
      const size_t end = at + std::string(bad).size();
      const bool word_end = end >= lower.size() || !std::isalpha(static_cast<unsigned char>(lower[end]));
      EXPECT_FALSE(word_start && word_end) << "'" << bad << "' printed near: "
                                           << text.substr(at > 60 ? at - 60 : 0, 120);
      at = end;
    }
  }
}

class ReportCli : public ::testing::Test {
 protected:
  ReportLedger f;
  CommandResult report(std::vector<std::string> args) {
    f.flush();
    args.insert(args.begin(), {"report", "experiment"});
    args.push_back("--db");
    args.push_back(f.path);
    return run_keyart(args);
  }
  void two_arm_experiment(const std::string& name = "") {
    f.add_title("t1", 3);
    f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}}, name);
    for (int day = 0; day < 3; ++day) {
      for (int u = 0; u < 200; ++u) {
        const int64_t ts = testing::kDay0 + day * 86'400'000LL + u * 60'000;
        const std::string device = u % 3 ? "tv" : "mobile";
        f.add({.arm = "control", .unit = "c" + std::to_string(u), .ts = ts,
               .reward = (u + day) % 17 == 0 ? std::optional<double>(1.0) : std::nullopt,
               .device = device, .country = "KR", .hour = (u / 10) % 24});
        f.add({.arm = "treatment", .unit = "t" + std::to_string(u), .variant = "t1-v2", .ts = ts,
               .reward = (u + day) % 12 == 0 ? std::optional<double>(1.0) : std::nullopt,
               .device = device, .country = "US", .hour = (u / 10) % 24});
      }
    }
  }
};

TEST_F(ReportCli, TextReport) {
  two_arm_experiment();
  CommandResult r = report({"e1", "--by", "device"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle :
       {"Experiment e1", "Analysis: clustered", "treatment", "control (control)", "Sample ratio",
        "always-valid p", "Segments by device", "exploratory", "[device = mobile]", "Trend",
        "2026-01-03", "Variants", "t1-v2"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
  expect_no_nan(r.out);
}

TEST_F(ReportCli, JsonReport) {
  two_arm_experiment();
  CommandResult r = report({"e1", "--format", "json", "--by", "country", "--analysis", "unit-share"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["experiment"]["id"], "e1");
  EXPECT_EQ(j["analysis"]["name"], "unit-share");
  ASSERT_EQ(j["arms"].size(), 2u);
  EXPECT_EQ(j["arms"][0]["exposures"], 600);
  EXPECT_EQ(j["arms"][0]["units"], 200);
  EXPECT_FALSE(j["arms"][0].contains("lift"));  // the control has no lift
  EXPECT_TRUE(j["arms"][1]["p_value"].is_number());
  EXPECT_EQ(j["segments"]["by"], "country");
  EXPECT_EQ(j["segments"]["tables"].size(), 2u);
  EXPECT_EQ(j["trend"].size(), 3u);
  EXPECT_EQ(j["sequential"]["arms"][0]["looks"], 3);
  // --json is the same as --format json.
  CommandResult again = report({"e1", "--json", "--by", "country", "--analysis", "unit-share"});
  auto j2 = nlohmann::json::parse(again.out);
  j.erase("generated_at");
  j2.erase("generated_at");
  EXPECT_EQ(j, j2);
}

// --top keeps the largest segments by exposures (ties by label): the 20
// hours with data hold 60 exposures each, so --top 3 shows 00, 01 and 02 and
// counts the other 17 (and their exposures) as omitted.
TEST_F(ReportCli, TopKeepsTheLargestSegments) {
  two_arm_experiment();
  CommandResult r = report({"e1", "--format", "json", "--by", "hour", "--hour-bucket", "1",
                            "--top", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& tables = j["segments"]["tables"];
  ASSERT_EQ(tables.size(), 3u);
  EXPECT_EQ(j["segments"]["omitted"], 17);  // 20 hours have data (u / 10 % 24 for u < 200)
  int64_t shown = 0;
  for (const auto& t : tables) {
    for (const auto& a : t["arms"]) shown += a["exposures"].get<int64_t>();
  }
  EXPECT_EQ(shown + j["segments"]["omitted_exposures"].get<int64_t>(), 1200);
  EXPECT_EQ(shown, 3 * 60);  // every hour with data holds 60 exposures
  EXPECT_NE(j["segments"]["caveat"].get<std::string>().find("the 3 largest of 20"),
            std::string::npos);
  EXPECT_EQ(tables[0]["segment"], "00");
  EXPECT_EQ(tables[2]["segment"], "02");
  CommandResult all = report({"e1", "--format", "json", "--by", "hour", "--hour-bucket", "1",
                              "--top", "0"});
  EXPECT_EQ(nlohmann::json::parse(all.out)["segments"]["tables"].size(), 20u);
  EXPECT_EQ(report({"e1", "--by", "hour", "--top", "-1"}).exit_code, 2);
}

TEST_F(ReportCli, CsvReportToFile) {
  two_arm_experiment();
  const std::string out = (f.dir / "report.csv").string();
  CommandResult r = report({"e1", "--format", "csv", "--by", "hour", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::string csv = testing::read_text(out);
  std::istringstream lines(csv);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("experiment,metric,analysis,variance,section,segment,day,arm,", 0), 0u) << header;
  const size_t columns = std::count(header.begin(), header.end(), ',');
  int arm_rows = 0, trend_rows = 0, segment_rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(static_cast<size_t>(std::count(line.begin(), line.end(), ',')), columns) << line;
    arm_rows += line.find(",arm,") != std::string::npos;
    trend_rows += line.find(",trend,") != std::string::npos;
    segment_rows += line.find(",segment,") != std::string::npos;
  }
  EXPECT_EQ(arm_rows, 2);
  EXPECT_EQ(trend_rows, 6);
  EXPECT_EQ(segment_rows, 8);  // 4 six-hour buckets x 2 arms
  expect_no_nan(csv);
}

TEST_F(ReportCli, OutToAMissingFolderFailsCleanly) {
  two_arm_experiment();
  const std::string out = (f.dir / "no-such-folder" / "report.html").string();
  CommandResult r = report({"e1", "--format", "html", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(ReportCli, UnknownExperiment) {
  f.add_title("t1", 1);
  CommandResult r = report({"nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("experiment 'nope' not found"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(ReportCli, EmptyExperimentSaysSoInEveryFormat) {
  f.add_title("t1", 1);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  for (const char* format : {"text", "json", "csv", "html"}) {
    CommandResult r = report({"e1", "--format", format});
    ASSERT_EQ(r.exit_code, 0) << format << ": " << r.err;
    EXPECT_NE(r.out.find("has no exposures yet"), std::string::npos) << format << r.out;
    expect_no_nan(r.out);
  }
}

TEST_F(ReportCli, ArmWithoutExposuresAndNoRewards) {
  f.add_title("t1", 1);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  for (int u = 0; u < 20; ++u) {
    f.add({.arm = "control", .unit = "u" + std::to_string(u),
           .reward = u < 4 ? std::optional<double>(1.0) : std::nullopt, .kind = "play"});
  }
  for (const std::string format : {"text", "json", "csv", "html"}) {
    CommandResult r = report({"e1", "--format", format});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string quote = format == "html" ? "&#39;" : "'";
    EXPECT_NE(r.out.find("arm " + quote + "treatment" + quote + " has no exposures"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("no " + quote + "click" + quote + " rewards"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("reward kinds recorded for this experiment: play"), std::string::npos)
        << r.out;
    expect_no_nan(r.out);
  }
  CommandResult play = report({"e1", "--metric", "play"});
  ASSERT_EQ(play.exit_code, 0) << play.err;
  EXPECT_NE(play.out.find("20.000%"), std::string::npos) << play.out;
  expect_no_nan(play.out);
}

TEST_F(ReportCli, TimeRangeWithoutData) {
  two_arm_experiment();
  CommandResult r = report({"e1", "--since", "2027-01-01", "--until", "2027-02-01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no exposures of experiment 'e1' in the requested time range"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("widen --since/--until"), std::string::npos) << r.out;
  expect_no_nan(r.out);
}

// --since/--until read times as the log importer does (analysis/iso_time.h):
// an offset or fractional seconds name the same instant as its UTC
// spelling, so the reports agree; the window cuts the second day off.
TEST_F(ReportCli, TimeWindowReadsOffsetsAndFractions) {
  two_arm_experiment();
  auto windowed = [&](const std::string& since, const std::string& until) {
    CommandResult r = report({"e1", "--format", "json", "--since", since, "--until", until});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    j.erase("generated_at");
    return j;
  };
  const auto utc = windowed("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
  EXPECT_EQ(windowed("2026-01-01 02:00:00.000+02:00", "2026-01-01T18:30:00-05:30"), utc);
  EXPECT_EQ(windowed("1767225600000", "2026-01-01T23:59:59.9999Z"), utc);
  const auto all = windowed("2026-01-01", "2027-01-01");
  EXPECT_LT(utc["arms"][0]["exposures"].get<int>(), all["arms"][0]["exposures"].get<int>());
  EXPECT_GT(utc["arms"][0]["exposures"].get<int>(), 0);
}

TEST_F(ReportCli, UsageErrors) {
  two_arm_experiment();
  struct Case {
    std::vector<std::string> args;
    const char* needle;
  };
  const Case cases[] = {
      {{"e1", "--format", "xml"}, "--format 'xml' is not one of"},
      {{"e1", "--by", "planet"}, "--by 'planet' is not one of"},
      {{"e1", "--analysis", "magic"}, "--analysis 'magic'"},
      {{"e1", "--since", "2026-02-01", "--until", "2026-01-01"}, "--until must be later"},
      {{"e1", "--since", "yesterday"}, "is not a time"},
      {{"e1", "--confidence", "95"}, "--confidence must be between 0 and 1"},
      {{"e1", "--tau", "0"}, "--tau must be a positive"},
      {{"e1", "--hour-bucket", "0"}, "--hour-bucket must be 1 to 24"},
  };
  for (const Case& c : cases) {
    CommandResult r = report(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.needle << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
  }
}

TEST_F(ReportCli, HostileNamesAreEscapedEverywhere) {
  const std::string evil_name = "<script>alert(\"x\")</script>' OR 1=1; DROP TABLE exposures; --";
  ledger::add_title(f.ledger, {.title_id = "t<i>1", .name = evil_name});
  ledger::Variant v;
  v.variant_id = "v<script>\"'&";
  v.title_id = "t<i>1";
  v.kind = "external";
  ledger::add_variant(f.ledger, v);
  f.experiment("e1", {{"ctl<b>\"", 0.5}, {"tr'eat;--", 0.5}}, evil_name);
  for (int u = 0; u < 30; ++u) {
    f.add({.arm = "ctl<b>\"", .unit = "a" + std::to_string(u), .variant = v.variant_id,
           .reward = u < 3 ? std::optional<double>(1.0) : std::nullopt,
           .device = "<img src=x onerror=alert(1)>", .title = "t<i>1"});
    f.add({.arm = "tr'eat;--", .unit = "b" + std::to_string(u), .variant = v.variant_id,
           .reward = u < 6 ? std::optional<double>(1.0) : std::nullopt,
           .device = "<img src=x onerror=alert(1)>", .title = "t<i>1"});
  }
  CommandResult html = report({"e1", "--format", "html", "--by", "device"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  for (const char* raw : {"<script", "ctl<b>", "t<i>1", "<img src=x", "onerror=alert(1)>"}) {
    EXPECT_EQ(html.out.find(raw), std::string::npos) << raw << " in " << html.out.substr(html.out.find(raw) > 200 ? html.out.find(raw) - 200 : 0, 300);
  }
  EXPECT_NE(html.out.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; OR 1=1"),
            std::string::npos);
  EXPECT_NE(html.out.find("v&lt;script&gt;&quot;&#39;&amp;"), std::string::npos);
  EXPECT_NE(html.out.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);

  CommandResult json = report({"e1", "--format", "json", "--by", "device"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["experiment"]["name"], evil_name);
  EXPECT_EQ(j["arms"][0]["arm_id"], "ctl<b>\"");
  EXPECT_EQ(j["variants"][0]["variant_id"], "v<script>\"'&");

  CommandResult csv = report({"e1", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",\"ctl<b>\"\"\","), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",\"v<script>\"\"'&\","), std::string::npos) << csv.out;

  // The ledger is intact: the name was data, never SQL.
  EXPECT_EQ(ledger::count_exposures(f.ledger), 60);
}

TEST(ReportPower, RDocumentationExampleThroughTheCli) {
  CommandResult r = run_keyart({"report", "power", "--baseline", "0.5", "--mde-abs", "0.25",
                                "--power", "0.9", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["units_per_control_arm"], 77);  // R: n = 76.7 per group
  EXPECT_EQ(j["units_total"], 154);
  CommandResult text = run_keyart({"report", "power", "--baseline", "0.05", "--mde", "0.1",
                                   "--daily-units", "10000"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  // Fleiss: 31233.44 per arm for 5 % -> 5.5 %; 62468 in all; 7 days at 10000 a day.
  EXPECT_NE(text.out.find("31234 in the control arm"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("days at 10000 units a day: 7"), std::string::npos) << text.out;
  CommandResult power = run_keyart({"report", "power", "--baseline", "0.1", "--mde-abs", "0.03",
                                    "--units", "1000", "--json"});
  ASSERT_EQ(power.exit_code, 0) << power.err;
  EXPECT_NEAR(nlohmann::json::parse(power.out)["power"].get<double>(), 0.556829125563, 1e-10);
  CommandResult mde = run_keyart({"report", "power", "--baseline", "0.05", "--units",
                                  "31233.4379401300", "--json"});
  ASSERT_EQ(mde.exit_code, 0) << mde.err;
  EXPECT_NEAR(nlohmann::json::parse(mde.out)["mde_absolute"].get<double>(), 0.005, 1e-9);
}

TEST(ReportPower, BadInput) {
  struct Case {
    std::vector<std::string> args;
    const char* needle;
  };
  const Case cases[] = {
      {{"--baseline", "1.5", "--mde", "0.1"}, "baseline rate"},
      {{"--baseline", "0.05"}, "give the effect to detect"},
      {{"--baseline", "0.05", "--mde", "0.1", "--mde-abs", "0.01"}, "not both"},
      {{"--baseline", "0.05", "--mde", "0"}, "must not be 0"},
      {{"--baseline", "0.9", "--mde-abs", "0.2"}, "not a rate between 0 and 1"},
      {{"--baseline", "0.05", "--mde", "0.1", "--power", "1"}, "--power must be between"},
      {{"--baseline", "0.05", "--mde", "0.1", "--arms", "1"}, "--arms must be at least 2"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"report", "power"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandResult r = run_keyart(args);
    EXPECT_EQ(r.exit_code, 2) << c.needle << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace keyart
