// The SQL texts compiled into the binary (generated from schema.sql and
// ledger/migrations by cmake/EmbedText.cmake). Internal to ledger/.
#pragma once

namespace keyart::ledger::embedded {
struct EmbeddedMigration {
  int to_version;
  const char* sql;
};
extern const char* const kSchemaSql;
extern const EmbeddedMigration kMigrations[];  // kMigrationCount entries, then a sentinel
extern const int kMigrationCount;
}  // namespace keyart::ledger::embedded
