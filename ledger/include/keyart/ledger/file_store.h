// Content-addressed storage for uploaded files (artwork, headshots) beside
// the ledger. A file is kept once, at "<root>/<aa>/<sha256>.<ext>", named by
// the SHA-256 of its bytes and never by a name the user chose; writes are
// atomic (temporary file, fsync, rename), so a crash leaves either the whole
// file or none.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyart::ledger {

std::string sha256_hex(std::span<const uint8_t> bytes);

struct StoredFile {
  std::string sha256;
  std::string relative_path;  // relative to the store's root
  bool already_present = false;
};

// extension: lower-case letters/digits only (e.g. "jpg"); anything else is
// replaced by "bin".
StoredFile store_file(const std::filesystem::path& root, std::span<const uint8_t> bytes,
                      std::string_view extension);

// Reads a whole file; throws LedgerError kNotFound / kIo with the path, and
// kInvalid when it is larger than max_bytes.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path,
                                     uint64_t max_bytes = 256ull << 20);

}  // namespace keyart::ledger
