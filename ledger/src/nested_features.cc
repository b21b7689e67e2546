#include "keyart/ledger/nested_features.h"

namespace keyart::ledger {

namespace {

using json = nlohmann::json;

std::string joined(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "_" + name;
}

void add_value(const std::string& name, const json& value, engine::NamedFeatures& out) {
  switch (value.type()) {
    case json::value_t::object:
      for (const auto& [key, inner] : value.items()) {
        if (!key.empty() && key[0] != '_') add_value(joined(name, key), inner, out);
      }
      break;
    case json::value_t::array:
      for (size_t i = 0; i < value.size(); ++i) {
        const json& item = value[i];
        if (item.is_string()) {
          out.set(joined(name, item.get<std::string>()), 1.0);
        } else {
          add_value(joined(name, std::to_string(i)), item, out);
        }
      }
      break;
    case json::value_t::string: out.set(name, value.get<std::string>()); break;
    case json::value_t::boolean: out.set(name, value.get<bool>() ? 1.0 : 0.0); break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: out.set(name, value.get<double>()); break;
    default: break;  // null (and nothing else is left)
  }
}

}  // namespace

bool add_nested_features(const json& list, engine::NamedFeatures& out, std::string& reason) {
  if (list.is_null()) return true;
  if (list.is_object()) {
    add_value("", list, out);
    return true;
  }
  if (!list.is_array()) {
    reason = "features must be a list of objects";
    return false;
  }
  for (const json& item : list) {
    if (!item.is_object()) {
      reason = "features must be a list of objects";
      return false;
    }
    add_value("", item, out);
  }
  return true;
}

}  // namespace keyart::ledger
