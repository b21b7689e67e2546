#include "keyart/engine/named_features.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace keyart::engine {

namespace {
// Values are kept sorted by name, so the same features give the same order
// (and so the same vectors and model updates) however they were given: set()
// calls in any order, or a JSON object read back from the ledger.
NamedValue& slot(std::vector<NamedValue>& values, std::string_view name) {
  auto it = std::lower_bound(values.begin(), values.end(), name,
                             [](const NamedValue& v, std::string_view n) { return v.name < n; });
  if (it != values.end() && it->name == name) return *it;
  it = values.insert(it, NamedValue{});
  it->name = std::string(name);
  return *it;
}
}  // namespace

NamedFeatures& NamedFeatures::set(std::string_view name, double number) {
  if (!std::isfinite(number)) {
    throw std::invalid_argument("feature '" + std::string(name) + "' is not a finite number");
  }
  NamedValue& v = slot(values_, name);
  v.is_text = false;
  v.number = number;
  v.text.clear();
  return *this;
}

NamedFeatures& NamedFeatures::set(std::string_view name, std::string_view text) {
  NamedValue& v = slot(values_, name);
  v.is_text = true;
  v.number = 0;
  v.text = text;
  return *this;
}

NamedFeatures NamedFeatures::from_json(const nlohmann::json& object) {
  if (!object.is_object()) {
    throw std::invalid_argument("features must be a JSON object of name: number or string");
  }
  NamedFeatures out;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const auto& v = it.value();
    if (v.is_number()) {
      out.set(it.key(), v.get<double>());
    } else if (v.is_boolean()) {
      out.set(it.key(), v.get<bool>() ? 1.0 : 0.0);
    } else if (v.is_string()) {
      out.set(it.key(), v.get<std::string>());
    } else {
      throw std::invalid_argument("feature '" + it.key() +
                                  "' must be a number or a string, not " + v.type_name());
    }
  }
  return out;
}

nlohmann::json NamedFeatures::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& v : values_) {
    if (v.is_text) {
      out[v.name] = v.text;
    } else {
      out[v.name] = v.number;
    }
  }
  return out;
}

const NamedValue* NamedFeatures::find(std::string_view name) const {
  for (const auto& v : values_) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace keyart::engine
