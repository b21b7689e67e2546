// A thin RAII layer over SQLite for the ledger: a connection, prepared
// statements with typed binding, and a transaction guard that rolls back
// unless committed. Every SQLite failure becomes a LedgerError (errors.h).
// Values are always bound, never spliced into SQL text.
// Not thread-safe: one Database per thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "keyart/ledger/errors.h"

struct sqlite3;
struct sqlite3_stmt;

namespace keyart::ledger {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::nullptr_t);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_blob(int index, std::span<const uint8_t> value);
  // Binds without copying: value must stay alive until the statement is
  // stepped and reset (the batch writers' hot path).
  Statement& bind_static(int index, std::string_view value);
  Statement& bind_static(int index, const std::string& value) {
    return bind_static(index, std::string_view(value));
  }
  Statement& bind_static(int index, const std::optional<std::string>& value) {
    return value ? bind_static(index, std::string_view(*value)) : bind(index, nullptr);
  }
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
  }
  // Binds every argument in order from parameter 1.
  template <typename... Args>
  Statement& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // Advances; true while a row is available.
  bool step();
  // Runs a statement that returns no rows, then resets it for reuse.
  void run();
  // Resets and clears bindings so the statement can be reused.
  void reset();

  // Columns are 0-based.
  bool is_null(int column) const;
  int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::string_view column_text_view(int column) const;  // valid until next step
  std::optional<int64_t> column_optional_int(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  std::vector<uint8_t> column_blob(int column) const;
  std::span<const uint8_t> column_blob_view(int column) const;  // valid until next step
  // A blob of packed values (float or double vectors), read back; bytes past
  // the last whole value are ignored.
  template <typename T>
  std::vector<T> column_array(int column) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::span<const uint8_t> bytes = column_blob_view(column);
    std::vector<T> out(bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
  }

  // Steps once and maps the row with from_row (nullopt when there is none);
  // the statement is reset either way.
  template <typename FromRow>
  auto one(FromRow&& from_row) -> std::optional<decltype(from_row(*this))> {
    ResetOnExit guard{*this};
    if (!step()) return std::nullopt;
    return from_row(*this);
  }
  // Maps every remaining row with from_row; the statement is reset after.
  template <typename FromRow>
  auto all(FromRow&& from_row) -> std::vector<decltype(from_row(*this))> {
    ResetOnExit guard{*this};
    std::vector<decltype(from_row(*this))> out;
    while (step()) out.push_back(from_row(*this));
    return out;
  }

 private:
  struct ResetOnExit {
    Statement& st;
    ~ResetOnExit() { st.reset(); }
  };
  [[noreturn]] void fail(int code) const;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens path. With create=false a missing file is an error (kNotFound).
  static Database open(const std::string& path, Mode mode, bool create);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs SQL text without parameters (schema scripts, pragmas).
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  // A prepared statement kept for the connection's life, keyed by its SQL;
  // reset before it is returned.
  Statement& cached(std::string_view sql);

  int64_t last_insert_rowid() const;
  int changes() const;
  bool in_transaction() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Reads a single integer (e.g. a PRAGMA or COUNT).
  int64_t query_int(std::string_view sql);

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE on construction (takes the write lock at once, so a busy
// ledger fails early rather than mid-transaction); ROLLBACK in the destructor
// unless commit() was called. Inside an open transaction it nests as a
// SAVEPOINT, so every write function can hold one of its own.
class SqlTransaction {
 public:
  explicit SqlTransaction(Database& db);
  SqlTransaction(const SqlTransaction&) = delete;
  SqlTransaction& operator=(const SqlTransaction&) = delete;
  ~SqlTransaction();
  void commit();

 private:
  Database& db_;
  bool nested_ = false;
  bool done_ = false;
};

// Maps an SQLite result code and message to a LedgerError kind.
ErrorKind classify_sqlite_error(int extended_code);
[[noreturn]] void throw_sqlite_error(sqlite3* db, int code, std::string_view context);

}  // namespace keyart::ledger
