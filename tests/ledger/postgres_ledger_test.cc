// The PostgreSQL ledger's own behaviour, on the PostgreSQL pass: the schema
// applied to an empty database; refusals for a database that is not a
// keyart ledger, a newer schema, a bad URI, an unreachable server and a
// wrong password, each naming host and database and never the password;
// and the two schema files agreeing on tables, columns and rules.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "database.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/ledger.h"
#include "postgres.h"
#include "schema.h"
#include "support/ledger_dump.h"
#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart::ledger {
namespace {

using testing::TempDir;
using testing::TestLedger;

LedgerError open_error(const std::string& target, LedgerOptions options = {}) {
  try {
    Ledger::open(target, options);
  } catch (const LedgerError& e) {
    return e;
  }
  ADD_FAILURE() << "opening " << target << " did not fail";
  return LedgerError(ErrorKind::kInternal, "");
}

// The test database's URI with user:password spliced in.
std::string with_password(const std::string& uri, const std::string& password) {
  size_t at = uri.find('@');
  return uri.substr(0, at) + ":" + password + uri.substr(at);
}

TEST(PostgresUri, RedactsThePassword) {
  EXPECT_EQ(redact_postgres_uri("postgresql://ann:s3cret@db.example:5432/keyart"),
            "postgresql://ann@db.example:5432/keyart");
  EXPECT_EQ(redact_postgres_uri("postgresql://ann@db/keyart?sslmode=require&password=s3cret"),
            "postgresql://ann@db/keyart?sslmode=require");
  EXPECT_EQ(redact_postgres_uri("postgres://db/keyart"), "postgres://db/keyart");
  EXPECT_TRUE(is_server_ledger("postgresql://db/k"));
  EXPECT_TRUE(is_server_ledger("postgres://db/k"));
  EXPECT_FALSE(is_server_ledger("keyart.db"));
  EXPECT_FALSE(is_server_ledger("./postgresql:/x.db"));
}

TEST(PostgresLedger, CreatesTheSchemaInAnEmptyDatabase) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  {
    Ledger ledger = Ledger::open(where.target());
    EXPECT_EQ(ledger.schema_version(), Ledger::current_schema_version());
    EXPECT_STREQ(ledger.backend_name(), "postgresql");
    EXPECT_EQ(stored_schema_version(ledger.db()), schema_version(Backend::kPostgres));
    add_title(ledger, {.title_id = "t1", .name = "One"});
  }
  // Opening again (read-only too) keeps what is there.
  Ledger again = Ledger::open(where.target(), {.read_only = true});
  EXPECT_EQ(get_title(again, "t1").name, "One");
}

TEST(PostgresLedger, ReadOnlyOpenOfAnEmptyDatabaseIsRefused) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  LedgerError e = open_error(where.target(), {.read_only = true});
  EXPECT_EQ(e.kind(), ErrorKind::kSchema);
  EXPECT_NE(std::string(e.what()).find("keyart init"), std::string::npos) << e.what();
}

TEST(PostgresLedger, ReadOnlyLedgerCannotWrite) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  { Ledger::open(where.target()); }
  Ledger ledger = Ledger::open(where.target(), {.read_only = true});
  try {
    add_title(ledger, {.title_id = "t1", .name = "One"});
    FAIL() << "wrote through a read-only ledger";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kReadOnly);
  }
}

TEST(PostgresLedger, RefusesADatabaseThatIsNotAKeyartLedger) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  // Someone else's table in the database.
  auto db = PgDatabase::connect(where.target(), 1000, false);
  db->exec("CREATE TABLE inventory (item TEXT); INSERT INTO inventory VALUES ('hat')");
  LedgerError e = open_error(where.target());
  EXPECT_EQ(e.kind(), ErrorKind::kSchema);
  EXPECT_NE(std::string(e.what()).find("not a keyart ledger"), std::string::npos) << e.what();
  // Untouched: their row is there, no keyart table was created.
  EXPECT_EQ(db->query_int("SELECT count(*) FROM inventory"), 1);
  EXPECT_EQ(db->query_int("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"),
            1);
}

TEST(PostgresLedger, RefusesANewerSchemaVersion) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  { Ledger::open(where.target()); }
  {
    auto db = PgDatabase::connect(where.target(), 1000, false);
    db->exec("CREATE OR REPLACE FUNCTION keyart_schema_version() RETURNS integer LANGUAGE sql "
             "IMMUTABLE AS 'SELECT " + std::to_string(schema_version(Backend::kPostgres) + 1) +
             "'");
  }
  std::string before = testing::dump_ledger(where.target());
  LedgerError e = open_error(where.target());
  EXPECT_EQ(e.kind(), ErrorKind::kSchema);
  EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  EXPECT_EQ(testing::dump_ledger(where.target()), before);
}

