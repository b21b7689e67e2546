#include "keyart/ledger/client_event_id.h"

#include <cstdint>
#include <span>

#include "keyart/ledger/file_store.h"

namespace keyart::ledger {

std::string client_event_id_problem(std::string_view id) {
  if (id.empty()) return "an event id must not be empty";
  if (id.size() > kMaxClientEventIdBytes) {
    return "an event id must be at most " + std::to_string(kMaxClientEventIdBytes) + " bytes";
  }
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "an event id must not contain control characters";
  }
  return {};
}

engine::EventId client_event_id(std::string_view id) {
  std::string text = "keyart client event id\n";
  text += id;
  const std::string digest = sha256_hex(
      std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  engine::EventId out{};
  engine::parse_event_id(std::string_view(digest).substr(0, 32), out);
  return out;
}

}  // namespace keyart::ledger
