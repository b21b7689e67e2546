// Internal to keyart_ledger. The embedded schema (schema.sql) and the forward migrations
// (ledger/migrations/NNNN_*.sql). migrate() brings a ledger at any
// older version to the current one inside the caller's transaction.
#pragma once

#include <string_view>
#include <vector>

namespace keyart::ledger {

class Database;

struct Migration {
  int to_version;         // the version the ledger has after this step
  std::string_view sql;   // the step's SQL
};

std::string_view schema_sql();
int schema_version();                       // parsed from schema.sql
const std::vector<Migration>& migrations();  // in order of to_version

// Creates the schema in an empty database (no tables). Caller holds a
// transaction.
void apply_schema(Database& db);
// Applies every migration after from_version. Caller holds a transaction.
void migrate(Database& db, int from_version);

}  // namespace keyart::ledger
