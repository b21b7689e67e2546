// The HTML report opened in headless Debian Chromium: it must render with no
// console message at all (the page has no script, and its
// Content-Security-Policy turns any network fetch into a console error), the
// DOM must hold the charts and the embedded artwork, and the screenshot must
// be a real image. A control page with a blocked fetch proves the console
// check can fail. Set KEYART_REPORT_SCREENSHOT=PATH to keep the screenshot
// (docs/report.png is made that way).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "analysis/report_ledger.h"
#include "keyart/ledger/file_store.h"

namespace keyart {
namespace {

namespace fs = std::filesystem;
using testing::ReportLedger;
using testing::TempDir;

const char* const kChromium = "/usr/bin/chromium";

struct Rendered {
  int exit_code = -1;
  std::string dom;
  std::vector<std::string> console;  // "CONSOLE" lines Chromium logged
};

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Loads page in a fresh headless Chromium profile (no network features),
// saving a screenshot when asked and the DOM after load.
Rendered render(const fs::path& page, const fs::path& screenshot, const TempDir& dir) {
  Rendered out;
  const fs::path profile = dir / ("profile-" + page.stem().string());
  const fs::path dom = dir / (page.stem().string() + ".dom"), log = dir / (page.stem().string() + ".log");
  std::string command = std::string(kChromium) +
                        " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                        " --disable-background-networking --disable-component-update"
                        " --disable-sync --hide-scrollbars --user-data-dir=" +
                        quoted(profile.string()) + " --enable-logging=stderr --v=0" +
                        " --window-size=1280,2600";
  if (!screenshot.empty()) command += " --screenshot=" + quoted(screenshot.string());
  command += " --dump-dom " + quoted("file://" + page.string()) + " > " + quoted(dom.string()) +
             " 2> " + quoted(log.string());
  out.exit_code = std::system(command.c_str());
  out.dom = testing::read_text(dom);
  std::ifstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos) out.console.push_back(line);
  }
  return out;
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Width and height from a JPEG's start-of-frame marker.
std::pair<int64_t, int64_t> jpeg_size(const std::vector<uint8_t>& b) {
  size_t i = 2;
  while (i + 9 < b.size()) {
    if (b[i] != 0xFF) return {0, 0};
    const uint8_t marker = b[i + 1];
    const size_t length = static_cast<size_t>(b[i + 2] << 8 | b[i + 3]);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return {b[i + 7] << 8 | b[i + 8], b[i + 5] << 8 | b[i + 6]};
    }
    i += 2 + length;
  }
  return {0, 0};
}

void add_image_variant(ReportLedger& f, const std::string& id, const std::string& poster) {
  const fs::path path = testing::source_dir() / "tests" / "data" / "artwork" / "posters" / poster;
  std::vector<uint8_t> bytes = ledger::read_file_bytes(path);
  ledger::StoredFile stored = ledger::store_file(f.ledger.files_dir(), bytes, "jpg");
  auto [width, height] = jpeg_size(bytes);
  ASSERT_GT(width, 0) << path;
  ledger::Variant v;
  v.variant_id = id;
  v.title_id = "t1";
  v.kind = "image";
  v.sha256 = stored.sha256;
  v.format = "jpeg";
  v.width = width;
  v.height = height;
  v.bytes = static_cast<int64_t>(bytes.size());
  v.storage_path = stored.relative_path;
  v.original_name = poster;
  ledger::add_variant(f.ledger, v);
}

