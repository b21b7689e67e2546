// The ledger a test runs against. The suites run once per backend: by
// default on a SQLite file in the test's folder; when
// $KEYART_TEST_POSTGRES_DIR names a running throwaway cluster
// (scripts/pg_cluster.sh, started by CTest's postgres fixture), on a fresh
// PostgreSQL database created for the test and dropped after it.
#pragma once

#include <string>

#include "keyart/ledger/ledger.h"
#include "support/test_support.h"

namespace keyart::testing {

// True when this run is the PostgreSQL pass.
bool testing_postgres();

// Skips the current test on the PostgreSQL pass (a test of SQLite's own
// behaviour: its file, its pragmas) or on the SQLite pass.
#define KEYART_SQLITE_ONLY() \
  if (::keyart::testing::testing_postgres()) GTEST_SKIP() << "a SQLite-only test"
#define KEYART_POSTGRES_ONLY() \
  if (!::keyart::testing::testing_postgres()) GTEST_SKIP() << "a PostgreSQL-only test"

class TestLedger {
 public:
  // name: the file name stem (SQLite) or part of the database name.
  explicit TestLedger(const TempDir& dir, const std::string& name = "ledger");
  ~TestLedger();
  TestLedger(const TestLedger&) = delete;
  TestLedger& operator=(const TestLedger&) = delete;

  // What --db takes: the file path or the database URI.
  const std::string& target() const { return target_; }
  // The stored-files folder to pass as --files (empty on SQLite: beside the file).
  const std::string& files_dir() const { return files_dir_; }

 private:
  std::string target_;
  std::string files_dir_;
  std::string database_;  // PostgreSQL: the database to drop
};

// Takes, on another connection, the lock a batch of events needs (SQLite:
// BEGIN IMMEDIATE; PostgreSQL: the event writers' lock), so a writer meets
// a busy ledger; the caller ends it with ROLLBACK.
void hold_write_lock(ledger::Ledger& blocker);

// The cluster's admin URI (postgres database); empty on the SQLite pass.
std::string postgres_admin_uri();
// Runs SQL on the cluster's postgres database (creating, dropping databases).
void postgres_admin(const std::string& sql);

}  // namespace keyart::testing
