#include "schema.h"

#include <cstdlib>
#include <string>

#include "embedded_sql.h"
#include "sqlite.h"

namespace keyart::ledger {

std::string_view schema_sql() { return embedded::kSchemaSql; }

int schema_version() {
  static const int version = [] {
    std::string_view sql = embedded::kSchemaSql;
    constexpr std::string_view kMarker = "KEYART_SCHEMA_VERSION ";
    size_t at = sql.find(kMarker);
    if (at == std::string_view::npos) std::abort();  // build is broken: schema.sql lost its marker
    int parsed = std::atoi(std::string(sql.substr(at + kMarker.size(), 8)).c_str());
    if (parsed <= 0) std::abort();  // build is broken: the marker has no version
    return parsed;
  }();
  return version;
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> steps = [] {
    std::vector<Migration> out;
    for (int i = 0; i < embedded::kMigrationCount; ++i) {
      out.push_back({embedded::kMigrations[i].to_version, embedded::kMigrations[i].sql});
    }
    return out;
  }();
  return steps;
}

void apply_schema(Database& db) {
  db.exec(schema_sql());
  db.exec("PRAGMA user_version = " + std::to_string(schema_version()));
}

void migrate(Database& db, int from_version) {
  int version = from_version;
  for (const Migration& step : migrations()) {
    if (step.to_version <= version) continue;
    if (step.to_version != version + 1) {
      throw LedgerError(ErrorKind::kSchema, "no migration from schema version " +
                                                std::to_string(version) + " to " +
                                                std::to_string(version + 1));
    }
    db.exec(step.sql);
    version = step.to_version;
  }
  if (version != schema_version()) {
    throw LedgerError(ErrorKind::kSchema, "no migration path from schema version " +
                                              std::to_string(from_version) + " to " +
                                              std::to_string(schema_version()));
  }
  db.exec("PRAGMA user_version = " + std::to_string(version));
}

}  // namespace keyart::ledger
