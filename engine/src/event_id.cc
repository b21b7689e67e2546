#include "keyart/engine/event_id.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "keyart/engine/hash.h"

namespace keyart::engine {

namespace {

// Per-thread buffer of kernel randomness, refilled 4 KiB at a time.
struct RandomPool {
  uint8_t bytes[4096];
  size_t used = sizeof(bytes);

  void take(uint8_t* out, size_t n) {
    if (used + n > sizeof(bytes)) refill();
    std::memcpy(out, bytes + used, n);
    used += n;
  }

  void refill() {
    size_t filled = 0;
    while (filled < sizeof(bytes)) {
      ssize_t got = getrandom(bytes + filled, sizeof(bytes) - filled, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("getrandom failed: " + std::string(std::strerror(errno)));
      }
      filled += static_cast<size_t>(got);
    }
    used = 0;
  }
};

thread_local RandomPool pool;

}  // namespace

EventId new_event_id() {
  using namespace std::chrono;
  return new_event_id(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

EventId new_event_id(int64_t unix_ms) {
  EventId id;
  uint64_t t = static_cast<uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) id[i] = static_cast<uint8_t>(t >> (8 * (5 - i)));
  pool.take(id.data() + 6, 10);
  return id;
}

void to_hex(const EventId& id, char out[32]) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < id.size(); ++i) {
    out[2 * i] = kHex[id[i] >> 4];
    out[2 * i + 1] = kHex[id[i] & 15];
  }
}

std::string to_hex(const EventId& id) {
  std::string s(32, '0');
  to_hex(id, s.data());
  return s;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool parse_event_id(std::string_view hex, EventId& out) {
  if (hex.size() != 32) return false;
  for (size_t i = 0; i < 16; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

int64_t event_id_time_ms(const EventId& id) {
  uint64_t t = 0;
  for (int i = 0; i < 6; ++i) t = (t << 8) | id[i];
  return static_cast<int64_t>(t);
}

size_t EventIdHash::operator()(const EventId& id) const {
  uint64_t x;
  std::memcpy(&x, id.data() + 8, 8);
  return static_cast<size_t>(mix_key(x));
}

}  // namespace keyart::engine
