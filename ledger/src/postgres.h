// Internal to keyart_ledger. The PostgreSQL backend of the ledger's
// connection (database.h), over libpq.
//
// Promises:
// - The URI follows libpq's conventions (postgresql://user@host:port/db?...,
//   a password from ~/.pgpass or $PGPASSWORD); unknown parameters are an
//   error. No message, error or name() ever contains the password.
// - Statements are prepared on the server; '?' and '?N' parameters become
//   $N. A statement's whole result is fetched when it is first stepped, so
//   statements can be interleaved as on SQLite; large reads go through a
//   cursor (prepare_scan), whose next FETCH is sent while the rows of the
//   last one are read (the server produces while the caller works); any
//   other command on the connection first receives that FETCH's answer (and
//   fails with its error, if it failed). A scan dropped before its end
//   waits for the FETCH in flight (at most kScanBatchRows rows) and
//   discards it. While a scan is open a lost connection is not silently
//   reconnected: its cursor would be gone.
// - A lost connection is an ErrorKind::kIo error; the next call outside a
//   transaction reconnects (statements are prepared again as needed), so a
//   long-running writer survives a server restart.
// - Errors are classified by SQLSTATE into the ledger's error kinds.
#pragma once

#include <string>

#include "database.h"

struct pg_conn;
struct pg_result;

namespace keyart::ledger {

// True when text names a PostgreSQL ledger (postgresql:// or postgres://).
bool is_postgres_uri(std::string_view text);

// The URI with any password removed: safe to print.
std::string redact_postgres_uri(std::string_view uri);

class PgDatabase final : public Database {
 public:
  // Connects; lock_timeout_ms bounds how long a write waits for a lock
  // (then kBusy). A bad URI is kInvalid; an unreachable server or refused
  // login is kIo, naming host, port and database.
  static std::unique_ptr<PgDatabase> connect(const std::string& uri, int lock_timeout_ms,
                                             bool read_only);
  ~PgDatabase() override;

  Backend backend() const override { return Backend::kPostgres; }
  const std::string& name() const override { return name_; }
  void exec(std::string_view sql) override;
  Statement prepare(std::string_view sql) override;
  // Reads through a cursor, kScanBatchRows rows a round trip, inside the
  // open transaction or a read-only one of its own.
  Statement prepare_scan(std::string_view sql) override;
  static constexpr int kScanBatchRows = 20'000;
  bool in_transaction() const override;
  void begin_write() override;
  void commit_write() override;
  void rollback_quietly(bool nested) noexcept override;

  // COPY ... FROM STDIN with the given data (text format rows).
  void copy_in(std::string_view copy_sql, std::string_view data);

  // The open connection (reconnecting if it was lost outside a
  // transaction), with no scan's read-ahead in flight; bumps generation()
  // when it reconnects.
  pg_conn* connection();
  // The connection as it is (no reconnect), with no read-ahead in flight.
  pg_conn* settled_connection();
  uint64_t generation() const { return generation_; }
  // The connection broke and no transaction was open on it: a request that
  // failed may be sent once more on a new connection.
  bool lost_outside_transaction() const;
  // Throws the error of a failed result (and clears it).
  [[noreturn]] void fail(pg_result* result, std::string_view context);

 private:
  PgDatabase(pg_conn* conn, std::string uri, std::string name, int lock_timeout_ms,
             bool read_only);
  void configure();
  // Commands are sent only on connection() or settled_connection() (a
  // read-ahead FETCH may be in flight); reading its status is fine.
  pg_conn* conn_ = nullptr;
  std::string uri_;
  std::string name_;
  int lock_timeout_ms_ = 0;
  bool read_only_ = false;
  bool in_write_ = false;  // a transaction is open (also when the connection broke)
  uint64_t generation_ = 1;
  uint64_t next_statement_ = 0;
  class PgScan* reading_ahead_ = nullptr;  // its FETCH is in flight
  int open_scans_ = 0;                     // cursors open on the connection
  friend class PgStatement;
  friend class PgScan;
};

}  // namespace keyart::ledger
