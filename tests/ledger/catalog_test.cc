// Titles, cast, headshots and variants: round trips, rules and refusals that
// leave the ledger unchanged.
#include <gtest/gtest.h>

#include "support/ledger_fixture.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/file_store.h"
#include "keyart/ledger/variants.h"
#include "support/ledger_dump.h"

namespace keyart::ledger {
namespace {

using testing::LedgerFixture;

template <typename Fn>
ErrorKind error_of(Fn&& fn) {
  try {
    fn();
  } catch (const LedgerError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no LedgerError";
  return ErrorKind::kInternal;
}

TEST(Catalog, TitleRoundTripWithGenres) {
  LedgerFixture f;
  add_title(f.ledger, {.title_id = "t1", .name = "One", .genres = {"drama", "crime"}});
  Title t = get_title(f.ledger, "t1");
  EXPECT_EQ(t.name, "One");
  EXPECT_EQ(t.default_policy, "uniform");
  EXPECT_EQ(t.genres, (std::vector<std::string>{"crime", "drama"}));
  EXPECT_GT(t.created_at, 0);
  EXPECT_EQ(list_titles(f.ledger).size(), 1u);
}

TEST(Catalog, MetacharactersRoundTripUnchanged) {
  LedgerFixture f;
  const std::string name = "<script>alert('x')</script> \"Bobby\"; DROP TABLE titles; --";
  add_title(f.ledger, {.title_id = "t'1\"", .name = name});
  EXPECT_EQ(get_title(f.ledger, "t'1\"").name, name);
  EXPECT_EQ(list_titles(f.ledger).size(), 1u);
}

TEST(Catalog, DuplicateTitleIsConflictAndChangesNothing) {
  LedgerFixture f;
  add_title(f.ledger, {.title_id = "t1", .name = "One", .genres = {"drama"}});
  std::string before = testing::dump_ledger(f.path);
  EXPECT_EQ(error_of([&] { add_title(f.ledger, {.title_id = "t1", .name = "Two", .genres = {"x"}}); }),
            ErrorKind::kConflict);
  EXPECT_EQ(testing::dump_ledger(f.path), before);
}

TEST(Catalog, InvalidIdsAndNamesRefused) {
  LedgerFixture f;
  EXPECT_EQ(error_of([&] { add_title(f.ledger, {.title_id = "", .name = "x"}); }),
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] { add_title(f.ledger, {.title_id = "a b", .name = "x"}); }),
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] { add_title(f.ledger, {.title_id = "../etc", .name = "x"}); }),
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] { add_title(f.ledger, {.title_id = "ok", .name = ""}); }),
            ErrorKind::kInvalid);
  EXPECT_TRUE(list_titles(f.ledger).empty());
}

TEST(Catalog, CastMembersInBillingOrder) {
  LedgerFixture f;
  f.add_title("t1", 0);
  add_cast_member(f.ledger, {.title_id = "t1", .actor_id = "a2", .actor_name = "Bea",
                             .billing_order = 2, .role = "supporting"});
  add_cast_member(f.ledger, {.title_id = "t1", .actor_id = "a1", .actor_name = "Al",
                             .billing_order = 1, .role = "lead"});
  auto cast = list_cast(f.ledger, "t1");
  ASSERT_EQ(cast.size(), 2u);
  EXPECT_EQ(cast[0].actor_id, "a1");
  EXPECT_EQ(cast[1].role, "supporting");
}

TEST(Catalog, CastRulesRefusedWithoutChange) {
  LedgerFixture f;
  f.add_title("t1", 0);
  f.add_title("t2", 0);
  add_cast_member(f.ledger, {.title_id = "t1", .actor_id = "a1", .actor_name = "Al"});
  std::string before = testing::dump_ledger(f.path);
  EXPECT_EQ(error_of([&] { add_cast_member(f.ledger, {.title_id = "t1", .actor_id = "a1"}); }),
            ErrorKind::kConflict);
  EXPECT_EQ(error_of([&] {
              add_cast_member(f.ledger, {.title_id = "t2", .actor_id = "a1", .actor_name = "Other"});
            }),
            ErrorKind::kConflict);
  EXPECT_EQ(error_of([&] {
              add_cast_member(f.ledger, {.title_id = "t2", .actor_id = "a9", .role = "star"});
            }),
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] {
              add_cast_member(f.ledger, {.title_id = "t2", .actor_id = "a9", .billing_order = 0});
            }),
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] { add_cast_member(f.ledger, {.title_id = "nope", .actor_id = "a9"}); }),
            ErrorKind::kNotFound);
  EXPECT_EQ(testing::dump_ledger(f.path), before);
  // The same actor in a second title keeps the id and name.
  add_cast_member(f.ledger, {.title_id = "t2", .actor_id = "a1"});
  EXPECT_EQ(list_cast(f.ledger, "t2")[0].actor_name, "Al");
}

TEST(Catalog, HeadshotsDeduplicatedWithDescriptor) {
  LedgerFixture f;
  f.add_title("t1", 0);
  add_cast_member(f.ledger, {.title_id = "t1", .actor_id = "a1"});
  Headshot h{.actor_id = "a1", .sha256 = std::string(64, 'a'), .storage_path = "aa/x.jpg",
             .descriptor = {0.5f, -1.25f, 3.0f}, .descriptor_model = "test-model"};
  int64_t id = add_headshot(f.ledger, h);
  EXPECT_EQ(add_headshot(f.ledger, h), id);
  auto all = list_headshots(f.ledger, "a1");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].descriptor, (std::vector<float>{0.5f, -1.25f, 3.0f}));
  EXPECT_EQ(all[0].descriptor_model, "test-model");
}

