// Moving a whole ledger into an empty one, on either backend (the way a
// user who started with a SQLite file grows into PostgreSQL): catalogue,
// stored-file records, experiments, exposures, rewards and model snapshots,
// with their ids, in one transaction on the destination. Before it commits,
// the copy is read back and checked: the same row count and the same SHA-256
// of every table's rows (values in a canonical form, ordered by key); on a
// mismatch, or if the process dies, nothing is committed. The destination
// must be empty (kConflict otherwise). Stored files are copied separately
// (copy_stored_files), before the ledger commits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct TableCopy {
  std::string table;
  int64_t rows = 0;
  std::string sha256;  // of the rows, the same on both sides
};

// progress(table, rows so far) is called as rows are copied.
std::vector<TableCopy> copy_ledger(
    Ledger& from, Ledger& to,
    const std::function<void(std::string_view table, int64_t rows)>& progress = {});

// Copies every stored file under from_dir into to_dir (content-addressed:
// a file already there is kept); returns how many were copied.
int64_t copy_stored_files(const std::filesystem::path& from_dir,
                          const std::filesystem::path& to_dir);

// The tables copy_ledger moves, in the order it moves them.
const std::vector<std::string>& copied_tables();
// The tables it leaves to the destination: catalog_version (each ledger
// counts its own catalogue changes; the copy's inserts raise it there).
const std::vector<std::string>& tables_not_copied();

}  // namespace keyart::ledger