// Three arms over two weeks: two fixed artworks and a bandit that shifts
// towards the better one; viewers return several times; three devices.
void seed_experiment(ReportLedger& f) {
  ledger::add_title(f.ledger, {.title_id = "t1", .name = "The Lighthouse Keepers"});
  add_image_variant(f, "t1-v1", "p01_two_leads.jpg");
  add_image_variant(f, "t1-v2", "p04_single_portrait.jpg");
  add_image_variant(f, "t1-v3", "p05_collage5.jpg");
  f.experiment("e1", {{"control", 1.0 / 3}, {"portrait", 1.0 / 3}, {"bandit", 1.0 / 3}},
               "Homepage artwork, week 48");
  const double ctr[3] = {0.040, 0.047, 0.036};  // v1, v2, v3
  const char* devices[3] = {"tv", "mobile", "web"};
  const double device_lift[3] = {1.0, 1.25, 0.8};
  std::mt19937_64 rng(48);
  std::uniform_real_distribution<double> u(0, 1);
  for (int day = 0; day < 14; ++day) {
    for (int i = 0; i < 2400; ++i) {
      const int arm = i % 3;
      const int unit = static_cast<int>(u(rng) * 1500);
      const int device = unit % 3;
      int variant = arm == 0 ? 0 : 1;
      if (arm == 2) {
        const double explore = std::max(0.1, 0.9 - 0.08 * day);
        variant = u(rng) < explore ? static_cast<int>(u(rng) * 3) : 1;
      }
      const double p = ctr[variant] * device_lift[device] * (1 + 0.1 * std::sin(day));
      f.add({.arm = arm == 0 ? "control" : arm == 1 ? "portrait" : "bandit",
             .unit = std::string(1, static_cast<char>('a' + arm)) + std::to_string(unit),
             .variant = "t1-v" + std::to_string(variant + 1),
             .ts = testing::kDay0 + day * 86'400'000LL + i * 30'000LL,
             .reward = u(rng) < p ? std::optional<double>(1.0) : std::nullopt,
             .device = devices[device],
             .country = unit % 2 ? "KR" : "US",
             .hour = (i / 100) % 24});
      // Half the clicks become plays (the report's guardrail).
      if (!f.rewards.empty() && f.rewards.back().event_id == f.exposures.back().event_id &&
          u(rng) < 0.5) {
        f.rewards.push_back({f.exposures.back().event_id, "play", 1.0,
                             f.exposures.back().ts + 5000});
      }
    }
  }
  f.flush();
}

TEST(ReportHtml, RendersInChromiumWithoutConsoleMessages) {
  ASSERT_TRUE(fs::exists(kChromium)) << "Debian's chromium is needed (scripts/setup.sh installs it)";
  ASSERT_TRUE(fs::exists(testing::source_dir() / "tests" / "data" / "artwork" / "posters"))
      << "the repository's test artwork is missing";
  ReportLedger f;
  seed_experiment(f);
  const fs::path page = f.dir / "report.html";
  testing::CommandResult r = testing::run_keyart({"report", "experiment", "e1", "--format", "html",
                                                  "--by", "device", "--guardrail", "play",
                                                  "--db", f.path, "--out", page.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const fs::path screenshot = f.dir / "report.png";
  Rendered shown = render(page, screenshot, f.dir);
  ASSERT_EQ(shown.exit_code, 0);
  EXPECT_TRUE(shown.console.empty()) << shown.console.size() << " console messages, first: "
                                     << shown.console.front();
  // The charts and the three embedded posters made it into the rendered DOM.
  EXPECT_EQ(occurrences(shown.dom, "<svg"), 3);  // forest plot, daily rates, cumulative lift
  for (const char* variant : {"t1-v1", "t1-v2", "t1-v3"}) {
    EXPECT_EQ(occurrences(shown.dom, std::string("<img alt=\"") + variant +
                                         "\" src=\"data:image/jpeg;base64,"),
              1)
        << variant;
  }
  EXPECT_NE(shown.dom.find("Segments by device"), std::string::npos);
  EXPECT_NE(shown.dom.find("Guardrail: play (clustered)"), std::string::npos);
  EXPECT_NE(shown.dom.find("<h2>Verdict</h2>"), std::string::npos);

  // A PNG of the requested size.
  const std::string png = testing::read_text(screenshot);
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  auto be32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(png[at])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(png[at + 1])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(png[at + 2])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(png[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2600u);
  EXPECT_GT(png.size(), 100'000u) << "a blank page compresses to a few KB";
  if (const char* keep = std::getenv("KEYART_REPORT_SCREENSHOT"); keep && *keep) {
    fs::copy_file(screenshot, keep, fs::copy_options::overwrite_existing);
  }

  // Control: the same check sees a page that tries to fetch from the network.
  const fs::path control = f.dir / "control.html";
  std::ofstream(control) << "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                            "content=\"default-src 'none'\"></head><body>"
                            "<img src=\"http://192.0.2.1/x.png\"></body></html>";
  Rendered blocked = render(control, {}, f.dir);
  EXPECT_FALSE(blocked.console.empty()) << "the console check must see a blocked fetch";
}

}  // namespace
}  // namespace keyart
