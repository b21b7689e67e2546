#include "database.h"

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

Statement& Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(prepare(sql))).first;
  } else {
    it->second->reset();
  }
  return *it->second;
}

int64_t Database::query_int(std::string_view sql) {
  Statement stmt = prepare(sql);
  if (!stmt.step()) return 0;
  int64_t value = stmt.column_int(0);
  stmt.reset();
  return value;
}

SqlTransaction::SqlTransaction(Database& db) : db_(db), nested_(db.in_transaction()) {
  if (nested_) {
    db_.exec("SAVEPOINT keyart_nested");
  } else {
    db_.begin_write();
  }
}

SqlTransaction::~SqlTransaction() {
  if (done_ || !db_.in_transaction()) return;
  db_.rollback_quietly(nested_);
}

void SqlTransaction::commit() {
  if (nested_) {
    db_.exec("RELEASE keyart_nested");
  } else {
    db_.commit_write();
  }
  done_ = true;
}

}  // namespace keyart::ledger
