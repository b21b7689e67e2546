// A JSON string written directly, for the writers that build JSON text by
// hand because they run once per decision (the decision log, the decide
// endpoints' answers): quotes, backslashes and control characters escaped
// per RFC 8259; other bytes pass unchanged (the caller's text is UTF-8).
#pragma once

#include <string>
#include <string_view>

namespace keyart::ledger {

void append_json_string(std::string& out, std::string_view text);

}  // namespace keyart::ledger
