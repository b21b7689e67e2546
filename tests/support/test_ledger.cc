#include "support/test_ledger.h"

#include "database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace keyart::testing {

namespace {

std::string cluster_dir() {
  const char* dir = std::getenv("KEYART_TEST_POSTGRES_DIR");
  return dir && *dir ? dir : "";
}

}  // namespace

bool testing_postgres() { return !cluster_dir().empty(); }

std::string postgres_admin_uri() {
  std::string dir = cluster_dir();
  if (dir.empty()) return "";
  // libpq reads the cluster's password from its password file.
  ::setenv("PGPASSFILE", (dir + "/pgpass").c_str(), 1);
  std::ifstream in(dir + "/uri");
  std::string uri;
  std::getline(in, uri);
  if (uri.empty()) throw std::runtime_error("no PostgreSQL test cluster at " + dir);
  return uri;
}

void postgres_admin(const std::string& sql) {
  PGconn* conn = PQconnectdb(postgres_admin_uri().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test cluster: " + error);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string error = ok ? "" : PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("test cluster: " + sql + ": " + error);
}

void hold_write_lock(ledger::Ledger& blocker) {
  blocker.db().exec(testing_postgres() ? "BEGIN; SELECT keyart_lock_event_writers()"
                                       : "BEGIN IMMEDIATE");
}

TestLedger::TestLedger(const TempDir& dir, const std::string& name) {
  if (!testing_postgres()) {
    target_ = (dir / (name + ".db")).string();
    return;
  }
  static std::atomic<int> counter{0};
  database_ = "keyart_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  postgres_admin("CREATE DATABASE " + database_ + " TEMPLATE template0");
  std::string admin = postgres_admin_uri();
  target_ = admin.substr(0, admin.rfind('/') + 1) + database_;
  files_dir_ = (dir / (name + ".files")).string();
  // keyart processes the test starts find the folder as a user would.
  ::setenv("KEYART_FILES", files_dir_.c_str(), 1);
}

TestLedger::~TestLedger() {
  if (database_.empty()) return;
  try {
    postgres_admin("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // the cluster is removed at the end of the run anyway
  }
}

}  // namespace keyart::testing
