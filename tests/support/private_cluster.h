// A PostgreSQL cluster of the test's own (scripts/pg_cluster.sh), for tests
// that stop the server: halting it must not disturb the other tests'. While
// it lives, the test's ledgers (TestLedger) are created on it.
#pragma once

#include <cstdlib>
#include <gtest/gtest.h>
#include <string>

#include "support/test_support.h"

namespace keyart::testing {

class PrivateCluster {
 public:
  PrivateCluster() {
    const char* shared = std::getenv("KEYART_TEST_POSTGRES_DIR");
    shared_ = shared ? shared : "";
    run("start");
    ::setenv("KEYART_TEST_POSTGRES_DIR", cluster_dir().c_str(), 1);
  }
  ~PrivateCluster() {
    ::setenv("KEYART_TEST_POSTGRES_DIR", shared_.c_str(), 1);
    run("stop");
  }
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;
  // "halt" (the server goes away, its data kept) or "resume".
  void run(const std::string& action) {
    std::string cmd = (source_dir() / "scripts" / "pg_cluster.sh").string() + " " + action + " " +
                      cluster_dir() + " >/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  std::string cluster_dir() const { return (dir_ / "cluster").string(); }

 private:
  TempDir dir_;
  std::string shared_;
};

}  // namespace keyart::testing
