// Event ids: 128-bit, unique and unguessable, written as 32 lower-case hex
// digits. The first 48 bits are the Unix time in milliseconds (so ids sort
// roughly by time and the ledger's index on them grows at its end); the other
// 80 bits come from the kernel's CSPRNG (getrandom), read in blocks per
// thread. Thread-safe; no allocation beyond the returned string's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyart::engine {

using EventId = std::array<uint8_t, 16>;

EventId new_event_id();
EventId new_event_id(int64_t unix_ms);  // with a given time prefix

std::string to_hex(const EventId& id);
void to_hex(const EventId& id, char out[32]);
// Parses 32 hex digits (either case); false on anything else.
bool parse_event_id(std::string_view hex, EventId& out);
// The time prefix in milliseconds.
int64_t event_id_time_ms(const EventId& id);

// For hash tables keyed by event id: the random half, mixed.
struct EventIdHash {
  size_t operator()(const EventId& id) const;
};

}  // namespace keyart::engine
