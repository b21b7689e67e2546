#include "keyart/engine/binary_io.h"

#include <cstring>

namespace keyart::engine {

void BinaryWriter::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
}
void BinaryWriter::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
}
void BinaryWriter::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  u64(bits);
}
void BinaryWriter::str(std::string_view s) {
  u64(s.size());
  out_.append(s);
}
void BinaryWriter::f64s(const double* data, size_t n) {
  for (size_t i = 0; i < n; ++i) f64(data[i]);
}

void BinaryReader::need(size_t n) {
  if (in_.size() - pos_ < n) {
    throw SnapshotError("snapshot truncated at byte " + std::to_string(pos_) + " (needs " +
                        std::to_string(n) + " more)");
  }
}
uint8_t BinaryReader::u8() {
  need(1);
  return static_cast<uint8_t>(in_[pos_++]);
}
uint32_t BinaryReader::u32() {
  need(4);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return v;
}
uint64_t BinaryReader::u64() {
  need(8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return v;
}
double BinaryReader::f64() {
  uint64_t bits = u64();
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}
std::string BinaryReader::str() {
  uint64_t n = count(1);
  std::string s(in_.substr(pos_, n));
  pos_ += n;
  return s;
}
void BinaryReader::f64s(double* data, size_t n) {
  need(n * 8);
  for (size_t i = 0; i < n; ++i) data[i] = f64();
}
uint64_t BinaryReader::count(size_t min_bytes) {
  uint64_t n = u64();
  if (min_bytes > 0 && n > remaining() / min_bytes) {
    throw SnapshotError("snapshot corrupt: count " + std::to_string(n) + " exceeds its data");
  }
  return n;
}

uint64_t checksum64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace keyart::engine
