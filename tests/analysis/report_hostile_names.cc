// Names with HTML, quotes and SQL metacharacters, entered through the real
// CLI (keyart title add, experiment create), are data: they come back from
// the ledger byte for byte (library reads and `--json` listings), the ledger
// stays intact, and the HTML report shows them only escaped, never as markup.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/report_ledger.h"
#include "sqlite.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "support/test_support.h"

namespace keyart {
namespace {

using testing::CommandResult;
using testing::run_keyart;

// What the HTML report must show instead of the raw text.
std::string html_escaped(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

TEST(HostileNames, RoundTripThroughTheLedgerAndAreEscapedInHtml) {
  testing::ReportLedger f;
  const std::string title_name =
      "<script>alert(1)</script> \"Night\" 'O''Hara'; DROP TABLE titles; --";
  const std::string experiment_name = "<script>alert(1)</script> & \"A/B\" ' OR '1'='1";
  // Ids may not hold spaces or slashes; everything else hostile is allowed.
  const std::string control = "ctl<script>\"'", treatment = "t'r;DELETE_FROM_arms;--<b>";
  const std::string db = f.path;

  CommandResult r = run_keyart({"title", "add", "t1", "--name", title_name, "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ledger::Variant v;
  v.variant_id = "t1-v1";
  v.title_id = "t1";
  v.kind = "external";
  ledger::add_variant(f.ledger, v);
  r = run_keyart({"experiment", "create", "e1", "--name", experiment_name, "--arm",
                  control + "=uniform@0.5", "--arm", treatment + "=uniform@0.5", "--title", "t1",
                  "--start", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const int64_t now = ledger::now_ms();
  for (int u = 0; u < 40; ++u) {
    f.add({.arm = u % 2 ? treatment : control, .unit = "u" + std::to_string(u),
           .ts = now + u, .reward = u % 5 == 0 ? std::optional<double>(1.0) : std::nullopt});
  }
  f.flush();

  // Byte for byte from the ledger, through the library and the CLI.
  EXPECT_EQ(ledger::find_title(f.ledger, "t1")->name, title_name);
  auto e = ledger::find_experiment(f.ledger, "e1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, experiment_name);
  ASSERT_EQ(e->arms.size(), 2u);
  EXPECT_EQ(e->arms[0].arm_id, control);
  EXPECT_EQ(e->arms[1].arm_id, treatment);
  r = run_keyart({"title", "show", "t1", "--json", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["name"], title_name);

  r = run_keyart({"report", "experiment", "e1", "--format", "html", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& html = r.out;
  // No markup from the names: no script element at all, no raw name.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  for (const std::string& raw : {title_name, experiment_name, control, treatment}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  }
  for (const std::string& raw : {experiment_name, control, treatment}) {
    EXPECT_NE(html.find(html_escaped(raw)), std::string::npos) << html_escaped(raw);
  }

  // The ledger is intact: the names were data, never SQL.
  EXPECT_EQ(f.ledger.db().query_int("SELECT count(*) FROM titles"), 1);
  EXPECT_EQ(ledger::count_exposures(f.ledger), 40);
  EXPECT_EQ(f.ledger.db().query_int("SELECT count(*) FROM arms"), 2);
}

}  // namespace
}  // namespace keyart
