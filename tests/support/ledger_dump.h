// Reads every row of every table of a ledger (a SQLite file or a
// postgresql:// URI) into one string, so a test can check that a failed
// command left the ledger exactly as it was.
#pragma once

#include <filesystem>
#include <string>

namespace keyart::testing {

std::string dump_ledger(const std::filesystem::path& path);

}  // namespace keyart::testing