TEST(Variants, AddListRetireRestore) {
  LedgerFixture f;
  f.add_title("t1", 0);
  Variant v{.variant_id = next_variant_id(f.ledger, "t1"), .title_id = "t1",
            .sha256 = std::string(64, 'b'), .format = "jpeg", .width = 640, .height = 360,
            .bytes = 1234, .storage_path = "bb/b.jpg", .original_name = "poster.jpg"};
  EXPECT_EQ(v.variant_id, "t1-v1");
  VariantFeatures features{.extractor_version = "test-1", .features_json = R"({"n_faces":2})",
                           .vector = {0.25, 1.0, -2.0}};
  add_variant(f.ledger, v, features);
  EXPECT_EQ(next_variant_id(f.ledger, "t1"), "t1-v2");
  auto stored = latest_variant_features(f.ledger, "t1-v1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->features_json, R"({"n_faces":2})");
  EXPECT_EQ(stored->vector, (std::vector<double>{0.25, 1.0, -2.0}));
  set_variant_status(f.ledger, "t1-v1", "retired");
  EXPECT_TRUE(list_variants(f.ledger, "t1", false).empty());
  EXPECT_EQ(list_variants(f.ledger, "t1", true).size(), 1u);
  EXPECT_TRUE(get_variant(f.ledger, "t1-v1").retired_at.has_value());
  set_variant_status(f.ledger, "t1-v1", "active");
  EXPECT_EQ(list_variants(f.ledger, "t1", false).size(), 1u);
  EXPECT_FALSE(get_variant(f.ledger, "t1-v1").retired_at.has_value());
}

TEST(Variants, SameImageTwiceIsConflictAndNothingStored) {
  LedgerFixture f;
  f.add_title("t1", 0);
  Variant v{.variant_id = "t1-v1", .title_id = "t1", .sha256 = std::string(64, 'c'),
            .format = "png", .width = 10, .height = 10, .bytes = 99, .storage_path = "cc/c.png"};
  add_variant(f.ledger, v);
  std::string before = testing::dump_ledger(f.path);
  v.variant_id = "t1-v2";
  EXPECT_EQ(error_of([&] {
              add_variant(f.ledger, v, VariantFeatures{.extractor_version = "x",
                                                       .features_json = "{}"});
            }),
            ErrorKind::kConflict);
  EXPECT_EQ(testing::dump_ledger(f.path), before);
}

TEST(Variants, ImageVariantNeedsItsFileFields) {
  LedgerFixture f;
  f.add_title("t1", 0);
  Variant v{.variant_id = "t1-v1", .title_id = "t1", .kind = "image"};
  EXPECT_EQ(error_of([&] { add_variant(f.ledger, v); }), ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] { set_variant_status(f.ledger, "nope", "retired"); }),
            ErrorKind::kNotFound);
}

TEST(FileStore, ContentAddressedAndIdempotent) {
  testing::TempDir dir;
  std::vector<uint8_t> bytes = {'a', 'b', 'c'};
  StoredFile first = store_file(dir.path(), bytes, "../../JPG");
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(first.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(first.relative_path, "ba/" + first.sha256 + ".bin");
  EXPECT_FALSE(first.already_present);
  StoredFile second = store_file(dir.path(), bytes, "bin");
  EXPECT_TRUE(second.already_present);
  EXPECT_EQ(read_file_bytes(dir / first.relative_path), bytes);
}

}  // namespace
}  // namespace keyart::ledger

namespace keyart::ledger {
namespace {

// The catalogue version moves with every kind of catalogue change a serving
// node must see, and not with events: a node polls it to know when to reload.
TEST(CatalogVersion, MovesWithTheCatalogueNotWithEvents) {
  testing::LedgerFixture f;
  int64_t seen = catalog_version(f.ledger);
  auto moved = [&](const char* what) {
    const int64_t now = catalog_version(f.ledger);
    EXPECT_GT(now, seen) << what << " did not move the catalogue version";
    seen = now;
  };
  f.add_title("t1", 2);
  moved("a title with variants");
  add_cast_member(f.ledger, {.title_id = "t1", .actor_id = "a1", .actor_name = "A One"});
  moved("a cast member");
  set_variant_status(f.ledger, "t1-v1", "retired");
  moved("retiring a variant");
  set_variant_status(f.ledger, "t1-v1", "active");
  moved("restoring it");
  put_variant_features(f.ledger, {.variant_id = "t1-v2", .extractor_version = "x2",
                                  .features_json = R"({"arm_features":{"style":"dark"}})"});
  moved("new features of a variant");
  set_title_default_policy(f.ledger, "t1", "linucb");
  moved("a title's default policy");
  f.add_running_experiment("e1", {"a", "b"});
  moved("an experiment started");
  stop_experiment(f.ledger, "e1");
  moved("an experiment stopped");

  Exposure e = testing::LedgerFixture::exposure(testing::hex_id(1), "t1", "t1-v1");
  EventWriter writer(f.ledger);
  writer.write(std::vector<Exposure>{e}, std::vector<Reward>{{testing::hex_id(1), "click", 1, 2}});
  EXPECT_EQ(catalog_version(f.ledger), seen) << "events moved the catalogue version";
}

}  // namespace
}  // namespace keyart::ledger
