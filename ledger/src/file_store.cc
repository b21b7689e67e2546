#include "keyart/ledger/file_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "keyart/ledger/errors.h"

namespace keyart::ledger {

namespace fs = std::filesystem;

std::string sha256_hex(std::span<const uint8_t> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw LedgerError(ErrorKind::kInternal, "SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

namespace {

std::string clean_extension(std::string_view ext) {
  if (ext.empty() || ext.size() > 8) return "bin";
  std::string out;
  for (char c : ext) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      return "bin";
    }
  }
  return out;
}

[[noreturn]] void io_error(const std::string& what, const fs::path& path) {
  throw LedgerError(ErrorKind::kIo, what + " '" + path.string() + "': " + std::strerror(errno));
}

void write_all_synced(const fs::path& path, std::span<const uint8_t> bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) io_error("cannot create", path);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      ::unlink(path.c_str());
      errno = saved;
      io_error("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int saved = errno;
    ::unlink(path.c_str());
    errno = saved;
    io_error("cannot sync", path);
  }
}

}  // namespace

StoredFile store_file(const fs::path& root, std::span<const uint8_t> bytes,
                      std::string_view extension) {
  StoredFile out;
  out.sha256 = sha256_hex(bytes);
  fs::path relative = fs::path(out.sha256.substr(0, 2)) / (out.sha256 + "." + clean_extension(extension));
  out.relative_path = relative.string();
  fs::path target = root / relative;
  std::error_code ec;
  if (fs::exists(target, ec) && fs::file_size(target, ec) == bytes.size()) {
    out.already_present = true;
    return out;
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw LedgerError(ErrorKind::kIo, "cannot create folder '" + target.parent_path().string() +
                                          "': " + ec.message());
  }
  std::random_device rd;
  fs::path temp = target;
  temp += ".tmp" + std::to_string(rd());
  write_all_synced(temp, bytes);
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw LedgerError(ErrorKind::kIo, "cannot store '" + target.string() + "'");
  }
  return out;
}

std::vector<uint8_t> read_file_bytes(const fs::path& path, uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw LedgerError(ErrorKind::kNotFound, "file '" + path.string() + "' does not exist");
  }
  if (fs::is_directory(path, ec)) {
    throw LedgerError(ErrorKind::kInvalid, "'" + path.string() + "' is a folder, not a file");
  }
  uint64_t size = fs::file_size(path, ec);
  if (!ec && size > max_bytes) {
    throw LedgerError(ErrorKind::kInvalid, "file '" + path.string() + "' is " +
                                               std::to_string(size) + " bytes, over the limit of " +
                                               std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) io_error("cannot read", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) io_error("cannot read", path);
  return bytes;
}

}  // namespace keyart::ledger
