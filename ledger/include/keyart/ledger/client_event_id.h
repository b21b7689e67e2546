// Event ids a client chooses (a retried decision, Personalizer's eventId, a
// log imported from elsewhere). The ledger keeps keyart's 16-byte ids, so a
// client's id is mapped onto one: the first 16 bytes of the SHA-256 of
// "keyart client event id\n" + the id. The same client id gives the same
// event id in every process, on every node and in every import, so a reward
// or an activation that names it finds its decision. (Such an id carries no
// time prefix: engine/event_id.h's layout is only for ids keyart mints.)
#pragma once

#include <string>
#include <string_view>

#include "keyart/engine/event_id.h"

namespace keyart::ledger {

// The longest client event id taken, in bytes.
inline constexpr size_t kMaxClientEventIdBytes = 256;

// Empty when `id` is acceptable (1 to kMaxClientEventIdBytes bytes, no
// control characters); else why not, in one sentence.
std::string client_event_id_problem(std::string_view id);

engine::EventId client_event_id(std::string_view id);

}  // namespace keyart::ledger
