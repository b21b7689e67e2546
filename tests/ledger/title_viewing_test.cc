// Everyone's viewing per title (ledger/title_viewing.h): stored and read
// back whole, replaced whole, refusals that change nothing, and the
// catalogue's version raised so serving nodes reload it.
#include <gtest/gtest.h>

#include <cmath>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/title_viewing.h"
#include "support/ledger_fixture.h"

namespace keyart::ledger {
namespace {

using testing::LedgerFixture;

ErrorKind refusal(Ledger& ledger, const TitleViewing& viewing) {
  try {
    store_title_viewing(ledger, viewing);
  } catch (const LedgerError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "stored";
  return ErrorKind::kInternal;
}

TEST(TitleViewing, IsStoredWholeAndReplacedWhole) {
  LedgerFixture f;
  add_title(f.ledger, {.title_id = "t1", .name = "One"});
  add_title(f.ledger, {.title_id = "t2", .name = "Two"});
  EXPECT_FALSE(load_title_viewing(f.ledger));  // never stored
  const int64_t before = catalog_version(f.ledger);
  store_title_viewing(f.ledger, {.weight = {{"t1", 2.5}, {"t2", 0}}, .computed_at = 1000});
  EXPECT_GT(catalog_version(f.ledger), before);
  auto stored = load_title_viewing(f.ledger);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->weight, (std::unordered_map<std::string, double>{{"t1", 2.5}, {"t2", 0}}));
  EXPECT_EQ(stored->computed_at, 1000);

  store_title_viewing(f.ledger, {.weight = {{"t2", 7}}, .computed_at = 2000});
  stored = load_title_viewing(f.ledger);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->weight, (std::unordered_map<std::string, double>{{"t2", 7}}));
  EXPECT_EQ(stored->computed_at, 2000);
}

TEST(TitleViewing, BadInputIsRefusedAndWhatWasStoredStays) {
  LedgerFixture f;
  add_title(f.ledger, {.title_id = "t1", .name = "One"});
  store_title_viewing(f.ledger, {.weight = {{"t1", 3}}, .computed_at = 1000});
  EXPECT_EQ(refusal(f.ledger, {.weight = {{"t1", -1}}, .computed_at = 5}), ErrorKind::kInvalid);
  EXPECT_EQ(refusal(f.ledger, {.weight = {{"t1", NAN}}, .computed_at = 5}), ErrorKind::kInvalid);
  EXPECT_EQ(refusal(f.ledger, {.weight = {{"t1", 1e16}}, .computed_at = 5}), ErrorKind::kInvalid);
  EXPECT_EQ(refusal(f.ledger, {.weight = {{"t1", 1}, {"nope", 1}}, .computed_at = 5}), ErrorKind::kNotFound);
  const auto stored = load_title_viewing(f.ledger);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->weight, (std::unordered_map<std::string, double>{{"t1", 3}}));
  EXPECT_EQ(stored->computed_at, 1000);
}

}  // namespace
}  // namespace keyart::ledger
