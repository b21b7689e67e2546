// Internal to keyart_ledger. The SQLite backend of the ledger's connection
// (database.h): a ledger file opened read-write or read-only. Every SQLite
// failure becomes a LedgerError whose kind follows the result code.
#pragma once

#include <string>

#include "database.h"

struct sqlite3;

namespace keyart::ledger {

class SqliteDatabase final : public Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens path. With create=false a missing file is an error (kNotFound).
  static std::unique_ptr<SqliteDatabase> open(const std::string& path, Mode mode, bool create);
  ~SqliteDatabase() override;

  Backend backend() const override { return Backend::kSqlite; }
  const std::string& name() const override { return path_; }
  void exec(std::string_view sql) override;
  Statement prepare(std::string_view sql) override;
  bool in_transaction() const override;
  void begin_write() override;
  void commit_write() override { exec("COMMIT"); }
  void rollback_quietly(bool nested) noexcept override;

  // True when SQLite opened the file without write access.
  bool file_read_only() const;

 private:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Maps an SQLite extended result code to a LedgerError kind.
ErrorKind classify_sqlite_error(int extended_code);

}  // namespace keyart::ledger
