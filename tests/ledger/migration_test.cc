// Forward migrations: a ledger created at an earlier schema version (from the
// frozen schema files in tests/data) opens with this keyart, keeps its data,
// and ends with exactly the schema a fresh ledger gets from schema.sql.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/ledger.h"
#include "schema.h"
#include "support/ledger_dump.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart::ledger {
namespace {

using testing::TempDir;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
}

// The schema as SQLite reports it: every object's type, name and SQL, sorted.
std::string schema_of(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT type, name, tbl_name, sql FROM sqlite_master "
                     "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
                     -1, &st, nullptr);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < 4; ++c) {
      auto* v = sqlite3_column_text(st, c);
      // Normalise whitespace so layout differences in the SQL text do not count.
      std::string text = v ? reinterpret_cast<const char*>(v) : "";
      std::string squeezed;
      for (char ch : text) {
        if (std::isspace(static_cast<unsigned char>(ch))) {
          if (!squeezed.empty() && squeezed.back() != ' ') squeezed += ' ';
        } else {
          squeezed += ch;
        }
      }
      out += squeezed + "|";
    }
    out += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// A ledger made from the frozen schema of `version`, with a title, a variant
// and an exposure, opened with this keyart: migrated, data kept, and the
// same schema as a fresh ledger.
void check_migration_from(int version) {
  TempDir dir;
  std::string old_path = (dir / ("v" + std::to_string(version) + ".db")).string();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
    exec(db, read(testing::source_dir() / "tests" / "data" /
                  ("schema_v" + std::to_string(version) + ".sql")));
    exec(db, "PRAGMA user_version = " + std::to_string(version));
    exec(db, "INSERT INTO titles (title_id, name, created_at) VALUES ('t1', 'Old title', 5)");
    exec(db, "INSERT INTO variants (variant_id, title_id, kind, uploaded_at) "
             "VALUES ('t1-v1', 't1', 'external', 6)");
    exec(db, "INSERT INTO exposures (event_id, ts, unit_id, title_id, variant_id, policy, "
             "model_version, propensity) VALUES (randomblob(16), 7, 'u', 't1', 't1-v1', "
             "'uniform', 0, 1.0)");
    sqlite3_close(db);
  }
  {
    Ledger ledger = Ledger::open(old_path);
    EXPECT_EQ(ledger.schema_version(), schema_version());
    EXPECT_EQ(get_title(ledger, "t1").name, "Old title");
    EXPECT_EQ(count_exposures(ledger), 1);
  }
  std::string fresh_path = (dir / "fresh.db").string();
  { Ledger::open(fresh_path); }
  EXPECT_EQ(schema_of(old_path), schema_of(fresh_path));
}

TEST(Migration, FromVersion1KeepsDataAndMatchesFreshSchema) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  ASSERT_GE(schema_version(), 2) << "no earlier version to migrate from";
  check_migration_from(1);
}

TEST(Migration, FromVersion2KeepsDataAndMatchesFreshSchema) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  ASSERT_GE(schema_version(), 3);
  check_migration_from(2);
}

TEST(Migration, FromVersion3KeepsDataAndMatchesFreshSchema) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  ASSERT_GE(schema_version(), 4);
  check_migration_from(3);
}

TEST(Migration, FromVersion4KeepsDataAndMatchesFreshSchema) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  ASSERT_GE(schema_version(), 5);
  check_migration_from(4);
}

TEST(Migration, FromVersion5KeepsDataAndMatchesFreshSchema) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  ASSERT_GE(schema_version(), 6);
  check_migration_from(5);
}

TEST(Migration, FromVersion7KeepsDataAndMatchesFreshSchema) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  ASSERT_GE(schema_version(), 8);
  check_migration_from(7);
}

TEST(Migration, EveryStepIsPresentAndOrdered) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  int expected = 2;
  for (const Migration& m : migrations()) EXPECT_EQ(m.to_version, expected++);
  EXPECT_EQ(expected - 1, schema_version());
}

TEST(Migration, ReadOnlyOpenOfOldLedgerAsksForUpgrade) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "v1.db").string();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    exec(db, read(testing::source_dir() / "tests" / "data" / "schema_v1.sql"));
    exec(db, "PRAGMA user_version = 1");
    sqlite3_close(db);
  }
  std::string before = testing::dump_ledger(path);
  try {
    Ledger::open(path, {.read_only = true});
    FAIL() << "a read-only open migrated or accepted an old ledger";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kSchema);
    EXPECT_NE(std::string(e.what()).find("upgrade"), std::string::npos) << e.what();
  }
  EXPECT_EQ(testing::dump_ledger(path), before);
}

}  // namespace
}  // namespace keyart::ledger
