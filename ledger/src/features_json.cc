#include "keyart/ledger/features_json.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace keyart::ledger {

namespace {

// nlohmann's name for a JSON type, as NamedFeatures::from_json reports it.
const char* json_type_name(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY: return "array";
    case simdjson::dom::element_type::OBJECT: return "object";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
    case simdjson::dom::element_type::BOOL: return "boolean";
    case simdjson::dom::element_type::STRING: return "string";
    default: return "number";
  }
}

}  // namespace

bool read_features(simdjson::dom::element element, engine::NamedFeatures& out,
                   std::string& reason) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) {
    reason = "features must be a JSON object of name: number or string";
    return false;
  }
  struct Field {
    std::string_view name;
    simdjson::dom::element value;
  };
  thread_local std::vector<Field> fields;
  fields.clear();
  for (auto field : object) fields.push_back({field.key, field.value});
  std::stable_sort(fields.begin(), fields.end(),
                   [](const Field& a, const Field& b) { return a.name < b.name; });
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i + 1 < fields.size() && fields[i + 1].name == fields[i].name) continue;  // the last wins
    const Field& f = fields[i];
    double number = 0;
    std::string_view text;
    switch (f.value.type()) {
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        number = f.value.get_double().value_unsafe();  // the type says it is one
        out.set(f.name, number);
        break;
      case simdjson::dom::element_type::BOOL:
        out.set(f.name, f.value.get_bool().value_unsafe() ? 1.0 : 0.0);
        break;
      case simdjson::dom::element_type::STRING:
        text = f.value.get_string().value_unsafe();
        out.set(f.name, text);
        break;
      default:
        reason = "feature '" + std::string(f.name) + "' must be a number or a string, not " +
                 json_type_name(f.value.type());
        return false;
    }
  }
  return true;
}

}  // namespace keyart::ledger