// What a PostgreSQL ledger's schema is made of, one line each, sorted:
// columns with their type and nullability, indexes, triggers, functions.
std::string postgres_shape(const std::string& uri) {
  auto db = PgDatabase::connect(uri, 1000, true);
  std::set<std::string> lines;
  auto collect = [&](const char* sql) {
    Statement st = db->prepare(sql);
    while (st.step()) lines.insert(st.column_text(0));
  };
  collect("SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || "
          "is_nullable FROM information_schema.columns WHERE table_schema = current_schema()");
  collect("SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes "
          "WHERE schemaname = current_schema()");
  collect("SELECT 'trigger ' || t.tgname || ' ' || pg_get_triggerdef(t.oid) FROM pg_trigger t "
          "JOIN pg_class r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal "
          "AND r.relnamespace = current_schema()::regnamespace");
  collect("SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p "
          "WHERE p.pronamespace = current_schema()::regnamespace AND p.proname <> 'keyart_schema_version'");
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// A ledger made with the frozen version-3 schema (tests/data) opens with
// this keyart: migrated step by step, its data kept, and the same schema a
// fresh ledger gets from schema_postgres.sql.
TEST(PostgresLedger, MigratesFromVersion3ToTheFreshSchema) {
  KEYART_POSTGRES_ONLY();
  ASSERT_GE(schema_version(Backend::kPostgres), 4);
  TempDir dir;
  TestLedger old_ledger(dir, "v3"), fresh(dir, "fresh");
  {
    auto db = PgDatabase::connect(old_ledger.target(), 1000, false);
    db->exec(testing::read_text(testing::source_dir() / "tests" / "data" / "schema_postgres_v3.sql"));
    db->exec("CREATE OR REPLACE FUNCTION keyart_schema_version() RETURNS integer LANGUAGE sql "
             "IMMUTABLE AS 'SELECT 3'");
    db->exec("INSERT INTO titles (title_id, name, created_at) VALUES ('t1', 'Old title', 5)");
  }
  {
    Ledger ledger = Ledger::open(old_ledger.target());
    EXPECT_EQ(ledger.schema_version(), schema_version(Backend::kPostgres));
    EXPECT_EQ(get_title(ledger, "t1").name, "Old title");
    EXPECT_EQ(catalog_version(ledger), 0);
    add_title(ledger, {.title_id = "t2", .name = "New title"});
    EXPECT_GT(catalog_version(ledger), 0);  // the migrated triggers work
  }
  { Ledger::open(fresh.target()); }
  EXPECT_EQ(postgres_shape(old_ledger.target()), postgres_shape(fresh.target()));
}

TEST(PostgresLedger, UnknownUriParameterIsABadUri) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  LedgerError e = open_error(with_password(where.target(), "hunter2") + "?colour=blue");
  EXPECT_EQ(e.kind(), ErrorKind::kInvalid);
  std::string message = e.what();
  EXPECT_NE(message.find("colour"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

TEST(PostgresLedger, UnreachableServerNamesHostAndDatabase) {
  KEYART_POSTGRES_ONLY();
  // A port nothing listens on: bound here, never listening.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  std::string uri = "postgresql://keyart:hunter2@127.0.0.1:" + std::to_string(port) +
                    "/ledger?connect_timeout=5";
  LedgerError e = open_error(uri);
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  std::string message = e.what();
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
  EXPECT_NE(message.find("'ledger'"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  ::close(fd);
}

TEST(PostgresLedger, WrongPasswordIsRefusedWithoutPrintingIt) {
  KEYART_POSTGRES_ONLY();
  TempDir dir;
  TestLedger where(dir);
  LedgerError e = open_error(with_password(where.target(), "not-the-password"));
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  std::string message = e.what();
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password"), std::string::npos) << message;
  // The command line says the same, in one line, exit 1.
  auto r = testing::run_keyart({"title", "list", "--db",
                                with_password(where.target(), "not-the-password")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("not-the-password"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// The two schema files describe one ledger: the same tables, the same
// columns with the same NOT NULL rules, the same foreign keys and triggers.
// The PostgreSQL spelling adds only what its header documents.
TEST(SchemaParity, BothBackendsHaveTheSameTablesColumnsAndRules) {
  KEYART_POSTGRES_ONLY();
  EXPECT_EQ(schema_version(Backend::kSqlite), schema_version(Backend::kPostgres));
  TempDir dir;
  Ledger sqlite = Ledger::open((dir / "parity.db").string());
  TestLedger where(dir);
  Ledger postgres = Ledger::open(where.target());

  using Columns = std::map<std::string, bool>;  // column -> NOT NULL
  std::map<std::string, Columns> sqlite_tables, postgres_tables;
  std::set<std::string> sqlite_rules, postgres_rules;
  {
    Database& db = sqlite.db();
    Statement tables = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    for (const std::string& table : tables.all([](const Statement& r) { return r.column_text(0); })) {
      Statement cols = db.prepare("SELECT name, \"notnull\", pk FROM pragma_table_info(?)");
      cols.bind(1, table);
      while (cols.step()) {
        // A SQLite primary key column is NOT NULL in PostgreSQL's terms.
        sqlite_tables[table][cols.column_text(0)] = cols.column_int(1) == 1 || cols.column_int(2) > 0;
      }
      Statement fks = db.prepare("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)");
      fks.bind(1, table);
      while (fks.step()) {
        sqlite_rules.insert("fk " + table + "." + fks.column_text(1) + " -> " +
                            fks.column_text(0) + "." + fks.column_text(2));
      }
    }
    Statement triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'");
    while (triggers.step()) sqlite_rules.insert("trigger " + triggers.column_text(0));
  }
  {
    Database& db = postgres.db();
    Statement cols = db.prepare(
        "SELECT c.table_name, c.column_name, c.is_nullable FROM information_schema.columns c "
        "JOIN pg_class k ON k.relname = c.table_name JOIN pg_namespace n ON n.oid = "
        "k.relnamespace AND n.nspname = c.table_schema WHERE c.table_schema = current_schema() "
        "AND k.relkind IN ('r', 'p') AND NOT k.relispartition");
    while (cols.step()) {
      postgres_tables[cols.column_text(0)][cols.column_text(1)] = cols.column_text(2) == "NO";
    }
    Statement fks = db.prepare(
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, "
        "fa.attname FROM pg_constraint c "
        "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, fcol) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col "
        "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fcol "
        "JOIN pg_class r ON r.oid = c.conrelid "
        "WHERE c.contype = 'f' AND NOT r.relispartition AND c.conparentid = 0 "
        "AND r.relnamespace = current_schema()::regnamespace");
    while (fks.step()) {
      postgres_rules.insert("fk " + fks.column_text(0) + "." + fks.column_text(1) + " -> " +
                            fks.column_text(2) + "." + fks.column_text(3));
    }
    Statement triggers = db.prepare(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND NOT r.relispartition "
        "AND r.relnamespace = current_schema()::regnamespace");
    while (triggers.step()) postgres_rules.insert("trigger " + triggers.column_text(0));
  }
  // What the PostgreSQL spelling adds (schema_postgres.sql's header).
  for (auto& [table, columns] : postgres_tables) {
    std::erase_if(columns, [&](const auto& c) { return is_backend_only_column(table, c.first); });
  }
  EXPECT_TRUE(is_backend_only_column("variants", "insert_order"));
  EXPECT_TRUE(postgres_rules.erase("fk rewards.exposure_ts -> exposures.ts"));
  EXPECT_TRUE(postgres_rules.erase("trigger exposures_unique_event_id"));
  // SQLite's rowid primary keys may be NULL on insert (they are assigned);
  // PostgreSQL's identity columns are NOT NULL: the same rule.
  for (auto& [table, columns] : sqlite_tables) {
    for (auto& [column, not_null] : columns) {
      if (postgres_tables.count(table) && postgres_tables[table].count(column)) {
        EXPECT_EQ(not_null, postgres_tables[table][column]) << table << "." << column;
      }
    }
  }
  std::set<std::string> sqlite_names, postgres_names;
  for (auto& [table, columns] : sqlite_tables) {
    for (auto& [column, _] : columns) sqlite_names.insert(table + "." + column);
  }
  for (auto& [table, columns] : postgres_tables) {
    for (auto& [column, _] : columns) postgres_names.insert(table + "." + column);
  }
  EXPECT_EQ(sqlite_names, postgres_names);
  EXPECT_EQ(sqlite_rules, postgres_rules);
  EXPECT_GE(sqlite_tables.size(), 13u);
  EXPECT_GE(sqlite_rules.size(), 20u);
}

}  // namespace
}  // namespace keyart::ledger
