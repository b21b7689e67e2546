#include "schema.h"

#include <cstdlib>
#include <string>

#include "embedded_sql.h"

namespace keyart::ledger {

namespace {

int parse_version(std::string_view sql) {
  constexpr std::string_view kMarker = "KEYART_SCHEMA_VERSION ";
  size_t at = sql.find(kMarker);
  if (at == std::string_view::npos) std::abort();  // build is broken: a schema lost its marker
  int parsed = std::atoi(std::string(sql.substr(at + kMarker.size(), 8)).c_str());
  if (parsed <= 0) std::abort();  // build is broken: the marker has no version
  return parsed;
}

std::vector<Migration> collect(const embedded::EmbeddedMigration* steps, int count) {
  std::vector<Migration> out;
  for (int i = 0; i < count; ++i) out.push_back({steps[i].to_version, steps[i].sql});
  return out;
}

void record_version(Database& db, int version) {
  if (db.backend() == Backend::kSqlite) {
    db.exec("PRAGMA user_version = " + std::to_string(version));
  } else {
    db.exec("CREATE OR REPLACE FUNCTION keyart_schema_version() RETURNS integer "
            "LANGUAGE sql IMMUTABLE AS 'SELECT " + std::to_string(version) + "'");
  }
}

}  // namespace

bool is_backend_only_column(std::string_view table, std::string_view column) {
  // PostgreSQL: variants' insertion order (SQLite's implicit rowid) and the
  // ts of the exposure a reward follows (its partition key).
  return (table == "variants" && column == "insert_order") ||
         (table == "rewards" && column == "exposure_ts");
}

std::string_view schema_sql(Backend backend) {
  return backend == Backend::kSqlite ? embedded::kSchemaSql : embedded::kPostgresSchemaSql;
}

int schema_version(Backend backend) {
  static const int sqlite = parse_version(embedded::kSchemaSql);
  static const int postgres = parse_version(embedded::kPostgresSchemaSql);
  return backend == Backend::kSqlite ? sqlite : postgres;
}

const std::vector<Migration>& migrations(Backend backend) {
  static const std::vector<Migration> sqlite =
      collect(embedded::kMigrations, embedded::kMigrationCount);
  static const std::vector<Migration> postgres =
      collect(embedded::kPostgresMigrations, embedded::kPostgresMigrationCount);
  return backend == Backend::kSqlite ? sqlite : postgres;
}

int stored_schema_version(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return static_cast<int>(db.query_int("PRAGMA user_version"));
  }
  if (db.query_int("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                   "p.pronamespace WHERE p.proname = 'keyart_schema_version' AND n.nspname = "
                   "current_schema()") == 0) {
    return 0;
  }
  return static_cast<int>(db.query_int("SELECT keyart_schema_version()"));
}

bool has_tables(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return db.query_int("SELECT count(*) FROM sqlite_master WHERE type = 'table'") > 0;
  }
  return db.query_int("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                      "c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname = "
                      "current_schema()") > 0;
}

void apply_schema(Database& db) {
  db.exec(schema_sql(db.backend()));
  record_version(db, schema_version(db.backend()));
}

void migrate(Database& db, int from_version) {
  int version = from_version;
  for (const Migration& step : migrations(db.backend())) {
    if (step.to_version <= version) continue;
    if (step.to_version != version + 1) {
      throw LedgerError(ErrorKind::kSchema, "no migration from schema version " +
                                                std::to_string(version) + " to " +
                                                std::to_string(version + 1));
    }
    db.exec(step.sql);
    version = step.to_version;
  }
  if (version != schema_version(db.backend())) {
    throw LedgerError(ErrorKind::kSchema, "no migration path from schema version " +
                                              std::to_string(from_version) + " to " +
                                              std::to_string(schema_version(db.backend())));
  }
  record_version(db, version);
}

}  // namespace keyart::ledger
