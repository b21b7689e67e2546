#include "sqlite.h"

#include <sqlite3.h>

#include <filesystem>
#include <utility>

namespace keyart::ledger {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kInvalid: return "invalid";
    case ErrorKind::kSchema: return "schema";
    case ErrorKind::kReadOnly: return "read_only";
    case ErrorKind::kBusy: return "busy";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kInternal: return "internal";
  }
  return "internal";
}

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

void throw_sqlite_error(sqlite3* db, int code, std::string_view context) {
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

// Statement ------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::fail(int code) const { throw_sqlite_error(db_, code, ""); }

Statement& Statement::bind(int index, std::nullptr_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> value) {
  int rc = sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  fail(rc);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::column_double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::column_text_view(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string Statement::column_text(int column) const {
  return std::string(column_text_view(column));
}

std::optional<int64_t> Statement::column_optional_int(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_int(column);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_text(column);
}

std::vector<uint8_t> Statement::column_blob(int column) const {
  std::span<const uint8_t> view = column_blob_view(column);
  return {view.begin(), view.end()};
}

std::span<const uint8_t> Statement::column_blob_view(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return {data, static_cast<size_t>(size)};
}

// Database -------------------------------------------------------------------

Database Database::open(const std::string& path, Mode mode, bool create) {
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
  return Database(db, path);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Database::~Database() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
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

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(db_, rc, "preparing SQL");
  return Statement(db_, stmt);
}

Statement& Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(prepare(sql))).first;
  } else {
    it->second->reset();
  }
  return *it->second;
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Database::changes() const { return sqlite3_changes(db_); }

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

int64_t Database::query_int(std::string_view sql) {
  Statement stmt = prepare(sql);
  if (!stmt.step()) return 0;
  return stmt.column_int(0);
}

// SqlTransaction ----------------------------------------------------------------

SqlTransaction::SqlTransaction(Database& db) : db_(db), nested_(db.in_transaction()) {
  db_.exec(nested_ ? "SAVEPOINT keyart_nested" : "BEGIN IMMEDIATE");
}

SqlTransaction::~SqlTransaction() {
  if (done_ || !db_.in_transaction()) return;
  if (nested_) {
    sqlite3_exec(db_.handle(), "ROLLBACK TO keyart_nested; RELEASE keyart_nested", nullptr,
                 nullptr, nullptr);
  } else {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void SqlTransaction::commit() {
  db_.exec(nested_ ? "RELEASE keyart_nested" : "COMMIT");
  done_ = true;
}

}  // namespace keyart::ledger
