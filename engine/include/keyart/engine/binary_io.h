// Little-endian binary encoding for snapshots: a writer that appends to a
// byte string and a reader that checks every read against the end of its
// input, throwing SnapshotError("snapshot truncated ...") instead of reading
// past it. Doubles are stored bit-exactly.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace keyart::engine {

class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BinaryWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v);
  void str(std::string_view s);
  void f64s(const double* data, size_t n);
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64();
  std::string str();
  void f64s(double* data, size_t n);
  // A count that must fit in what is left (each item at least min_bytes).
  uint64_t count(size_t min_bytes);
  bool done() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  void need(size_t n);
  std::string_view in_;
  size_t pos_ = 0;
};

// 64-bit FNV-1a checksum of bytes (snapshot integrity).
uint64_t checksum64(std::string_view bytes);

}  // namespace keyart::engine
