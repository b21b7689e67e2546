// What the JSON endpoints share (internal to serving/): answers, the API's
// error body, and reading a request body within the nesting limit. Bad
// input is thrown as ServiceError (400, naming the field).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "keyart/serving/http_server.h"
#include "keyart/serving/service.h"

namespace keyart::serving {

HttpResponse json_response(int status, const nlohmann::json& body);
// {"error": {"status", "message", "field"?}}: keyart's own error body.
HttpResponse error_response(int status, const std::string& message, const std::string& field = "");
[[noreturn]] void field_error(const std::string& field, const std::string& message);
// The body as a JSON object: 400 when empty, malformed, nested deeper than
// max_depth, or not an object.
nlohmann::json parse_body(const std::string& body, int max_depth);
// A path segment with its %XX escapes decoded (clients escape ids in paths).
std::string percent_decoded(std::string_view segment);
// doc[field] as a string (absent or null: "", or 400 when required).
std::string get_string(const nlohmann::json& doc, const char* field, bool required);

}  // namespace keyart::serving
