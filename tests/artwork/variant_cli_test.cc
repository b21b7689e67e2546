// The designers' commands end to end through the real keyart binary on a
// real ledger: keyart cast add (face descriptors), variant upload (folders,
// refusals, duplicates, near-duplicates, dry runs), list/show/retire/restore,
// inspect and sheet PNGs, and keyart extract. On both backends (the
// artwork suite's postgres.VariantCli.* pass).
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "artwork_data.h"
#include "keyart/artwork/models.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/variants.h"
#include "support/ledger_dump.h"
#include "support/test_ledger.h"

namespace keyart::testing {
namespace {

namespace fs = std::filesystem;

class VariantCli : public ::testing::Test {
 protected:
  TempDir dir;
  TestLedger where{dir};  // a file, or a PostgreSQL database on that pass
  std::string db = where.target();
  std::string files = where.files_dir().empty() ? db + ".files" : where.files_dir();

  CommandResult run(std::vector<std::string> args) {
    args.push_back("--db");
    args.push_back(db);
    return run_keyart(args);
  }
  void ok(const std::vector<std::string>& args) {
    CommandResult r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  nlohmann::json upload_json(std::vector<std::string> args, int expected_exit) {
    args.insert(args.begin(), {"variant", "upload", "--title", "t1", "--json"});
    CommandResult r = run(args);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    return nlohmann::json::parse(r.out);
  }
  std::string data(const std::string& rel) { return (artwork_data() / rel).string(); }
  void seed_cast() {
    ok({"init"});
    ok({"title", "add", "t1", "--name", "The Long Night"});
    ok({"cast", "add", "--title", "t1", "--actor", "frl_004", "--name", "Ann", data("people/frl_004/01.jpg")});
    ok({"cast", "add", "--title", "t1", "--actor", "frl_025", "--name", "Bea", "--billing", "2", "--role",
        "minor", data("people/frl_025/01.jpg")});
  }
  size_t stored_files() {
    size_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(files, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      n += it->is_regular_file() ? 1 : 0;
    }
    return n;
  }
};

TEST_F(VariantCli, CastAddStoresDescriptorsAndRefusesBadHeadshots) {
  seed_cast();
  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  auto shots = ledger::list_headshots(ledger, "frl_004");
  ASSERT_EQ(shots.size(), 1u);
  EXPECT_EQ(shots[0].descriptor.size(), 128u);
  EXPECT_EQ(shots[0].descriptor_model, artwork::kFaceDescriptorModel);

  std::string before = dump_ledger(db);
  for (const std::string bad : {"posters/p01_two_leads.jpg", "negatives/n02_cat_chelsea.jpg", "bad/truncated.jpg"}) {
    CommandResult r = run({"cast", "add", "--title", "t1", "--actor", "x9", "--name", "X", data("people/lisa/01.jpg"),
                           data(bad)});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
    EXPECT_EQ(dump_ledger(db), before) << bad;
  }
}

TEST_F(VariantCli, UploadFolderAddsGoodFilesAndReportsRefusals) {
  seed_cast();
  TempDir folder;
  for (const std::string f : {"posters/p01_two_leads.jpg", "posters/p04_single_portrait.jpg", "bad/truncated.jpg",
                              "bad/empty.jpg", "bad/text_named.jpg"}) {
    fs::copy_file(data(f), folder / fs::path(f).filename().string());
  }
  auto out = upload_json({folder.path().string()}, 1);
  EXPECT_EQ(out.at("added"), 2);
  EXPECT_EQ(out.at("refused"), 3);
  std::map<std::string, std::string> reasons;
  for (const auto& f : out.at("files")) {
    reasons[fs::path(f.at("file").get<std::string>()).filename().string()] =
        f.contains("reason") ? f.at("reason").get<std::string>() : f.at("status").get<std::string>();
  }
  EXPECT_EQ(reasons["truncated.jpg"], "truncated");
  EXPECT_EQ(reasons["empty.jpg"], "empty");
  EXPECT_EQ(reasons["text_named.jpg"], "not_an_image");
  EXPECT_EQ(reasons["p01_two_leads.jpg"], "added");

  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  auto variants = ledger::list_variants(ledger, "t1", true);
  ASSERT_EQ(variants.size(), 2u);
  auto features = ledger::latest_variant_features(ledger, variants[0].variant_id);
  ASSERT_TRUE(features.has_value());
  auto record = nlohmann::json::parse(features->features_json);
  EXPECT_EQ(record.at("arm_features").at("featured_actor"), "frl_004");
  EXPECT_EQ(features->vector.size(), artwork::feature_vector_names().size());
  EXPECT_EQ(stored_files(), 2u + 2u);  // two variants + two headshots
}

TEST_F(VariantCli, EveryBadFileIsRefusedWithItsReasonAndStoresNothing) {
  seed_cast();
  const std::map<std::string, std::string> expected = {
      {"truncated.jpg", "truncated"},          {"empty.jpg", "empty"},
      {"text_named.jpg", "not_an_image"},      {"bomb_100000x100000.png", "too_large"},
      {"bomb_30000x30000.png", "too_large"},   {"bomb_65500x65500_header_only.jpg", "too_large"}};
  std::string before = dump_ledger(db);
  size_t files_before = stored_files();
  for (const auto& [name, reason] : expected) {
    auto out = upload_json({data("bad/" + name)}, 1);
    EXPECT_EQ(out.at("files").at(0).at("reason"), reason) << name;
    EXPECT_NE(out.at("files").at(0).at("detail").get<std::string>().find(name), std::string::npos);
  }
  EXPECT_EQ(dump_ledger(db), before);
  EXPECT_EQ(stored_files(), files_before);
  // The JPEG named .png is sniffed and accepted.
  auto out = upload_json({data("bad/jpeg_named.png")}, 0);
  EXPECT_EQ(out.at("files").at(0).at("arm_features").at("featured_actor"), "frl_025");
}

TEST_F(VariantCli, ReuploadIsANoOpAndNearDuplicatesAreFlagged) {
  seed_cast();
  ok({"variant", "upload", "--title", "t1", data("posters/p01_two_leads.jpg")});
  std::string before = dump_ledger(db);
  auto again = upload_json({data("posters/p01_two_leads.jpg")}, 0);
  EXPECT_EQ(again.at("duplicates"), 1);
  EXPECT_EQ(dump_ledger(db), before);

  cv::Mat image = cv::imread(data("posters/p01_two_leads.jpg"));
  std::string copy = (dir / "p01_copy.jpg").string();
  cv::imwrite(copy, image, {cv::IMWRITE_JPEG_QUALITY, 50});
  auto skipped = upload_json({"--skip-near-duplicates", copy}, 0);
  EXPECT_EQ(skipped.at("files").at(0).at("status"), "near_duplicate");
  EXPECT_EQ(dump_ledger(db), before);
  auto flagged = upload_json({copy}, 0);
  EXPECT_EQ(flagged.at("files").at(0).at("status"), "added");
  EXPECT_EQ(flagged.at("files").at(0).at("near_duplicates").at(0).at("variant_id"), "t1-v1");
  EXPECT_EQ(flagged.at("files").at(0).at("near_duplicates").at(0).at("kind"), "copy");
}

TEST_F(VariantCli, DryRunStoresNothing) {
  seed_cast();
  std::string before = dump_ledger(db);
  size_t files_before = stored_files();
  CommandResult r = run({"variant", "upload", "--title", "t1", "--dry-run", data("posters")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("would be added"), std::string::npos) << r.out;
  EXPECT_EQ(dump_ledger(db), before);
  EXPECT_EQ(stored_files(), files_before);
}

TEST_F(VariantCli, ListShowRetireRestoreInspectSheet) {
  seed_cast();
  ok({"variant", "upload", "--title", "t1", data("posters/p01_two_leads.jpg"), data("posters/p04_single_portrait.jpg")});
  CommandResult list = run({"variant", "list", "--title", "t1", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto variants = nlohmann::json::parse(list.out);
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_EQ(variants[0].at("arm_features").at("style"), "closeup");

  CommandResult show = run({"variant", "show", "t1-v1"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("frl_004 (Ann)"), std::string::npos) << show.out;

  ok({"variant", "retire", "t1-v2"});
  EXPECT_EQ(nlohmann::json::parse(run({"variant", "list", "--title", "t1", "--json"}).out).size(), 1u);
  ok({"variant", "restore", "t1-v2"});
  EXPECT_EQ(nlohmann::json::parse(run({"variant", "list", "--title", "t1", "--json"}).out).size(), 2u);

  std::string inspect = (dir / "inspect.png").string(), sheet = (dir / "sheet.png").string();
  ok({"variant", "inspect", "t1-v1", "--out", inspect});
  cv::Mat view = cv::imread(inspect);
  ASSERT_FALSE(view.empty());
  EXPECT_EQ(view.cols, 1280);
  EXPECT_GT(view.rows, 720);  // the picture plus the palette strip and feature lines
  ok({"variant", "sheet", "--title", "t1", "--out", sheet});
  EXPECT_FALSE(cv::imread(sheet).empty());

  CommandResult missing = run({"variant", "inspect", "t1-v9", "--out", inspect});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST_F(VariantCli, ExtractPrintsTheRecordAndStoresNothing) {
  seed_cast();
  std::string before = dump_ledger(db);
  CommandResult r = run({"extract", data("posters/p01_two_leads.jpg"), "--title", "t1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto record = nlohmann::json::parse(r.out);
  EXPECT_EQ(record.at("arm_features").at("featured_actor"), "frl_004");
  EXPECT_EQ(record.at("extractor_version"), "keyart-artwork/1");
  EXPECT_EQ(dump_ledger(db), before);
  CommandResult bad = run({"extract", data("bad/bomb_30000x30000.png")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_NE(bad.err.find("bomb_30000x30000.png"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace keyart::testing
