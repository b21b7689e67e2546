// Named feature values as the outside world gives them: a name and either a
// number or a string (a category). Used for artwork variants (as produced by
// artwork/) and for the logged requests that replay rebuilds. Values are kept
// sorted by name (so a request and its replay from the ledger's JSON build
// identical vectors); a repeated name replaces the earlier value.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace keyart::engine {

struct NamedValue {
  std::string name;
  bool is_text = false;
  double number = 0;
  std::string text;
};

class NamedFeatures {
 public:
  NamedFeatures() = default;
  NamedFeatures& set(std::string_view name, double number);
  NamedFeatures& set(std::string_view name, std::string_view text);
  NamedFeatures& set(std::string_view name, const char* text) {
    return set(name, std::string_view(text));
  }

  // From a flat JSON object {"name": number | string | bool}. Throws
  // std::invalid_argument naming the key for nested values or nulls.
  static NamedFeatures from_json(const nlohmann::json& object);
  nlohmann::json to_json() const;

  const NamedValue* find(std::string_view name) const;
  const std::vector<NamedValue>& values() const { return values_; }
  bool empty() const { return values_.empty(); }
  size_t size() const { return values_.size(); }

 private:
  std::vector<NamedValue> values_;
};

}  // namespace keyart::engine
