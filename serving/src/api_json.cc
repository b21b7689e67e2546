#include "api_json.h"

#include <cctype>

#include "json_text.h"

namespace keyart::serving {

using json = nlohmann::json;

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = json_text(body);
  return r;
}

HttpResponse error_response(int status, const std::string& message, const std::string& field) {
  json body = {{"error", {{"status", status}, {"message", message}}}};
  if (!field.empty()) body["error"]["field"] = field;
  return json_response(status, body);
}

[[noreturn]] void field_error(const std::string& field, const std::string& message) {
  throw ServiceError(400, field, message);
}

json parse_body(const std::string& body, int max_depth) {
  if (body.empty()) field_error("", "the request body is empty; send a JSON object");
  json doc;
  try {
    doc = json::parse(body, [&](int depth, json::parse_event_t, json&) {
      // depth counts from 0 at the top-level value: max_depth levels in all.
      if (depth >= max_depth) {
        throw ServiceError(400, "", "JSON is nested deeper than " + std::to_string(max_depth) +
                                        " levels");
      }
      return true;
    });
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number no double holds (1e999).
    field_error("", std::string("malformed JSON: ") + e.what());
  }
  if (!doc.is_object()) field_error("", "the request body must be a JSON object");
  return doc;
}

std::string get_string(const json& doc, const char* field, bool required) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) {
    if (required) field_error(field, std::string(field) + " is required");
    return {};
  }
  if (!it->is_string()) field_error(field, std::string(field) + " must be a string");
  return it->get<std::string>();
}

std::string percent_decoded(std::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() &&
        std::isxdigit(static_cast<unsigned char>(segment[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(segment[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(segment.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += segment[i];
    }
  }
  return out;
}

}  // namespace keyart::serving
