// The experiment ledger: one SQLite file (schema.sql) holding the catalogue,
// experiments, exposures and rewards. Opening a ledger creates it if asked,
// applies the schema to an empty file, migrates an older one forward in one
// transaction, and refuses (LedgerError kSchema) a file that is not SQLite, is
// not a keyart ledger, or was written by a newer keyart. Read-write ledgers
// run in WAL mode with foreign keys on. A Ledger is one connection: use it
// from one thread at a time, and open one per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "keyart/experiments/sqlite.h"

namespace keyart::experiments {

struct LedgerOptions {
  bool read_only = false;   // open without write access (reports, listings)
  bool create = true;       // create the file when missing (read-write only)
  int busy_timeout_ms = 5000;
  // PRAGMA synchronous in WAL mode: NORMAL survives a process crash (every
  // commit is in the WAL before COMMIT returns); FULL also survives power loss.
  bool synchronous_full = false;
};

class Ledger {
 public:
  static Ledger open(const std::string& path, const LedgerOptions& options = {});

  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;

  Database& db() { return db_; }
  const std::string& path() const { return db_.path(); }
  bool read_only() const { return read_only_; }
  int schema_version() const { return schema_version_; }

  // Folder beside the ledger where stored files (artwork, headshots) live,
  // content-addressed: "<ledger>.files".
  std::filesystem::path files_dir() const;

  // Throws kReadOnly unless the ledger was opened for writing.
  void require_writable() const;

  // The schema version this build writes (from schema.sql).
  static int current_schema_version();

 private:
  Ledger(Database db, bool read_only, int version)
      : db_(std::move(db)), read_only_(read_only), schema_version_(version) {}
  Database db_;
  bool read_only_ = false;
  int schema_version_ = 0;
};

// Milliseconds since the Unix epoch, the ledger's time unit.
int64_t now_ms();

}  // namespace keyart::experiments
