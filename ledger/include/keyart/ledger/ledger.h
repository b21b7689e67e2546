// The experiment ledger: the catalogue, experiments, exposures and rewards,
// in one SQLite file (schema.sql) or in a PostgreSQL database
// (schema_postgres.sql), chosen by the target's form: a path, or a
// postgresql:// URI (libpq conventions; the password never appears in a
// message). Opening a ledger creates it if asked, applies the schema to an
// empty file or database, migrates an older one forward in one transaction,
// and refuses (LedgerError kSchema) a file that is not SQLite, a database
// that is not a keyart ledger, or either written by a newer keyart. SQLite
// ledgers opened for writing run in WAL mode with foreign keys on. A Ledger
// is one connection: use it from one thread at a time, and open one per
// thread.
//
// This header and the others in keyart/ledger/ are the ledger's interface:
// no signature in them names the storage engine (no handles, no engine
// error codes); both backends stand behind them (src/sqlite.h,
// src/postgres.h, internal to keyart_ledger).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "keyart/ledger/errors.h"

namespace keyart::ledger {

class Database;        // the connection (internal to keyart_ledger)
class SqlTransaction;  // a transaction on it (internal to keyart_ledger)

struct LedgerOptions {
  bool read_only = false;   // open without write access (reports, listings)
  bool create = true;       // create the file when missing (read-write only)
  int busy_timeout_ms = 5000;
  // PRAGMA synchronous in WAL mode: NORMAL survives a process crash (every
  // commit is in the WAL before COMMIT returns); FULL also survives power loss.
  bool synchronous_full = false;
  // Where stored files (artwork, headshots, model snapshots) live. Empty:
  // beside a SQLite ledger ("<path>.files"); a PostgreSQL ledger has no
  // "beside", so storing or reading files there needs this (shared storage
  // when several machines use the ledger).
  std::string files_dir;
};

// True when target names a PostgreSQL ledger (postgresql:// or postgres://).
bool is_server_ledger(std::string_view target);

class Ledger {
 public:
  // target: a SQLite file path or a postgresql:// URI.
  static Ledger open(const std::string& target, const LedgerOptions& options = {});

  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;
  ~Ledger();

  // The connection, for keyart_ledger's own sources (and its tests); an
  // incomplete type everywhere else.
  Database& db() { return *db_; }
  // The ledger's name: its path, or its URI without a password.
  const std::string& path() const { return path_; }
  // "sqlite" or "postgresql".
  const char* backend_name() const;
  bool read_only() const { return read_only_; }
  int schema_version() const { return schema_version_; }

  // The folder where stored files (artwork, headshots) live,
  // content-addressed: LedgerOptions::files_dir, or "<ledger>.files" beside
  // a SQLite ledger. Throws kInvalid for a PostgreSQL ledger opened without
  // one.
  std::filesystem::path files_dir() const;

  // Throws kReadOnly unless the ledger was opened for writing.
  void require_writable() const;

  // The schema version this build writes (from schema.sql).
  static int current_schema_version();

 private:
  Ledger(std::unique_ptr<Database> db, std::string path, std::string files_dir,
         bool read_only, int version);
  std::unique_ptr<Database> db_;
  std::string path_;
  std::string files_dir_;
  bool read_only_ = false;
  int schema_version_ = 0;
};

// Everything written through the ledger while a Transaction is open commits
// together on commit(), or not at all (destroyed without commit, the ledger
// rolls it back). Transactions nest: an inner one commits into the outer.
// Writing takes the ledger's write lock at once, so a busy ledger fails
// early (LedgerError kBusy) rather than halfway through.
class Transaction {
 public:
  explicit Transaction(Ledger& ledger);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  std::unique_ptr<SqlTransaction> tx_;
};

// Milliseconds since the Unix epoch, the ledger's time unit.
int64_t now_ms();

}  // namespace keyart::ledger
