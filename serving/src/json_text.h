// Serialises JSON for the wire and the access log without ever throwing on
// bytes that are not UTF-8 (a request target, method or id echoed back in an
// error): such bytes become U+FFFD. nlohmann's plain dump() throws
// type_error 316 there, which once escaped the handler. Internal to serving/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace keyart::serving {

inline std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace keyart::serving
