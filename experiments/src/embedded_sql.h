// The SQL texts compiled into the binary (generated from schema.sql and
// experiments/migrations by cmake/EmbedText.cmake). Internal to experiments/.
#pragma once

namespace keyart::experiments::embedded {
struct EmbeddedMigration {
  int to_version;
  const char* sql;
};
extern const char* const kSchemaSql;
extern const EmbeddedMigration kMigrations[];  // kMigrationCount entries, then a sentinel
extern const int kMigrationCount;
}  // namespace keyart::experiments::embedded
