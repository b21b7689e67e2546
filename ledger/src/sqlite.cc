#include "sqlite.h"

#include <sqlite3.h>

#include <filesystem>
#include <utility>

namespace keyart::ledger {

ErrorKind classify_sqlite_error(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return ErrorKind::kConflict;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return ErrorKind::kNotFound;
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return ErrorKind::kInvalid;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return ErrorKind::kReadOnly;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorKind::kBusy;
    case SQLITE_NOTADB:
      return ErrorKind::kSchema;
    case SQLITE_CANTOPEN:
      return ErrorKind::kNotFound;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_NOMEM:
      return ErrorKind::kIo;
    default:
      return ErrorKind::kInternal;
  }
}

// Statement ------------------------------------------------------------------

namespace {

[[noreturn]] void throw_sqlite_error(sqlite3* db, int code, std::string_view context) {
  std::string message(context);
  if (!message.empty()) message += ": ";
  if (db != nullptr) {
    int extended = sqlite3_extended_errcode(db);
    if ((extended & 0xff) == (code & 0xff)) code = extended;
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(code);
  }
  throw LedgerError(classify_sqlite_error(code), message);
}

class SqliteStatement final : public StatementImpl {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }
  void bind_int(int index, int64_t value) override {
    check(sqlite3_bind_int64(stmt_, index, value));
  }
  void bind_double(int index, double value) override {
    check(sqlite3_bind_double(stmt_, index, value));
  }
  void bind_text(int index, std::string_view value, bool copy) override {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                              copy ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8));
  }
  void bind_blob(int index, std::span<const uint8_t> value) override {
    check(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT));
  }
  bool step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes64(db_);
      return false;
    }
    sqlite3_reset(stmt_);
    throw_sqlite_error(db_, rc, "");
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t changes() const override { return changes_; }
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int64_t column_int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double column_double(int column) const override {
    return sqlite3_column_double(stmt_, column);
  }
  std::string_view column_text_view(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return {};
    return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
  }
  std::span<const uint8_t> column_blob_view(int column) const override {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    int size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr || size <= 0) return {};
    return {data, static_cast<size_t>(size)};
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) throw_sqlite_error(db_, rc, "");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int64_t changes_ = 0;
};

}  // namespace

// Database -------------------------------------------------------------------

std::unique_ptr<SqliteDatabase> SqliteDatabase::open(const std::string& path, Mode mode,
                                                     bool create) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!create || mode == Mode::kReadOnly) {
    if (!fs::exists(path, ec)) {
      throw LedgerError(ErrorKind::kNotFound, "ledger '" + path + "' does not exist");
    }
  } else {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      throw LedgerError(ErrorKind::kNotFound,
                        "cannot create ledger '" + path + "': folder '" + parent.string() +
                            "' does not exist");
    }
  }
  if (fs::is_directory(path, ec)) {
    throw LedgerError(ErrorKind::kInvalid, "ledger path '" + path + "' is a folder, not a file");
  }
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                    : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open ledger '" + path + "': " +
                          (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    throw LedgerError(classify_sqlite_error(rc), message);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(db, path));
}

SqliteDatabase::~SqliteDatabase() {
  clear_cache();  // finalize statements before closing
  sqlite3_close_v2(db_);
}

void SqliteDatabase::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    int code = sqlite3_extended_errcode(db_);
    throw LedgerError(classify_sqlite_error(code), message);
  }
}

Statement SqliteDatabase::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(db_, rc, "preparing SQL");
  return Statement(std::make_unique<SqliteStatement>(db_, stmt));
}

bool SqliteDatabase::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void SqliteDatabase::begin_write() { exec("BEGIN IMMEDIATE"); }

void SqliteDatabase::rollback_quietly(bool nested) noexcept {
  sqlite3_exec(db_, nested ? "ROLLBACK TO keyart_nested; RELEASE keyart_nested" : "ROLLBACK",
               nullptr, nullptr, nullptr);
}

bool SqliteDatabase::file_read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

}  // namespace keyart::ledger
