#include "keyart/ledger/ledger.h"

#include <sys/stat.h>

#include <chrono>

#include "postgres.h"
#include "schema.h"
#include "sqlite.h"

namespace keyart::ledger {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int Ledger::current_schema_version() { return ledger::schema_version(); }

bool is_server_ledger(std::string_view target) { return is_postgres_uri(target); }

namespace {

// Reads the stored version, turning "file is not a database" into a clear
// error.
int read_version(Database& db) {
  try {
    return stored_schema_version(db);
  } catch (const LedgerError& e) {
    if (db.backend() == Backend::kSqlite &&
        (e.kind() == ErrorKind::kSchema || e.kind() == ErrorKind::kIo)) {
      throw LedgerError(ErrorKind::kSchema,
                        "'" + db.name() + "' is not a SQLite database (" + e.what() + ")");
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

LedgerError read_only_file(const std::string& path) {
  return LedgerError(ErrorKind::kReadOnly,
                     "ledger '" + path + "' is read-only (check the file's permissions)");
}

// The ledger's version, refusing a newer ledger or a database that is not one.
int checked_version(Database& db) {
  const std::string& name = db.name();
  int version = read_version(db);
  const int current = schema_version(db.backend());
  if (version > current) {
    throw LedgerError(ErrorKind::kSchema,
                      "ledger '" + name + "' has schema version " + std::to_string(version) +
                          ", newer than this keyart understands (" + std::to_string(current) +
                          "); use a newer keyart");
  }
  if (version == 0 && has_tables(db)) {
    throw LedgerError(ErrorKind::kSchema,
                      db.backend() == Backend::kSqlite
                          ? "'" + name + "' is a SQLite database but not a keyart ledger"
                          : "PostgreSQL database " + name +
                                " holds tables but is not a keyart ledger");
  }
  return version;
}

// Creates or migrates a ledger at an older version, under the write lock,
// re-reading the version there (another process may have done it).
void bring_to_current(Database& db, int version, bool read_only) {
  const std::string& name = db.name();
  const int current = schema_version(db.backend());
  if (version == current) return;
  if (read_only) {
    if (version == 0) {
      throw LedgerError(ErrorKind::kSchema, "'" + name + "' is empty, not a keyart ledger; "
                                            "create it with 'keyart init'");
    }
    throw LedgerError(ErrorKind::kSchema,
                      "ledger '" + name + "' has schema version " + std::to_string(version) +
                          " and needs an upgrade; open it once for writing");
  }
  SqlTransaction tx(db);
  if (db.backend() == Backend::kPostgres) {
    // Two processes creating one database at once: the second waits here.
    db.exec("SELECT pg_advisory_xact_lock(7426500000)");
  }
  version = read_version(db);
  if (version == 0) {
    apply_schema(db);
  } else if (version < current) {
    migrate(db, version);
  }
  tx.commit();
}

std::unique_ptr<Database> open_sqlite(const std::string& path, const LedgerOptions& options) {
  if (!options.read_only && marked_read_only(path)) throw read_only_file(path);
  auto db = SqliteDatabase::open(
      path,
      options.read_only ? SqliteDatabase::Mode::kReadOnly : SqliteDatabase::Mode::kReadWrite,
      options.create && !options.read_only);
  db->exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout_ms));
  int version = checked_version(*db);
  if (!options.read_only && (db->file_read_only() || marked_read_only(path))) {
    throw read_only_file(path);
  }
  bring_to_current(*db, version, options.read_only);
  if (!options.read_only) {
    db->exec("PRAGMA journal_mode = WAL");
    db->exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                      : "PRAGMA synchronous = NORMAL");
  }
  db->exec("PRAGMA foreign_keys = ON");
  // Up to 64 MiB of page cache (allocated as used): index pages of large
  // ledgers stay in memory for batch writes and report scans.
  db->exec("PRAGMA cache_size = -65536");
  return db;
}

}  // namespace

Ledger Ledger::open(const std::string& target, const LedgerOptions& options) {
  std::unique_ptr<Database> db;
  if (is_postgres_uri(target)) {
    db = PgDatabase::connect(target, options.busy_timeout_ms, options.read_only);
    bring_to_current(*db, checked_version(*db), options.read_only);
  } else {
    db = open_sqlite(target, options);
  }
  std::string name = db->name();
  return Ledger(std::move(db), std::move(name), options.files_dir, options.read_only,
                ledger::schema_version());
}

Ledger::Ledger(std::unique_ptr<Database> db, std::string path, std::string files_dir,
               bool read_only, int version)
    : db_(std::move(db)),
      path_(std::move(path)),
      files_dir_(std::move(files_dir)),
      read_only_(read_only),
      schema_version_(version) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

const char* Ledger::backend_name() const {
  return db_->backend() == Backend::kSqlite ? "sqlite" : "postgresql";
}

Transaction::Transaction(Ledger& ledger) : tx_(std::make_unique<SqlTransaction>(ledger.db())) {}
Transaction::~Transaction() = default;
void Transaction::commit() { tx_->commit(); }

std::filesystem::path Ledger::files_dir() const {
  if (!files_dir_.empty()) return files_dir_;
  if (db_->backend() == Backend::kSqlite) return std::filesystem::path(path() + ".files");
  throw LedgerError(ErrorKind::kInvalid,
                    "the PostgreSQL ledger " + path() + " keeps stored files (artwork, "
                    "headshots, model snapshots) in a folder: give it with --files DIR or "
                    "$KEYART_FILES");
}

void Ledger::require_writable() const {
  if (read_only_) {
    throw LedgerError(ErrorKind::kReadOnly, "ledger '" + path() + "' was opened read-only");
  }
}

}  // namespace keyart::ledger
