// Internal to keyart_ledger. Each backend's embedded schema (schema.sql,
// schema_postgres.sql) and forward migrations (ledger/migrations/,
// ledger/migrations_postgres/), and the version a ledger records.
// migrate() brings a ledger at any older version to the current one inside
// the caller's transaction. Both schemas carry the same version number.
#pragma once

#include <string_view>
#include <vector>

#include "database.h"

namespace keyart::ledger {

struct Migration {
  int to_version;         // the version the ledger has after this step
  std::string_view sql;   // the step's SQL
};

std::string_view schema_sql(Backend backend = Backend::kSqlite);
// The version this build writes, parsed from the schema's marker.
int schema_version(Backend backend = Backend::kSqlite);
const std::vector<Migration>& migrations(Backend backend = Backend::kSqlite);  // by to_version

// The columns one backend's schema has and the other's does not (the
// spelling of a backend's own mechanics: schema_postgres.sql's header).
bool is_backend_only_column(std::string_view table, std::string_view column);

// The version a ledger records (0: none, an empty database).
int stored_schema_version(Database& db);
// True when the database (on PostgreSQL: its current schema) holds any table.
bool has_tables(Database& db);

// Creates the schema in an empty database. Caller holds a transaction.
void apply_schema(Database& db);
// Applies every migration after from_version. Caller holds a transaction.
void migrate(Database& db, int from_version);

}  // namespace keyart::ledger
