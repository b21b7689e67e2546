#include "keyart/ledger/ledger.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>

#include "schema.h"
#include "sqlite.h"

namespace keyart::ledger {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int Ledger::current_schema_version() { return ledger::schema_version(); }

namespace {

// Reads user_version, turning "file is not a database" into a clear error.
int read_user_version(Database& db) {
  try {
    return static_cast<int>(db.query_int("PRAGMA user_version"));
  } catch (const LedgerError& e) {
    if (e.kind() == ErrorKind::kSchema || e.kind() == ErrorKind::kIo) {
      throw LedgerError(ErrorKind::kSchema,
                        "'" + db.path() + "' is not a SQLite database (" + e.what() + ")");
    }
    throw;
  }
}

// A file without any write permission bit is treated as read-only even for
// root (who could write it anyway): the operator said so.
bool marked_read_only(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0;
}

bool has_tables(Database& db) {
  return db.query_int("SELECT count(*) FROM sqlite_master WHERE type = 'table'") > 0;
}

}  // namespace

Ledger Ledger::open(const std::string& path, const LedgerOptions& options) {
  if (!options.read_only && marked_read_only(path)) {
    throw LedgerError(ErrorKind::kReadOnly,
                      "ledger '" + path + "' is read-only (check the file's permissions)");
  }
  Database db = Database::open(
      path, options.read_only ? Database::Mode::kReadOnly : Database::Mode::kReadWrite,
      options.create && !options.read_only);
  db.exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout_ms));
  int version = read_user_version(db);
  const int current = ledger::schema_version();
  if (version > current) {
    throw LedgerError(ErrorKind::kSchema,
                      "ledger '" + path + "' has schema version " + std::to_string(version) +
                          ", newer than this keyart understands (" + std::to_string(current) +
                          "); use a newer keyart");
  }
  if (version == 0 && has_tables(db)) {
    throw LedgerError(ErrorKind::kSchema,
                      "'" + path + "' is a SQLite database but not a keyart ledger");
  }
  bool file_read_only =
      sqlite3_db_readonly(db.handle(), "main") == 1 || marked_read_only(path);
  if (!options.read_only && file_read_only) {
    throw LedgerError(ErrorKind::kReadOnly,
                      "ledger '" + path + "' is read-only (check the file's permissions)");
  }
  if (version < current) {
    if (options.read_only) {
      if (version == 0) {
        throw LedgerError(ErrorKind::kSchema, "'" + path + "' is empty, not a keyart ledger; "
                                              "create it with 'keyart init'");
      }
      throw LedgerError(ErrorKind::kSchema,
                        "ledger '" + path + "' has schema version " + std::to_string(version) +
                            " and needs an upgrade; open it once for writing");
    }
    SqlTransaction tx(db);
    // Re-read under the write lock: another process may have done it.
    version = read_user_version(db);
    if (version == 0) {
      apply_schema(db);
    } else if (version < current) {
      migrate(db, version);
    }
    tx.commit();
    version = current;
  }
  if (!options.read_only) {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                     : "PRAGMA synchronous = NORMAL");
  }
  db.exec("PRAGMA foreign_keys = ON");
  // Up to 64 MiB of page cache (allocated as used): index pages of large
  // ledgers stay in memory for batch writes and report scans.
  db.exec("PRAGMA cache_size = -65536");
  return Ledger(std::make_unique<Database>(std::move(db)), path, options.read_only, version);
}

Ledger::Ledger(std::unique_ptr<Database> db, std::string path, bool read_only, int version)
    : db_(std::move(db)), path_(std::move(path)), read_only_(read_only), schema_version_(version) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

Transaction::Transaction(Ledger& ledger) : tx_(std::make_unique<SqlTransaction>(ledger.db())) {}
Transaction::~Transaction() = default;
void Transaction::commit() { tx_->commit(); }

std::filesystem::path Ledger::files_dir() const {
  return std::filesystem::path(path() + ".files");
}

void Ledger::require_writable() const {
  if (read_only_) {
    throw LedgerError(ErrorKind::kReadOnly, "ledger '" + path() + "' was opened read-only");
  }
}

}  // namespace keyart::ledger
