// A fixture for tests that drive the `keyart` binary on a fresh ledger: a
// temporary folder, an initialised ledger file in it, and a helper that
// writes input files there byte for byte.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/test_support.h"

namespace keyart::testing {

class CliLedgerTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = (dir / "ledger.db").string();
  void SetUp() override { ASSERT_EQ(run_keyart({"init", "--db", db}).exit_code, 0); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

}  // namespace keyart::testing
