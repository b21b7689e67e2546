// Internal to keyart_ledger. The connection the ledger's sources talk to,
// whichever backend stands behind it (sqlite.h, postgres.h): prepared
// statements with typed binding, a statement cache, and a transaction guard
// that rolls back unless committed. Every storage failure becomes a
// LedgerError (errors.h). Values are always bound, never spliced into SQL.
//
// SQL text is written once, in the dialect both backends accept: '?' or
// '?N' parameters (the PostgreSQL connection renumbers them), ON CONFLICT
// rather than INSERT OR, RETURNING rather than last-insert-id. Where the
// backends differ (schema, batch writes, scans), the caller asks backend().
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

namespace keyart::ledger {

enum class Backend { kSqlite, kPostgres };

// One prepared statement of a backend; Statement is its handle.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind_null(int index) = 0;
  virtual void bind_int(int index, int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  // copy=false: value stays alive until the statement is stepped and reset.
  virtual void bind_text(int index, std::string_view value, bool copy) = 0;
  virtual void bind_blob(int index, std::span<const uint8_t> value) = 0;
  virtual bool step() = 0;
  virtual void reset() = 0;
  // Rows changed by the last run (INSERT/UPDATE/DELETE).
  virtual int64_t changes() const = 0;
  virtual bool is_null(int column) const = 0;
  virtual int64_t column_int(int column) const = 0;
  virtual double column_double(int column) const = 0;
  virtual std::string_view column_text_view(int column) const = 0;
  virtual std::span<const uint8_t> column_blob_view(int column) const = 0;
};

class Statement {
 public:
  Statement() = default;
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Parameters are 1-based.
  Statement& bind(int index, std::nullptr_t) { impl_->bind_null(index); return *this; }
  Statement& bind(int index, int64_t value) { impl_->bind_int(index, value); return *this; }
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value) { impl_->bind_double(index, value); return *this; }
  Statement& bind(int index, std::string_view value) {
    impl_->bind_text(index, value, true);
    return *this;
  }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_blob(int index, std::span<const uint8_t> value) {
    impl_->bind_blob(index, value);
    return *this;
  }
  // Binds without copying: value must stay alive until the statement is
  // stepped and reset (the batch writers' hot path).
  Statement& bind_static(int index, std::string_view value) {
    impl_->bind_text(index, value, false);
    return *this;
  }
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
  bool step() { return impl_->step(); }
  // Runs a statement that returns no rows, then resets it for reuse.
  void run() {
    while (step()) {
    }
    reset();
  }
  // Resets and clears bindings so the statement can be reused.
  void reset() { impl_->reset(); }
  // Rows changed by the last run.
  int64_t changes() const { return impl_->changes(); }

  // Columns are 0-based.
  bool is_null(int column) const { return impl_->is_null(column); }
  int64_t column_int(int column) const { return impl_->column_int(column); }
  double column_double(int column) const { return impl_->column_double(column); }
  std::string column_text(int column) const { return std::string(column_text_view(column)); }
  // Valid until the next step.
  std::string_view column_text_view(int column) const { return impl_->column_text_view(column); }
  std::optional<int64_t> column_optional_int(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_int(column);
  }
  std::optional<std::string> column_optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_text(column);
  }
  std::vector<uint8_t> column_blob(int column) const {
    std::span<const uint8_t> view = column_blob_view(column);
    return {view.begin(), view.end()};
  }
  // Valid until the next step.
  std::span<const uint8_t> column_blob_view(int column) const {
    return impl_->column_blob_view(column);
  }
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
  std::unique_ptr<StatementImpl> impl_;
};

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  virtual Backend backend() const = 0;
  // The ledger's name in messages: a path, or a URI without its password.
  virtual const std::string& name() const = 0;
  // Runs SQL text without parameters (schema scripts, settings).
  virtual void exec(std::string_view sql) = 0;
  virtual Statement prepare(std::string_view sql) = 0;
  // A statement for reading many rows (report scans, replay): rows arrive
  // in bounded batches rather than all at once (SQLite steps through its
  // B-tree anyway; PostgreSQL reads through a cursor). Other statements may
  // run between its steps.
  virtual Statement prepare_scan(std::string_view sql) { return prepare(sql); }
  virtual bool in_transaction() const = 0;
  // Opens a transaction that takes the write lock at once (so a busy ledger
  // fails early rather than halfway through).
  virtual void begin_write() = 0;
  virtual void commit_write() = 0;
  // Ends a transaction without raising (used from destructors).
  virtual void rollback_quietly(bool nested) noexcept = 0;

  // A prepared statement kept for the connection's life, keyed by its SQL;
  // reset before it is returned.
  Statement& cached(std::string_view sql);
  // Reads a single integer (e.g. a COUNT); 0 when there is no row.
  int64_t query_int(std::string_view sql);

 protected:
  // Derived destructors call this before closing their connection.
  void clear_cache() { cache_.clear(); }

 private:
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// The column that orders a table's rows as they were inserted: SQLite's
// implicit rowid, PostgreSQL's insert_order identity column (the one column
// the PostgreSQL schema has that schema.sql does not spell out).
inline const char* insertion_order_column(const Database& db) {
  return db.backend() == Backend::kSqlite ? "rowid" : "insert_order";
}

// BEGIN (taking the write lock) on construction; ROLLBACK in the destructor
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

}  // namespace keyart::ledger
