// A fixture for tests that drive the `keyart` binary on a fresh ledger: a
// temporary folder, an initialised ledger (a file in it, or a PostgreSQL
// database on that pass, with $KEYART_FILES set to a folder in it), and a
// helper that writes input files there byte for byte.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "support/test_ledger.h"
#include "support/test_support.h"

namespace keyart::testing {

class CliLedgerTest : public ::testing::Test {
 protected:
  TempDir dir;
  TestLedger where{dir};
  std::string db = where.target();
  void SetUp() override {
    if (!where.files_dir().empty()) ::setenv("KEYART_FILES", where.files_dir().c_str(), 1);
    ASSERT_EQ(run_keyart({"init", "--db", db}).exit_code, 0);
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

}  // namespace keyart::testing
