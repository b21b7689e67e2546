// Opening ledgers: schema applied to new and empty files; refusals for files
// that are not keyart ledgers, newer schemas, read-only files and bad paths,
// each leaving the file untouched.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>

#include "sqlite.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/ledger.h"
#include "schema.h"
#include "support/ledger_dump.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart::ledger {
namespace {

using testing::TempDir;

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

ErrorKind open_error(const std::string& path, LedgerOptions options = {}) {
  try {
    Ledger::open(path, options);
  } catch (const LedgerError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "opening " << path << " did not fail";
  return ErrorKind::kInternal;
}

TEST(LedgerOpen, CreatesSchemaInNewFile) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "new.db").string();
  Ledger ledger = Ledger::open(path);
  EXPECT_EQ(ledger.schema_version(), schema_version());
  EXPECT_EQ(ledger.db().query_int("PRAGMA user_version"), schema_version());
  EXPECT_EQ(ledger.db().query_int("PRAGMA foreign_keys"), 1);
  Statement mode = ledger.db().prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");
  for (const char* table : {"titles", "title_genres", "actors", "cast_members", "headshots",
                            "variants", "variant_features", "experiments", "experiment_titles",
                            "arms", "exposures", "rewards"}) {
    Statement st = ledger.db().prepare("SELECT count(*) FROM sqlite_master WHERE name = ?");
    st.bind(1, table);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.column_int(0), 1) << table;
  }
}

TEST(LedgerOpen, EmptyFileBecomesLedger) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  auto path = dir / "empty.db";
  write_file(path, "");
  Ledger ledger = Ledger::open(path.string());
  EXPECT_EQ(ledger.schema_version(), schema_version());
}

TEST(LedgerOpen, ReopenKeepsData) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "l.db").string();
  {
    Ledger ledger = Ledger::open(path);
    add_title(ledger, {.title_id = "t1", .name = "One"});
  }
  Ledger again = Ledger::open(path);
  EXPECT_EQ(get_title(again, "t1").name, "One");
}

TEST(LedgerOpen, RefusesTextFileAndLeavesItAlone) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  auto path = dir / "notes.db";
  const std::string text = "these are not the droids you are looking for\n";
  write_file(path, text);
  EXPECT_EQ(open_error(path.string()), ErrorKind::kSchema);
  EXPECT_EQ(testing::read_text(path), text);
}

TEST(LedgerOpen, RefusesForeignSqliteDatabase) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "other.db").string();
  run_sql(path, "CREATE TABLE inventory (item TEXT); INSERT INTO inventory VALUES ('hat');");
  std::string before = testing::dump_ledger(path);
  EXPECT_EQ(open_error(path), ErrorKind::kSchema);
  EXPECT_EQ(testing::dump_ledger(path), before);
}

TEST(LedgerOpen, RefusesNewerSchemaVersion) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "future.db").string();
  { Ledger::open(path); }
  run_sql(path, "PRAGMA user_version = " + std::to_string(schema_version() + 1));
  std::string before = testing::dump_ledger(path);
  try {
    Ledger::open(path);
    FAIL() << "opened a ledger from the future";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kSchema);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_EQ(testing::dump_ledger(path), before);
}

TEST(LedgerOpen, ReadOnlyOpenCannotWrite) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "ro.db").string();
  {
    Ledger ledger = Ledger::open(path);
    add_title(ledger, {.title_id = "t1", .name = "One"});
    ledger.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::string before = testing::dump_ledger(path);
  Ledger reader = Ledger::open(path, {.read_only = true});
  EXPECT_EQ(list_titles(reader).size(), 1u);
  try {
    add_title(reader, {.title_id = "t2", .name = "Two"});
    FAIL() << "wrote through a read-only ledger";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kReadOnly);
  }
  EXPECT_EQ(testing::dump_ledger(path), before);
}

TEST(LedgerOpen, ReadOnlyFileRefusedForWritingButReadable) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  std::string path = (dir / "ro.db").string();
  {
    Ledger ledger = Ledger::open(path);
    add_title(ledger, {.title_id = "t1", .name = "One"});
    ledger.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::string before = testing::dump_ledger(path);
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  try {
    Ledger::open(path);
    FAIL() << "opened a read-only file for writing";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kReadOnly);
    EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
  }
  Ledger reader = Ledger::open(path, {.read_only = true});
  EXPECT_EQ(get_title(reader, "t1").name, "One");
  EXPECT_EQ(testing::dump_ledger(path), before);
}

TEST(LedgerOpen, MissingPathsAreNotFound) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  EXPECT_EQ(open_error((dir / "absent.db").string(), {.read_only = true}), ErrorKind::kNotFound);
  EXPECT_EQ(open_error((dir / "no" / "such" / "folder.db").string()), ErrorKind::kNotFound);
  EXPECT_EQ(open_error((dir / "absent.db").string(), {.create = false}), ErrorKind::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));
}

TEST(LedgerOpen, FolderIsNotALedger) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  EXPECT_EQ(open_error(dir.path().string()), ErrorKind::kInvalid);
}

TEST(LedgerOpen, EmptyFileReadOnlyIsNotALedger) {
  KEYART_SQLITE_ONLY();  // the SQLite file (postgres_ledger_test.cc: the server)
  TempDir dir;
  auto path = dir / "empty.db";
  write_file(path, "");
  EXPECT_EQ(open_error(path.string(), {.read_only = true}), ErrorKind::kSchema);
}

}  // namespace
}  // namespace keyart::ledger
